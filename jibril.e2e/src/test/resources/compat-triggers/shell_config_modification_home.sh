#!/bin/bash
# expects: shell_config_modification_home
# Appends a command to root's ~/.bashrc with a renamed copy of tee(1), in a private mount namespace where a scratch
# directory stands in for /root (the host's /root is not touched).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
export SCRATCH
cp "$(type -P tee)" "$SCRATCH/jt-write"
mkdir -p "$SCRATCH/root"
printf '# ~/.bashrc\n' > "$SCRATCH/root/.bashrc"
unshare -m --propagation private bash -euc '
  mount --bind "$SCRATCH/root" /root
  printf "export JIBRIL_TEST=1\n" | "$SCRATCH/jt-write" -a /root/.bashrc > /dev/null
'
