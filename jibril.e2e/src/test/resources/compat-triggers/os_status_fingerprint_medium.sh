#!/bin/bash
# expects: os_status_fingerprint_medium
# Reads the system-wide open file limit (/proc/sys/fs/file-max) with a renamed copy of cat(1).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
cp "$(type -P cat)" "$SCRATCH/jt-read"
"$SCRATCH/jt-read" /proc/sys/fs/file-max > /dev/null
