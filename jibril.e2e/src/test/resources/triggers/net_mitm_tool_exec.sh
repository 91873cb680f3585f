#!/bin/bash
# expects: net_mitm_tool_exec
# Runs a copy of true(1) named arpspoof with spoofing arguments on loopback; nothing is sent.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
mkdir -p "$SCRATCH/bin"
cp "$(type -P true)" "$SCRATCH/bin/arpspoof"
"$SCRATCH/bin/arpspoof" -i lo -t 127.0.0.1 127.0.0.2
