#!/bin/bash
# expects: credentials_files_access_high
# expects-file: /etc/shadow
# Reads /etc/shadow with a renamed copy of cat(1).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
cp "$(command -v cat)" "$SCRATCH/jt-read"
"$SCRATCH/jt-read" /etc/shadow > /dev/null
