#!/bin/bash
# expects: denial_of_service_tools
# Runs a copy of true(1) named hping3 with SYN-flood arguments against loopback; no packet is sent.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
mkdir -p "$SCRATCH/bin"
cp "$(type -P true)" "$SCRATCH/bin/hping3"
"$SCRATCH/bin/hping3" --flood -S -p 80 127.0.0.1
