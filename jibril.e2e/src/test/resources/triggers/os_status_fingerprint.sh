#!/bin/bash
# expects: os_status_fingerprint
# expects-file: /proc/sys/kernel/randomize_va_space
# Reads the ASLR setting with a renamed copy of cat(1).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
cp "$(command -v cat)" "$SCRATCH/jt-read"
"$SCRATCH/jt-read" /proc/sys/kernel/randomize_va_space > /dev/null
