#!/bin/bash
# expects: os_status_fingerprint_critical
# Reads the start of the kernel symbol table (/proc/kallsyms) with a renamed copy of head(1).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
cp "$(type -P head)" "$SCRATCH/jt-read"
"$SCRATCH/jt-read" -c 4096 /proc/kallsyms > /dev/null
