#!/bin/bash
# expects: binary_executed_by_loader
# Runs a scratch copy of true(1) through the dynamic loader, as ld.so's command line allows: the loader
# is the executed program.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
mkdir -p "$SCRATCH/bin"
cp "$(type -P true)" "$SCRATCH/bin/jt-payload"
loader=
for f in /lib64/ld-linux-x86-64.so.2 /lib/ld-linux-aarch64.so.1 /lib/ld-linux-armhf.so.3 /lib/ld-linux.so.2 \
  /lib*/ld-linux*.so* /lib/ld-musl-*.so.1; do
  if [ -x "$f" ]; then loader=$f; break; fi
done
[ -n "$loader" ]
"$loader" "$SCRATCH/bin/jt-payload"
