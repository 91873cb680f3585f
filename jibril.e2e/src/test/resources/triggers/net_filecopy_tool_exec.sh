#!/bin/bash
# expects: net_filecopy_tool_exec
# Runs a copy of true(1) named tftp with upload arguments to loopback; nothing is sent.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
mkdir -p "$SCRATCH/bin"
cp "$(type -P true)" "$SCRATCH/bin/tftp"
"$SCRATCH/bin/tftp" 127.0.0.1 -c put "$SCRATCH/loot.tar"
