#!/bin/bash
# expects: passwd_usage
# Runs a stand-in named passwd (a scratch copy of true(1): no account changes) with the arguments of a status query.
# It runs under a scratch copy of bash, so the recipe's per-parent limits count this trigger alone.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
dir=$(cd "$SCRATCH" && pwd -P)
mkdir -p "$dir/bin"
cp "$(type -P true)" "$dir/bin/passwd"
cp "$(type -P bash)" "$dir/jt-sh"
"$dir/jt-sh" -euc '"$0" --status root > /dev/null; :' "$dir/bin/passwd"
