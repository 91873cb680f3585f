#!/bin/bash
# expects: global_shlib_modification_high
# Drops a library named like OpenSSL's into the system library directory (/usr/lib/libssl-jibril-test.so.3, a copy
# of a harmless stub: nothing loads it) with a renamed copy of tee(1), in a private mount namespace where /usr/lib is
# a scratch overlay of the real one (the host's /usr/lib is not touched).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
export SCRATCH
cp "$(type -P tee)" "$SCRATCH/jt-write"
mkdir -p "$SCRATCH/ovl"
unshare -m --propagation private bash -euc '
  mount -t tmpfs jibril-test "$SCRATCH/ovl"
  mkdir "$SCRATCH/ovl/upper" "$SCRATCH/ovl/work"
  mount -t overlay jibril-test -o lowerdir=/usr/lib,upperdir="$SCRATCH/ovl/upper",workdir="$SCRATCH/ovl/work" /usr/lib
  printf "\177ELF jibril-test\n" | "$SCRATCH/jt-write" /usr/lib/libssl-jibril-test.so.3 > /dev/null
'
