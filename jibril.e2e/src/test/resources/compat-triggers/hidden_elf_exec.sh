#!/bin/bash
# expects: hidden_elf_exec
# Runs an ELF binary from a hidden file (a scratch copy of true(1) named .jt-hidden). It runs under a scratch copy
# of bash, so the recipe's per-parent-executable limit counts this trigger alone.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
dir=$(cd "$SCRATCH" && pwd -P)
cp "$(type -P true)" "$dir/.jt-hidden"
cp "$(type -P bash)" "$dir/jt-sh"
"$dir/jt-sh" -euc '"$0"; :' "$dir/.jt-hidden"
