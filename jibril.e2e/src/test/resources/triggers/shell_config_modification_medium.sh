#!/bin/bash
# expects: shell_config_modification_medium
# expects-file: /root/.bashrc
# Appends to root's .bashrc with a renamed copy of tee(1), in a private mount namespace where a scratch directory
# stands in for /root (the host's /root is not touched).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
export SCRATCH
cp "$(command -v tee)" "$SCRATCH/jt-write"
# an empty directory: the only write to a .bashrc is the one under test (a seed written by this shell would be a
# detection of its own and could use up the recipe's rate limits first)
mkdir -p "$SCRATCH/root"
unshare -m --propagation private bash -euc '
  mount --bind "$SCRATCH/root" /root
  printf "alias sudo=/tmp/jibril-test\n" | "$SCRATCH/jt-write" -a /root/.bashrc > /dev/null
'
