#!/bin/bash
# expects: os_status_fingerprint_high
# Reads the memory statistics (/proc/meminfo) with a renamed copy of cat(1).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
cp "$(type -P cat)" "$SCRATCH/jt-read"
"$SCRATCH/jt-read" /proc/meminfo > /dev/null
