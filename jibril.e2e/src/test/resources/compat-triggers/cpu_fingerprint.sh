#!/bin/bash
# expects: cpu_fingerprint
# Reads the CPU description (/proc/cpuinfo) with a copy of cat(1).
# The recipe ignores a process when its executable or its parent's contains any of a long list of tool names
# (cat, tr, id, w, ...: substrings, anywhere in the path), and the scratch directory's path contains some ("tr" in
# "trigger"). So, in a private mount namespace, a tmpfs mounted on /srv (or /mnt) holds a copy of cat(1) as
# <dir>/qk1 and a copy of bash(1) as <dir>/kq1 that runs it: neither path contains a listed name, and both are
# this trigger's own (the recipe allows one detection per executable and per parent executable).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
base=/srv
[ -d "$base" ] || base=/mnt
export base
unshare -m --propagation private bash -euc '
  mount -t tmpfs jibril-test "$base"
  cp "$(type -P cat)" "$base/qk1"
  cp "$(type -P bash)" "$base/kq1"
  "$base/kq1" -euc "\"$base/qk1\" /proc/cpuinfo > /dev/null; :"
'
