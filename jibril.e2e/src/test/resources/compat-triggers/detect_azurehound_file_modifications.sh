#!/bin/bash
# expects: detect_azurehound_file_modifications
# Writes an AzureHound-style collection archive (<timestamp>-azurecollection.zip, as AzureHound names its output) into
# the scratch directory with a renamed copy of tee(1).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
cp "$(type -P tee)" "$SCRATCH/jt-write"
printf 'PK jibril-test\n' | "$SCRATCH/jt-write" "$SCRATCH/20240101000000-azurecollection.zip" > /dev/null
