#!/bin/bash
# expects: conti_common_exec_parameter
# Runs a scratch executable (a copy of true(1)) with ransomware-like arguments that are not among the recipe's.
# It runs under a scratch copy of bash, so the recipe's per-parent limits count this trigger alone.
# Note: the recipe's group (how: OR, which: irrelevant) holds one pertinent item, args matching
# '.*(-m\s+local|-m\s+net|-m\s+all|-nomutex).*', and its bases match every path. As our engine evaluates it
# (docs/RECIPES.md) the recipe fires for every execution whose arguments contain NONE of those parameters (almost
# every execution on the host); the Splunk analytic it comes from means the opposite: fire on Conti's `-m local`,
# `-m net`, `-m all` or `-nomutex`, which this recipe lets through.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
dir=$(cd "$SCRATCH" && pwd -P)
mkdir -p "$dir/bin"
cp "$(type -P true)" "$dir/bin/jt-locker"
cp "$(type -P bash)" "$dir/jt-sh"
"$dir/jt-sh" -euc '"$0" -p /srv/share -size 10 > /dev/null; :' "$dir/bin/jt-locker"
