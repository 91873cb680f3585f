#!/bin/bash
# expects: sched_debug_access
# expects-file: /sys/kernel/debug/sched/debug
# Reads the scheduler debug dump with a renamed copy of cat(1), in a private mount namespace: debugfs is mounted there
# if the host has not mounted it; on a kernel without the dump, a scratch tmpfs stands in for debugfs.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
export SCRATCH
cp "$(command -v cat)" "$SCRATCH/jt-read"
unshare -m --propagation private bash -euc '
  f=/sys/kernel/debug/sched/debug
  if [ ! -e "$f" ]; then mount -t debugfs jibril-test /sys/kernel/debug 2> /dev/null || true; fi
  if [ ! -e "$f" ]; then
    mount -t tmpfs jibril-test /sys/kernel/debug
    mkdir /sys/kernel/debug/sched
    printf "Sched Debug Version: jibril-test\n" > "$f"
  fi
  "$SCRATCH/jt-read" "$f" > /dev/null
'
