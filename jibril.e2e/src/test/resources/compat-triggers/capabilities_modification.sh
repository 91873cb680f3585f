#!/bin/bash
# expects: capabilities_modification
# Grants a capability in /etc/security/capability.conf with a renamed copy of tee(1).
# In a private mount namespace where /etc is a scratch overlay of the real one (the host's /etc is not touched).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
export SCRATCH
cp "$(type -P tee)" "$SCRATCH/jt-write"
mkdir -p "$SCRATCH/ovl"
unshare -m --propagation private bash -euc '
  mount -t tmpfs jibril-test "$SCRATCH/ovl"
  mkdir "$SCRATCH/ovl/upper" "$SCRATCH/ovl/work"
  mount -t overlay jibril-test -o lowerdir=/etc,upperdir="$SCRATCH/ovl/upper",workdir="$SCRATCH/ovl/work" /etc
  mkdir -p /etc/security
  printf "cap_sys_admin jibril-test\n" | "$SCRATCH/jt-write" -a /etc/security/capability.conf > /dev/null
'
