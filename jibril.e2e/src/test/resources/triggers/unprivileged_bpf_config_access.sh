#!/bin/bash
# expects: unprivileged_bpf_config_access
# expects-file: /proc/sys/kernel/unprivileged_bpf_disabled
# Writes 0 (allow unprivileged BPF) to kernel.unprivileged_bpf_disabled with a renamed copy of tee(1), in a private
# mount namespace where a scratch file is bind-mounted over it (the kernel's setting is not changed).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
export SCRATCH
cp "$(command -v tee)" "$SCRATCH/jt-write"
printf '2\n' > "$SCRATCH/unprivileged_bpf_disabled"
unshare -m --propagation private bash -euc '
  mount --bind "$SCRATCH/unprivileged_bpf_disabled" /proc/sys/kernel/unprivileged_bpf_disabled
  # Never write to the real setting: what is there now must not be on procfs.
  fs=$(stat -f -c %T /proc/sys/kernel/unprivileged_bpf_disabled)
  [ "$fs" != proc ]
  printf "0\n" | "$SCRATCH/jt-write" /proc/sys/kernel/unprivileged_bpf_disabled > /dev/null
'
