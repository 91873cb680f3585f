#!/bin/bash
# expects: crontab_list_parameter
# Runs a stand-in named crontab (a scratch copy of true(1)) as `crontab -l`.
# It runs under a scratch copy of bash, so the recipe's per-parent limits count this trigger alone.
# Note: the recipe's group (how: AND, which: irrelevant) holds one pertinent item, args matching '.*\s-l\s.*'. As our
# engine evaluates it (docs/RECIPES.md) the recipe fires when the arguments do NOT contain ' -l ' surrounded by
# whitespace. `crontab -l` fires because its arguments are just '-l' (no whitespace around it); the Splunk analytic
# it comes from means to fire on the -l listing, and a command line such as `crontab -u root -l -x misc` would not fire.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
dir=$(cd "$SCRATCH" && pwd -P)
mkdir -p "$dir/bin"
cp "$(type -P true)" "$dir/bin/crontab"
cp "$(type -P bash)" "$dir/jt-sh"
"$dir/jt-sh" -euc '"$0" -l > /dev/null; :' "$dir/bin/crontab"
