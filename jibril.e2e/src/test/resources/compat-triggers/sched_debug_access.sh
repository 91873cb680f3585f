#!/bin/bash
# expects: sched_debug_access
# Reads the scheduler debug dump (/proc/sched_debug) with a renamed copy of cat(1).
# Linux 5.13 moved that file to debugfs (/sys/kernel/debug/sched/debug), so current kernels (such as the one this
# was written on) have no /proc/sched_debug. There the read goes to a stand-in: in a private mount namespace, a
# tmpfs mounted on /proc holds a file named sched_debug, so the reader still opens and reads /proc/sched_debug
# (nothing outside the namespace changes).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
export SCRATCH
cp "$(type -P cat)" "$SCRATCH/jt-read"
if [ -r /proc/sched_debug ]; then
  "$SCRATCH/jt-read" /proc/sched_debug > /dev/null
else
  unshare -m --propagation private bash -euc '
    mount -t tmpfs jibril-test /proc
    printf "Sched Debug Version: v0.11\n" > /proc/sched_debug
    "$SCRATCH/jt-read" /proc/sched_debug > /dev/null
  '
fi
