#!/bin/bash
# expects: runc_suspicious_exec
# Runs a copy of true(1) named runc, from this shell rather than a container manager, asked to exec a shell
# in a container; no container exists.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
mkdir -p "$SCRATCH/bin"
cp "$(type -P true)" "$SCRATCH/bin/runc"
"$SCRATCH/bin/runc" --root "$SCRATCH/runc" exec -t jt-container /bin/sh
