#!/bin/bash
# expects: os_status_fingerprint_sys_kernel
# Reads a kernel sysctl (/proc/sys/kernel/threads-max) with a renamed copy of cat(1).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
cp "$(type -P cat)" "$SCRATCH/jt-read"
"$SCRATCH/jt-read" /proc/sys/kernel/threads-max > /dev/null
