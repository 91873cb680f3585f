#!/bin/bash
# expects: core_pattern_access
# Reads the core dump handler setting (/proc/sys/kernel/core_pattern) with a renamed copy of cat(1); the recipe
# accepts any access, and reading does not change the kernel's setting.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
cp "$(type -P cat)" "$SCRATCH/jt-read"
"$SCRATCH/jt-read" /proc/sys/kernel/core_pattern > /dev/null
