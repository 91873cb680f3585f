#!/bin/bash
# expects: password_brute_force
# Runs a copy of true(1) named hydra with SSH password-guessing arguments against loopback; nothing is sent.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
mkdir -p "$SCRATCH/bin"
cp "$(type -P true)" "$SCRATCH/bin/hydra"
printf 'root\ntoor\n' > "$SCRATCH/words.txt"
"$SCRATCH/bin/hydra" -l root -P "$SCRATCH/words.txt" -t 4 ssh://127.0.0.1
