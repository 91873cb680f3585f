#!/bin/bash
# expects: ssl_certificate_access_high
# expects-file: /usr/local/share/ca-certificates/jibril-test.crt
# Drops a certificate authority into /usr/local/share/ca-certificates with a renamed copy of tee(1), in a private mount
# namespace where /usr/local is a scratch overlay of the real one (the host's /usr/local is not touched).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
export SCRATCH
cp "$(command -v tee)" "$SCRATCH/jt-write"
mkdir -p "$SCRATCH/ovl"
unshare -m --propagation private bash -euc '
  mount -t tmpfs jibril-test "$SCRATCH/ovl"
  mkdir "$SCRATCH/ovl/upper" "$SCRATCH/ovl/work"
  mount -t overlay jibril-test -o lowerdir=/usr/local,upperdir="$SCRATCH/ovl/upper",workdir="$SCRATCH/ovl/work" /usr/local
  mkdir -p /usr/local/share/ca-certificates
  printf -- "-----BEGIN CERTIFICATE-----\nSmlicmlsVGVzdA==\n-----END CERTIFICATE-----\n" \
    | "$SCRATCH/jt-write" /usr/local/share/ca-certificates/jibril-test.crt > /dev/null
'
