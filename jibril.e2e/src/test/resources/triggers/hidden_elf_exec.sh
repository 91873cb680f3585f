#!/bin/bash
# expects: hidden_elf_exec
# Runs a copy of true(1) from a hidden scratch directory.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
mkdir -p "$SCRATCH/.jt-hidden"
cp "$(type -P true)" "$SCRATCH/.jt-hidden/kworker"
"$SCRATCH/.jt-hidden/kworker"
