#!/bin/bash
# expects: os_network_fingerprint
# Reads the IPv4 forwarding setting (/proc/sys/net/ipv4/ip_forward) with a renamed copy of cat(1) that lives outside
# /usr, so the recipe's exclusion of the system's own tools does not apply. (/proc/net/route would be seen as
# /proc/PID/net/route, which the recipe's /proc/net/... regex does not match.)
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
cp "$(type -P cat)" "$SCRATCH/jt-read"
"$SCRATCH/jt-read" /proc/sys/net/ipv4/ip_forward > /dev/null
