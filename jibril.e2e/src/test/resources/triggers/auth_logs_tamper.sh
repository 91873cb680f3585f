#!/bin/bash
# expects: auth_logs_tamper
# expects-file: /var/log/auth.log
# Truncates /var/log/auth.log with a renamed copy of truncate(1), in a private mount namespace where a scratch
# directory stands in for /var/log (the host's logs are not touched).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
export SCRATCH
mkdir -p "$SCRATCH/log"
printf 'Jan  1 00:00:00 host sshd[1]: Accepted password for root from 192.0.2.1 port 22 ssh2\n' > "$SCRATCH/log/auth.log"
cp "$(command -v truncate)" "$SCRATCH/jt-wipe"
unshare -m --propagation private bash -euc '
  mount --bind "$SCRATCH/log" /var/log
  "$SCRATCH/jt-wipe" -s 0 /var/log/auth.log
'
