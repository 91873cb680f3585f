#!/bin/bash
# expects: webserver_shell_exec
# A copy of bash(1) named apache2 starts /bin/sh -c, as a web shell or a command injection would.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
mkdir -p "$SCRATCH/bin"
cp "$(type -P bash)" "$SCRATCH/bin/apache2"
# two commands, so that the apache2 copy forks the shell instead of replacing itself with it
"$SCRATCH/bin/apache2" -c "/bin/sh -c ': $SCRATCH' < /dev/null; exit 0"
