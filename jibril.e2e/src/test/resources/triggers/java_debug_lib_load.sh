#!/bin/bash
# expects: java_debug_lib_load
# Maps a library named libjdwp.so (the JDWP debug agent's name) into a renamed copy of true(1) with LD_PRELOAD;
# the library is a scratch copy of glibc's libdl stub, which loads without side effects.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
dir=$(cd "$SCRATCH" && pwd -P)
stub=
for f in /usr/lib/*-linux-gnu*/libdl.so.2 /lib/*-linux-gnu*/libdl.so.2 /usr/lib64/libdl.so.2 /lib64/libdl.so.2 \
  /usr/lib/*-linux-gnu*/libpthread.so.0 /usr/lib64/libpthread.so.0; do
  if [ -f "$f" ]; then stub=$f; break; fi
done
[ -n "$stub" ]
mkdir -p "$dir/jdk/lib"
cp "$stub" "$dir/jdk/lib/libjdwp.so"
cp "$(type -P true)" "$dir/jt-java"
LD_PRELOAD="$dir/jdk/lib/libjdwp.so" "$dir/jt-java"
