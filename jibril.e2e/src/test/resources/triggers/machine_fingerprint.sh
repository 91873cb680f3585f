#!/bin/bash
# expects: machine_fingerprint
# expects-file: /proc/sys/kernel/random/boot_id
# Reads the boot id with a renamed copy of cat(1).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
cp "$(command -v cat)" "$SCRATCH/jt-read"
"$SCRATCH/jt-read" /proc/sys/kernel/random/boot_id > /dev/null
