#!/bin/bash
# expects: os_network_fingerprint
# Reads the routing table (/proc/net/route, seen as /proc/PID/net/route) with a renamed copy of cat(1).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
cp "$(command -v cat)" "$SCRATCH/jt-read"
"$SCRATCH/jt-read" /proc/net/route > /dev/null
