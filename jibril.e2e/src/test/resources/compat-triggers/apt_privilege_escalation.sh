#!/bin/bash
# expects: apt_privilege_escalation
# Runs a stand-in named apt-get (a scratch copy of true(1): nothing is updated) with the APT::Update::Pre-Invoke hook
# option of the GTFOBins escalation, from a shell that is not sudo.
# It runs under a scratch copy of bash, so the recipe's per-parent limits count this trigger alone.
# Note: the recipe's group (how: AND, which: irrelevant) holds two pertinent items: args matching
# '.*APT::Update::Pre-Invoke::.*' and parent_exe matching 'sudo'. As our engine evaluates it (docs/RECIPES.md) the
# recipe fires unless BOTH hold, so it fires here (the parent is not sudo) and on every apt/apt-get run outside sudo;
# the Splunk analytic it comes from means the opposite: fire only when apt runs a Pre-Invoke hook under sudo, which
# this recipe lets through.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
dir=$(cd "$SCRATCH" && pwd -P)
mkdir -p "$dir/bin"
cp "$(type -P true)" "$dir/bin/apt-get"
cp "$(type -P bash)" "$dir/jt-sh"
"$dir/jt-sh" -euc '"$0" -o APT::Update::Pre-Invoke::=/bin/true update > /dev/null; :' "$dir/bin/apt-get"
