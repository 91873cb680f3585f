#!/bin/bash
# expects: sysrq_access
# Reads the magic SysRq setting (/proc/sys/kernel/sysrq) with a renamed copy of cat(1); the recipe accepts any
# access, and reading does not change the setting.
# Kernels built without CONFIG_MAGIC_SYSRQ (such as the one this was written on) have neither /proc/sys/kernel/sysrq
# nor /proc/sysrq-trigger. There the read goes to a stand-in: in a private mount namespace, a tmpfs mounted on
# /proc/sys/kernel holds a file named sysrq, so the reader still opens and reads /proc/sys/kernel/sysrq (nothing
# outside the namespace changes).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
export SCRATCH
cp "$(type -P cat)" "$SCRATCH/jt-read"
if [ -r /proc/sys/kernel/sysrq ]; then
  "$SCRATCH/jt-read" /proc/sys/kernel/sysrq > /dev/null
else
  unshare -m --propagation private bash -euc '
    mount -t tmpfs jibril-test /proc/sys/kernel
    printf "0\n" > /proc/sys/kernel/sysrq
    "$SCRATCH/jt-read" /proc/sys/kernel/sysrq > /dev/null
  '
fi
