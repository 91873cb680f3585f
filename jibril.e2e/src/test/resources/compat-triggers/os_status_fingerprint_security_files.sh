#!/bin/bash
# expects: os_status_fingerprint_security_files
# Reads a PAM or security configuration file (the first of /etc/pam.d/other, /etc/pam.d/common-auth,
# /etc/security/limits.conf, /etc/pam.d/* that exists) with a renamed copy of cat(1); when the host has none, it reads
# a scratch /etc/pam.d/jibril-test in a private mount namespace where /etc is a scratch overlay of the real one.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
export SCRATCH
cp "$(type -P cat)" "$SCRATCH/jt-read"
for f in /etc/pam.d/other /etc/pam.d/common-auth /etc/security/limits.conf /etc/pam.d/*; do
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
  mkdir -p /etc/pam.d
  printf "auth required pam_deny.so\n" > /etc/pam.d/jibril-test
  "$SCRATCH/jt-read" /etc/pam.d/jibril-test > /dev/null
'
