#!/bin/bash
# expects: crypto_miner_execution
# Runs a copy of true(1) named xmrig with miner arguments (a loopback stratum pool); nothing is mined or sent.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
mkdir -p "$SCRATCH/bin"
cp "$(type -P true)" "$SCRATCH/bin/xmrig"
"$SCRATCH/bin/xmrig" -o stratum+tcp://127.0.0.1:3333 -u jibril-test -p x --donate-level 1 --cpu-max-threads-hint 10
