#!/bin/bash
# expects: ssl_certificate_access_medium
# expects-file: /etc/ssl/private/jibril-test.key
# Reads a TLS private key in /etc/ssl/private with a renamed copy of cat(1), in a private mount namespace where /etc is
# a scratch overlay of the real one holding a made-up key (the host's /etc is not touched).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
export SCRATCH
cp "$(command -v cat)" "$SCRATCH/jt-read"
mkdir -p "$SCRATCH/ovl"
unshare -m --propagation private bash -euc '
  mount -t tmpfs jibril-test "$SCRATCH/ovl"
  mkdir "$SCRATCH/ovl/upper" "$SCRATCH/ovl/work"
  mount -t overlay jibril-test -o lowerdir=/etc,upperdir="$SCRATCH/ovl/upper",workdir="$SCRATCH/ovl/work" /etc
  mkdir -p /etc/ssl/private
  printf -- "-----BEGIN PRIVATE KEY-----\nSmlicmlsVGVzdA==\n-----END PRIVATE KEY-----\n" > /etc/ssl/private/jibril-test.key
  "$SCRATCH/jt-read" /etc/ssl/private/jibril-test.key > /dev/null
'
