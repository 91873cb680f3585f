#!/bin/bash
# expects: reactions_kill_current
# Writes /tmp/reactions_tests/kill_current.txt with a renamed copy of tee(1) (the recipe names no file action, so any
# action counts; it carries a reaction; only the detection is tested). The file is removed afterwards (a file of that
# name that was there before is set aside in the scratch directory and put back), and /tmp/reactions_tests too when this
# created it.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
cp "$(type -P tee)" "$SCRATCH/jt-write"
made=
if [ ! -d /tmp/reactions_tests ]; then mkdir /tmp/reactions_tests; made=1; fi
if [ -e /tmp/reactions_tests/kill_current.txt ]; then mv /tmp/reactions_tests/kill_current.txt "$SCRATCH/saved-kill_current.txt"; fi
trap 'rm -f /tmp/reactions_tests/kill_current.txt
  if [ -e "$SCRATCH/saved-kill_current.txt" ]; then mv "$SCRATCH/saved-kill_current.txt" /tmp/reactions_tests/kill_current.txt; fi
  if [ -n "$made" ]; then rmdir /tmp/reactions_tests 2>/dev/null || true; fi' EXIT
printf 'jibril-test\n' | "$SCRATCH/jt-write" /tmp/reactions_tests/kill_current.txt > /dev/null
