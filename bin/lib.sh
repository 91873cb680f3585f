# Shared by bin/setup, bin/jibril and bin/test: find Java 25, check root, mount what eBPF needs.
# shellcheck shell=bash

jibril_root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)

die() { echo "jibril: $*" >&2; exit 1; }

# Prints the home of a Java 25 or newer: $JAVA_HOME, /usr/lib/jvm/*, then java on the PATH. A JDK (javac too),
# unless the argument is "runtime": running the daemon or the shell client needs only a JRE (the container
# image has one).
find_java_home() {
  local c v need=javac
  [ "${1:-}" = runtime ] && need=java
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-* /usr/lib/jvm/*; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] && [ -x "$c/bin/$need" ] || continue
    v=$("$c/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    if [ -n "$v" ] && [ "${v%%.*}" -ge 25 ] 2>/dev/null; then echo "$c"; return 0; fi
  done
  if command -v "$need" >/dev/null; then
    c=$(dirname "$(dirname "$(readlink -f "$(command -v "$need")")")")
    v=$("$c/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    if [ -n "$v" ] && [ "${v%%.*}" -ge 25 ] 2>/dev/null; then echo "$c"; return 0; fi
  fi
  cat >&2 <<'MSG'
jibril: no Java 25 JDK found (looked at $JAVA_HOME, /usr/lib/jvm/*, and javac on the PATH).
Install one, e.g. Eclipse Temurin 25 from Adoptium's apt repository (package temurin-25-jdk),
or set JAVA_HOME to a JDK 25 or newer.
MSG
  return 1
}

need_root() {
  [ "$(id -u)" -eq 0 ] || die "$1 needs root (eBPF programs, pinned maps, the admin socket); run it with sudo"
}

# bpffs holds the pinned maps; tracefs the tracepoints' formats. Mount them if the host has not.
ensure_mounts() {
  if ! mountpoint -q /sys/fs/bpf; then
    mount -t bpf bpf /sys/fs/bpf || die "cannot mount bpffs on /sys/fs/bpf"
  fi
  if [ -d /sys/kernel/tracing ] && ! mountpoint -q /sys/kernel/tracing; then
    mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true
  fi
}
