#!/bin/bash
# expects: global_shlib_modification_high
# expects-file: /etc/ld.so.conf.d/jibril-test.conf
# Adds a library directory in /etc/ld.so.conf.d with a renamed copy of tee(1), in a private mount namespace where /etc
# is a scratch overlay of the real one (the host's /etc is not touched).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
export SCRATCH
cp "$(command -v tee)" "$SCRATCH/jt-write"
mkdir -p "$SCRATCH/ovl"
unshare -m --propagation private bash -euc '
  mount -t tmpfs jibril-test "$SCRATCH/ovl"
  mkdir "$SCRATCH/ovl/upper" "$SCRATCH/ovl/work"
  mount -t overlay jibril-test -o lowerdir=/etc,upperdir="$SCRATCH/ovl/upper",workdir="$SCRATCH/ovl/work" /etc
  mkdir -p /etc/ld.so.conf.d
  printf "/tmp/jibril-test\n" | "$SCRATCH/jt-write" /etc/ld.so.conf.d/jibril-test.conf > /dev/null
'
