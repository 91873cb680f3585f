#!/bin/bash
# expects: sysrq_access_high
# expects-file: /proc/sys/kernel/sysrq
# Enables every SysRq function through /proc/sys/kernel/sysrq with a renamed copy of tee(1), in a private mount
# namespace where a scratch file is bind-mounted over it (the kernel's setting is not changed); on a kernel without
# SysRq, a scratch tmpfs stands in for /proc/sys/kernel in that namespace.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
export SCRATCH
cp "$(command -v tee)" "$SCRATCH/jt-write"
printf '0\n' > "$SCRATCH/sysrq"
unshare -m --propagation private bash -euc '
  if [ -e /proc/sys/kernel/sysrq ]; then
    mount --bind "$SCRATCH/sysrq" /proc/sys/kernel/sysrq
  else
    mount -t tmpfs jibril-test /proc/sys/kernel
    printf "0\n" > /proc/sys/kernel/sysrq
  fi
  # Never write to the real setting: what is there now must not be on procfs.
  fs=$(stat -f -c %T /proc/sys/kernel/sysrq)
  [ "$fs" != proc ]
  printf "1\n" | "$SCRATCH/jt-write" /proc/sys/kernel/sysrq > /dev/null
'
