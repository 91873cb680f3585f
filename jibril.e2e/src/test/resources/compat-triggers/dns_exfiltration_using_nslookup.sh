#!/bin/bash
# expects: dns_exfiltration_using_nslookup
# Runs a stand-in named nslookup (a scratch copy of true(1): no query is sent) as `nslookup jibril-test.invalid
# 127.0.0.1`. It runs under a scratch copy of bash, so the recipe's per-parent limits count this trigger alone. Note:
# the recipe's group (how: OR, which: irrelevant) holds one pertinent item, args matching
# '.*(-querytype=|-qt=|-q=|-type=|-retry=).*'. As our engine evaluates it (docs/RECIPES.md) the recipe fires for
# nslookup runs whose arguments contain NONE of those options, as here; the Splunk analytic it comes from means the
# opposite: fire on nslookup WITH a query type or retry option (DNS exfiltration), which this recipe lets through.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
dir=$(cd "$SCRATCH" && pwd -P)
mkdir -p "$dir/bin"
cp "$(type -P true)" "$dir/bin/nslookup"
cp "$(type -P bash)" "$dir/jt-sh"
"$dir/jt-sh" -euc '"$0" jibril-test.invalid 127.0.0.1 > /dev/null; :' "$dir/bin/nslookup"
