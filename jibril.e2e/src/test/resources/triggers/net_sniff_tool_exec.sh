#!/bin/bash
# expects: net_sniff_tool_exec
# Runs a copy of true(1) named tcpdump with capture arguments on loopback; nothing is captured.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
mkdir -p "$SCRATCH/bin"
cp "$(type -P true)" "$SCRATCH/bin/tcpdump"
"$SCRATCH/bin/tcpdump" -i lo -w "$SCRATCH/capture.pcap"
