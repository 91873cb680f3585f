#!/bin/bash
# expects: code_modification_through_procfs
# Writes one byte into the memory of a scratch process through /proc/PID/mem (with a renamed copy of dd(1)); the
# byte written is the one read at that address, so the target's memory does not change.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
dir=$(cd "$SCRATCH" && pwd -P)
cp "$(command -v dd)" "$dir/jt-poke"
cp "$(command -v sleep)" "$dir/jt-victim"
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
addr=$((16#$start))
dd if="/proc/$victim/mem" of="$dir/byte" bs=1 skip="$addr" count=1 status=none
"$dir/jt-poke" if="$dir/byte" of="/proc/$victim/mem" bs=1 seek="$addr" count=1 conv=notrunc status=none
