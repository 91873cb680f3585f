#!/bin/bash
# expects: filesystem_fingerprint
# Reads the partition table (/proc/partitions) with a renamed copy of cat(1) that lives outside /usr, so the
# recipe's exclusion of the system's own tools does not apply.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
cp "$(type -P cat)" "$SCRATCH/jt-read"
"$SCRATCH/jt-read" /proc/partitions > /dev/null
