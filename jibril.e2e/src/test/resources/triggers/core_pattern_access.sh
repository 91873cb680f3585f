#!/bin/bash
# expects: core_pattern_access
# expects-file: /proc/sys/kernel/core_pattern
# Writes a pipe handler to /proc/sys/kernel/core_pattern with a renamed copy of tee(1), in a private mount namespace
# where a scratch file is bind-mounted over it (the kernel's setting is not changed).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
export SCRATCH
cp "$(command -v tee)" "$SCRATCH/jt-write"
printf 'core\n' > "$SCRATCH/core_pattern"
unshare -m --propagation private bash -euc '
  mount --bind "$SCRATCH/core_pattern" /proc/sys/kernel/core_pattern
  # Never write to the real setting: what is there now must not be on procfs.
  fs=$(stat -f -c %T /proc/sys/kernel/core_pattern)
  [ "$fs" != proc ]
  printf "|/tmp/jibril-test-handler %%p\n" | "$SCRATCH/jt-write" /proc/sys/kernel/core_pattern > /dev/null
'
