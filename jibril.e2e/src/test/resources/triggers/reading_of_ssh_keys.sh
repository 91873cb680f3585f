#!/bin/bash
# expects: reading_of_ssh_keys
# expects-file: /root/.ssh/id_ed25519
# Reads root's SSH private key with a renamed copy of cat(1), in a private mount namespace where a scratch directory
# stands in for /root and holds a freshly made key (the host's /root is not touched).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
export SCRATCH
cp "$(command -v cat)" "$SCRATCH/jt-read"
mkdir -p "$SCRATCH/root/.ssh"
chmod 700 "$SCRATCH/root/.ssh"
unshare -m --propagation private bash -euc '
  mount --bind "$SCRATCH/root" /root
  if command -v ssh-keygen > /dev/null; then
    ssh-keygen -q -t ed25519 -N "" -C jibril-test -f /root/.ssh/id_ed25519 < /dev/null
  else
    printf -- "-----BEGIN OPENSSH PRIVATE KEY-----\njibril-test\n-----END OPENSSH PRIVATE KEY-----\n" \
      > /root/.ssh/id_ed25519
  fi
  "$SCRATCH/jt-read" /root/.ssh/id_ed25519 > /dev/null
'
