#!/bin/bash
# expects: binary_self_deletion
# Runs a scratch copy of rm(1) that removes its own executable.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
dir=$(cd "$SCRATCH" && pwd -P)
cp "$(command -v rm)" "$dir/jt-selfdel"
"$dir/jt-selfdel" "$dir/jt-selfdel"
[ ! -e "$dir/jt-selfdel" ]
