#!/bin/bash
# expects: os_status_fingerprint_pid_high
# Reads the command line of the trigger's own shell (/proc/PID/cmdline) with a renamed copy of cat(1).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
cp "$(type -P cat)" "$SCRATCH/jt-read"
"$SCRATCH/jt-read" "/proc/$$/cmdline" > /dev/null
