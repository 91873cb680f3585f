#!/bin/bash
# expects: java_instrument_lib_load
# Loads a library under the name libinstrument.so into a program that is not Java (a scratch copy of true(1)) with
# LD_PRELOAD; the library is a scratch copy of glibc's libdl stub, which loads without side effects.
# The recipe ignores the load when any ancestor's executable contains java, jre or jdk, and this trigger normally runs
# under a JVM (the test's), so the loader is detached first: setsid -f forks, the fork waits until the kernel has
# re-parented it (its parent exits at once), then it execs the loader, so the recorded ancestry is the reaper's.
# The loader's command line carries this script's path, as the test finds detections by it.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
dir=$(cd "$SCRATCH" && pwd -P)
stub=
for f in /usr/lib/*-linux-gnu*/libdl.so.2 /lib/*-linux-gnu*/libdl.so.2 /usr/lib64/libdl.so.2 /lib64/libdl.so.2 \
  /usr/lib/*-linux-gnu*/libpthread.so.0 /usr/lib64/libpthread.so.0; do
  if [ -f "$f" ]; then stub=$f; break; fi
done
[ -n "$stub" ]
mkdir -p "$dir/lib"
cp "$stub" "$dir/lib/libinstrument.so"
cp "$(type -P true)" "$dir/jt-agent"
setsid -f bash -c '
  echo $$ > "$1/pid.tmp" && mv "$1/pid.tmp" "$1/pid"
  for _ in $(seq 200); do
    read -r _ _ _ ppid _ < /proc/$$/stat
    [ "$(cat "/proc/$ppid/comm" 2>/dev/null)" != setsid ] && break
    sleep 0.01
  done
  LD_PRELOAD="$1/lib/libinstrument.so" exec "$1/jt-agent" "$2"
' jt-detach "$dir" "$0" < /dev/null > /dev/null 2>&1
for _ in $(seq 100); do [ -f "$dir/pid" ] && break; sleep 0.02; done
pid=$(cat "$dir/pid")
# done when the loader has exited (gone, or a zombie its new parent has not reaped yet)
for _ in $(seq 200); do
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo gone)
  [ "$state" = gone ] || [ "$state" = Z ] && break
  sleep 0.02
done
