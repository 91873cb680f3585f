#!/bin/bash
# expects: password_brute_force_tool
# Runs a stand-in named hydra (a scratch copy of true(1): nothing is attacked) with a typical brute-force command line.
# It runs under a scratch copy of bash, so the recipe's per-parent limits count this trigger alone.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
dir=$(cd "$SCRATCH" && pwd -P)
mkdir -p "$dir/bin"
cp "$(type -P true)" "$dir/bin/hydra"
cp "$(type -P bash)" "$dir/jt-sh"
"$dir/jt-sh" -euc '"$0" -l root -P passwords.txt ssh://192.0.2.1 > /dev/null; :' "$dir/bin/hydra"
