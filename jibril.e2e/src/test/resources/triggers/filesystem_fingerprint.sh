#!/bin/bash
# expects: filesystem_fingerprint
# expects-file: /proc/partitions
# Reads /proc/partitions with a renamed copy of cat(1).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
cp "$(command -v cat)" "$SCRATCH/jt-read"
"$SCRATCH/jt-read" /proc/partitions > /dev/null
