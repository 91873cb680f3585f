#!/bin/bash
# expects: credentials_files_access_critical
# expects-file: /etc/passwd
# Appends a uid 0 account to /etc/passwd with a renamed copy of tee(1), in a private mount namespace where a scratch
# copy of the file is bind-mounted over it (the host's /etc/passwd is not touched).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
export SCRATCH
cp "$(command -v tee)" "$SCRATCH/jt-write"
cp /etc/passwd "$SCRATCH/passwd"
unshare -m --propagation private bash -euc '
  mount --bind "$SCRATCH/passwd" /etc/passwd
  printf "jibril-test:x:0:0::/nonexistent:/usr/sbin/nologin\n" | "$SCRATCH/jt-write" -a /etc/passwd > /dev/null
'
