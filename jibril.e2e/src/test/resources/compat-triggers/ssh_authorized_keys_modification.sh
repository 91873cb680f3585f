#!/bin/bash
# expects: ssh_authorized_keys_modification
# Adds a public key to root's ~/.ssh/authorized_keys with a renamed copy of tee(1), in a private mount namespace
# where a scratch directory stands in for /root (the host's /root is not touched).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
export SCRATCH
cp "$(type -P tee)" "$SCRATCH/jt-write"
mkdir -p "$SCRATCH/root/.ssh"
unshare -m --propagation private bash -euc '
  mount --bind "$SCRATCH/root" /root
  printf "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEppYnJpbFRlc3RLZXlKaWJyaWxUZXN0S2V5SmlicmlsVGVz jibril-test\n" \
    | "$SCRATCH/jt-write" -a /root/.ssh/authorized_keys > /dev/null
'
