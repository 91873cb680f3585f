#!/bin/bash
# expects: reactions_fileops_writefile
# Creates /tmp/reactions_tests/fileops.txt and deletes it with a renamed copy of rm(1) (the recipe carries a reaction;
# only the detection is tested). /tmp/reactions_tests is created when missing and removed again when this created it; a
# file of that name that was there before is set aside in the scratch directory and put back.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
cp "$(type -P rm)" "$SCRATCH/jt-rm"
made=
if [ ! -d /tmp/reactions_tests ]; then mkdir /tmp/reactions_tests; made=1; fi
if [ -e /tmp/reactions_tests/fileops.txt ]; then mv /tmp/reactions_tests/fileops.txt "$SCRATCH/saved-fileops.txt"; fi
trap 'rm -f /tmp/reactions_tests/fileops.txt
  if [ -e "$SCRATCH/saved-fileops.txt" ]; then mv "$SCRATCH/saved-fileops.txt" /tmp/reactions_tests/fileops.txt; fi
  if [ -n "$made" ]; then rmdir /tmp/reactions_tests 2>/dev/null || true; fi' EXIT
printf 'jibril-test\n' > /tmp/reactions_tests/fileops.txt
"$SCRATCH/jt-rm" /tmp/reactions_tests/fileops.txt
