#!/bin/bash
# expects: crypto_miner_files
# expects-file: /opt/xmrig-6.21.0/config.json
# Writes an XMRig configuration into /opt/xmrig-6.21.0 with a renamed copy of tee(1), in a private mount namespace
# where a scratch directory stands in for /opt (the host's /opt is not touched).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
export SCRATCH
cp "$(command -v tee)" "$SCRATCH/jt-write"
mkdir -p "$SCRATCH/opt/xmrig-6.21.0"
unshare -m --propagation private bash -euc '
  mount --bind "$SCRATCH/opt" /opt
  printf "{\"pools\": [{\"url\": \"pool.invalid:3333\", \"user\": \"jibril-test\"}]}\n" \
    | "$SCRATCH/jt-write" /opt/xmrig-6.21.0/config.json > /dev/null
'
