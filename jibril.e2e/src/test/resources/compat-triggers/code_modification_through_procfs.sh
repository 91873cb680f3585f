#!/bin/bash
# expects: code_modification_through_procfs
# Opens the memory of a scratch process through /proc/PID/mem with a renamed copy of dd(1) and reads one byte of a
# writable mapping (the recipe accepts any access; nothing is written, so the target's memory does not change).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
dir=$(cd "$SCRATCH" && pwd -P)
cp "$(type -P dd)" "$dir/jt-peek"
cp "$(type -P sleep)" "$dir/jt-victim"
"$dir/jt-victim" 30 &
victim=$!
trap 'kill "$victim" 2>/dev/null || true; wait "$victim" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  [ "$(readlink "/proc/$victim/exe" 2>/dev/null || true)" = "$dir/jt-victim" ] && break
  sleep 0.02
done
[ "$(readlink "/proc/$victim/exe")" = "$dir/jt-victim" ]
start=
while read -r range perms _; do
  if [ "$perms" = rw-p ]; then start=${range%-*}; break; fi
done < "/proc/$victim/maps"
[ -n "$start" ]
"$dir/jt-peek" if="/proc/$victim/mem" of=/dev/null bs=1 skip=$((16#$start)) count=1 status=none
