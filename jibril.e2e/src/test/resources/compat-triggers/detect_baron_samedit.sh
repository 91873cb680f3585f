#!/bin/bash
# expects: detect_baron_samedit
# Runs a stand-in named sudoedit (a scratch copy of true(1): nothing is edited) as `sudoedit -s /etc/motd`.
# It runs under a scratch copy of bash, so the recipe's per-parent limits count this trigger alone.
# Note: the recipe's group (how: AND, which: irrelevant) holds one pertinent item, args matching '.*-s\s+\\.*'
# ("-s" followed by a backslash). As our engine evaluates it (docs/RECIPES.md) the recipe fires when the arguments do
# NOT contain it, as here; the Splunk analytic it comes from means the opposite: fire on the Baron Samedit exploit
# (CVE-2021-3156) `sudoedit -s '\' ...`, which this recipe, evaluated literally, lets through.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
dir=$(cd "$SCRATCH" && pwd -P)
mkdir -p "$dir/bin"
cp "$(type -P true)" "$dir/bin/sudoedit"
cp "$(type -P bash)" "$dir/jt-sh"
"$dir/jt-sh" -euc '"$0" -s /etc/motd > /dev/null; :' "$dir/bin/sudoedit"
