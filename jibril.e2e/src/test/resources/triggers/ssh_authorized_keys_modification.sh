#!/bin/bash
# expects: ssh_authorized_keys_modification
# expects-file: /root/.ssh/authorized_keys
# Adds a key to root's authorized_keys with a renamed copy of tee(1), in a private mount namespace where a scratch
# directory stands in for /root (the host's /root is not touched).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
export SCRATCH
cp "$(command -v tee)" "$SCRATCH/jt-write"
mkdir -p "$SCRATCH/root/.ssh"
chmod 700 "$SCRATCH/root/.ssh"
unshare -m --propagation private bash -euc '
  mount --bind "$SCRATCH/root" /root
  printf "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJibrilTestJibrilTestJibrilTestJibrilTest00 jibril-test\n" \
    | "$SCRATCH/jt-write" -a /root/.ssh/authorized_keys > /dev/null
'
