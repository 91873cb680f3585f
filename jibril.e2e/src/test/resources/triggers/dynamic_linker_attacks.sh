#!/bin/bash
# expects: dynamic_linker_attacks
# Runs a copy of sleep(1) for a second with LD_PRELOAD naming a library that does not exist (the loader
# ignores it with a warning, silenced here); the second lets the daemon read the environment.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
mkdir -p "$SCRATCH/bin"
cp "$(type -P sleep)" "$SCRATCH/bin/jt-preloaded"
LD_PRELOAD=/nonexistent-jibril-test.so "$SCRATCH/bin/jt-preloaded" 1 2> /dev/null
