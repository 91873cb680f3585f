#!/bin/bash
# expects: credentials_files_access_medium
# expects-file: /root/.aws/credentials
# Reads /root/.aws/credentials with a renamed copy of cat(1), in a private mount namespace where a scratch directory
# stands in for /root (the host's /root is not touched).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
export SCRATCH
cp "$(command -v cat)" "$SCRATCH/jt-read"
mkdir -p "$SCRATCH/root/.aws"
printf '[default]\naws_access_key_id = AKIAJIBRILTEST000000\naws_secret_access_key = jibril-test\n' \
  > "$SCRATCH/root/.aws/credentials"
unshare -m --propagation private bash -euc '
  mount --bind "$SCRATCH/root" /root
  "$SCRATCH/jt-read" /root/.aws/credentials > /dev/null
'
