#!/bin/bash
# expects: sysrq_access_critical
# expects-file: /proc/sysrq-trigger
# Writes a command to /proc/sysrq-trigger with a renamed copy of tee(1), in a private mount namespace where a scratch
# file is bind-mounted over it (the kernel receives nothing); on a kernel without SysRq, a scratch tmpfs stands in for
# /proc in that namespace.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
export SCRATCH
cp "$(command -v tee)" "$SCRATCH/jt-write"
: > "$SCRATCH/sysrq-trigger"
unshare -m --propagation private bash -euc '
  if [ -e /proc/sysrq-trigger ]; then
    mount --bind "$SCRATCH/sysrq-trigger" /proc/sysrq-trigger
  else
    mount -t tmpfs jibril-test /proc
    : > /proc/sysrq-trigger
  fi
  # Never write to the real trigger: what is there now must not be on procfs.
  fs=$(stat -f -c %T /proc/sysrq-trigger)
  [ "$fs" != proc ]
  printf "h" | "$SCRATCH/jt-write" /proc/sysrq-trigger > /dev/null
'
