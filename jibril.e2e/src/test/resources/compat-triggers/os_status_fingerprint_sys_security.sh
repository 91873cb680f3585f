#!/bin/bash
# expects: os_status_fingerprint_sys_security
# Reads a file of the /proc/sys/security directory (the recipe matches its files by directory) with a renamed copy
# of cat(1).
# Mainline kernels (such as the one this was written on) have no /proc/sys/security directory. There the read goes
# to a stand-in: in a private mount namespace, a tmpfs mounted on /proc/sys holds security/jibril-test, so the
# reader still opens and reads a file of /proc/sys/security (nothing outside the namespace changes).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
export SCRATCH
cp "$(type -P cat)" "$SCRATCH/jt-read"
if [ -d /proc/sys/security ]; then
  for f in /proc/sys/security/*; do
    if [ -f "$f" ] && [ -r "$f" ]; then
      "$SCRATCH/jt-read" "$f" > /dev/null
      exit 0
    fi
  done
fi
unshare -m --propagation private bash -euc '
  mount -t tmpfs jibril-test /proc/sys
  mkdir /proc/sys/security
  printf "0\n" > /proc/sys/security/jibril-test
  "$SCRATCH/jt-read" /proc/sys/security/jibril-test > /dev/null
'
