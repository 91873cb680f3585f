#!/bin/bash
# expects: data_encoder_exec
# Encodes a few bytes with a scratch copy of base64(1), under its own name.
# It runs under a scratch copy of bash, so the recipe's per-parent limits count this trigger alone.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
dir=$(cd "$SCRATCH" && pwd -P)
mkdir -p "$dir/bin"
cp "$(type -P base64)" "$dir/bin/base64"
cp "$(type -P bash)" "$dir/jt-sh"
"$dir/jt-sh" -euc 'printf jibril-test | "$0" > /dev/null; :' "$dir/bin/base64"
