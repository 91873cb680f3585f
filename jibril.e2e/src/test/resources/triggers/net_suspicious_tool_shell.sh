#!/bin/bash
# expects: net_suspicious_tool_shell
# also: net_suspicious_tool_exec
# A copy of bash(1) named nc starts /bin/sh, as a reverse shell's netcat would; no connection is made.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
mkdir -p "$SCRATCH/bin"
cp "$(type -P bash)" "$SCRATCH/bin/nc"
# two commands, so that the nc copy forks the shell instead of replacing itself with it
"$SCRATCH/bin/nc" -c "/bin/sh -c ': $SCRATCH' < /dev/null; exit 0"
