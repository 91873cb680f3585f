#!/bin/bash
# expects: webserver_exec
# A copy of bash(1) named nginx executes a dropped program (a copy of true(1)), as a web shell would.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
mkdir -p "$SCRATCH/bin"
cp "$(type -P bash)" "$SCRATCH/bin/nginx"
cp "$(type -P true)" "$SCRATCH/bin/jt-payload"
# two commands, so that the nginx copy forks the program instead of replacing itself with it
"$SCRATCH/bin/nginx" -c "'$SCRATCH/bin/jt-payload'; exit 0"
