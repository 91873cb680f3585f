#!/bin/bash
# expects: net_suspicious_tool_exec
# Runs a copy of true(1) named ncat with bind-shell arguments (listen, --sh-exec) on loopback; nothing listens.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
mkdir -p "$SCRATCH/bin"
cp "$(type -P true)" "$SCRATCH/bin/ncat"
"$SCRATCH/bin/ncat" -l 127.0.0.1 4444 --sh-exec /bin/sh
