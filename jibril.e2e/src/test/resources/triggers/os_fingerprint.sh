#!/bin/bash
# expects: os_fingerprint
# expects-file: /proc/version
# Reads /proc/version with a renamed copy of cat(1).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
cp "$(command -v cat)" "$SCRATCH/jt-read"
"$SCRATCH/jt-read" /proc/version > /dev/null
