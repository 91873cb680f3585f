#!/bin/bash
# expects: os_status_fingerprint_pid_low
# Reads the status of the trigger's own shell (/proc/PID/status) with a renamed copy of cat(1).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
cp "$(type -P cat)" "$SCRATCH/jt-read"
"$SCRATCH/jt-read" "/proc/$$/status" > /dev/null
