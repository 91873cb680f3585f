#!/bin/bash
# expects: cpu_fingerprint
# expects-file: /proc/cpuinfo
# Reads /proc/cpuinfo with a renamed copy of cat(1).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
cp "$(command -v cat)" "$SCRATCH/jt-read"
"$SCRATCH/jt-read" /proc/cpuinfo > /dev/null
