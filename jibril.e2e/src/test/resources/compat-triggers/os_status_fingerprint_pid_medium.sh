#!/bin/bash
# expects: os_status_fingerprint_pid_medium
# Reads the scheduler statistics of the trigger's own shell (/proc/PID/stat) with a renamed copy of cat(1).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
cp "$(type -P cat)" "$SCRATCH/jt-read"
"$SCRATCH/jt-read" "/proc/$$/stat" > /dev/null
