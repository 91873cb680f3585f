#!/bin/bash
# expects: os_fingerprint_release_files
# Reads the distribution's release file with a renamed copy of cat(1) that lives outside /usr (so the recipe's
# exclusion of the system's own tools does not apply): the first of the recipe's /etc files that is a regular file
# (/etc/os-release is usually a symbolic link to /usr/lib/os-release, whose path the recipe does not name). When the
# host has none, it reads a scratch /etc/lsb-release in a private mount namespace where /etc is a scratch overlay.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
export SCRATCH
cp "$(type -P cat)" "$SCRATCH/jt-read"
for f in /etc/os-release /etc/lsb-release /etc/debian_version /etc/redhat-release /etc/centos-release \
  /etc/system-release /etc/alpine-release; do
  if [ -f "$f" ] && [ ! -L "$f" ] && [ -r "$f" ]; then
    "$SCRATCH/jt-read" "$f" > /dev/null
    exit 0
  fi
done
mkdir -p "$SCRATCH/ovl"
unshare -m --propagation private bash -euc '
  mount -t tmpfs jibril-test "$SCRATCH/ovl"
  mkdir "$SCRATCH/ovl/upper" "$SCRATCH/ovl/work"
  mount -t overlay jibril-test -o lowerdir=/etc,upperdir="$SCRATCH/ovl/upper",workdir="$SCRATCH/ovl/work" /etc
  rm -f /etc/lsb-release
  printf "DISTRIB_ID=JibrilTest\n" > /etc/lsb-release
  "$SCRATCH/jt-read" /etc/lsb-release > /dev/null
'
