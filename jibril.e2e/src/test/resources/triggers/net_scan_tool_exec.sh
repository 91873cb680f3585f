#!/bin/bash
# expects: net_scan_tool_exec
# Runs a copy of true(1) named nmap with port-scan arguments against loopback; nothing is scanned.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
mkdir -p "$SCRATCH/bin"
cp "$(type -P true)" "$SCRATCH/bin/nmap"
"$SCRATCH/bin/nmap" -sS -p 1-1024 127.0.0.1
