#!/bin/bash
# expects: os_fingerprint_proc_sys_kernel
# Reads the kernel release (/proc/sys/kernel/osrelease) with a copy of cat(1).
# The recipe ignores a process when its executable or its parent's contains any of a long list of tool names
# (cat, tr, id, w, ...: substrings, anywhere in the path), and the scratch directory's path contains some ("tr" in
# "trigger"). So, in a private mount namespace, a tmpfs mounted on /srv (or /mnt) holds a copy of cat(1) as
# <dir>/qk2 and a copy of bash(1) as <dir>/kq2 that runs it: neither path contains a listed name, and both are
# this trigger's own (the recipe allows one detection per executable and per parent executable).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
base=/srv
[ -d "$base" ] || base=/mnt
export base
unshare -m --propagation private bash -euc '
  mount -t tmpfs jibril-test "$base"
  cp "$(type -P cat)" "$base/qk2"
  cp "$(type -P bash)" "$base/kq2"
  "$base/kq2" -euc "\"$base/qk2\" /proc/sys/kernel/osrelease > /dev/null; :"
'
