#!/bin/bash
# expects: environ_read_from_procfs
# Reads /proc/PID/environ of a scratch process with a renamed copy of cat(1).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
dir=$(cd "$SCRATCH" && pwd -P)
cp "$(command -v cat)" "$dir/jt-read"
cp "$(command -v sleep)" "$dir/jt-victim"
JIBRIL_TEST_SECRET=jibril-test "$dir/jt-victim" 30 &
victim=$!
trap 'kill "$victim" 2>/dev/null || true; wait "$victim" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  [ "$(readlink "/proc/$victim/exe" 2>/dev/null || true)" = "$dir/jt-victim" ] && break
  sleep 0.02
done
[ "$(readlink "/proc/$victim/exe")" = "$dir/jt-victim" ]
"$dir/jt-read" "/proc/$victim/environ" > /dev/null
