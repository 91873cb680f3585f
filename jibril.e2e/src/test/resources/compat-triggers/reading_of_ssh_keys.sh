#!/bin/bash
# expects: reading_of_ssh_keys
# Reads root's private key (~/.ssh/id_rsa, a dummy) with a renamed copy of cat(1), in a private mount namespace where
# a scratch directory stands in for /root (the host's /root is not touched). The recipe ignores processes whose
# command line contains "ssh" (ssh, sshd, ...), so the reader is started from inside ~/.ssh and names the key by its
# relative path. It runs under a scratch copy of bash, so the recipe's per-parent-executable limit is its own.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
export SCRATCH
cp "$(type -P cat)" "$SCRATCH/jt-read"
cp "$(type -P bash)" "$SCRATCH/jt-sh"
mkdir -p "$SCRATCH/root/.ssh"
printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\njibril-test\n-----END OPENSSH PRIVATE KEY-----\n' \
  > "$SCRATCH/root/.ssh/id_rsa"
unshare -m --propagation private bash -euc '
  mount --bind "$SCRATCH/root" /root
  cd /root/.ssh
  "$SCRATCH/jt-sh" -euc "\"\$SCRATCH/jt-read\" id_rsa > /dev/null; :"
'
