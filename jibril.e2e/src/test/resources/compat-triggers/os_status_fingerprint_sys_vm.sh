#!/bin/bash
# expects: os_status_fingerprint_sys_vm
# Reads a VM sysctl (/proc/sys/vm/swappiness) with a renamed copy of cat(1).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
cp "$(type -P cat)" "$SCRATCH/jt-read"
"$SCRATCH/jt-read" /proc/sys/vm/swappiness > /dev/null
