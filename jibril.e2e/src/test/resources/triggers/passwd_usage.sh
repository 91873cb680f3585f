#!/bin/bash
# expects: passwd_usage
# Runs a copy of true(1) named useradd with the arguments of a uid-0 backdoor account; no account is made.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
mkdir -p "$SCRATCH/bin"
cp "$(type -P true)" "$SCRATCH/bin/useradd"
"$SCRATCH/bin/useradd" -o -u 0 -g 0 -M -N -s /bin/bash jt-backdoor
