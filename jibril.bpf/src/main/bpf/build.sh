#!/usr/bin/env bash
# Compiles every *.bpf.c beside this script (or in $3) into BPF objects with clang, CO-RE against the
# running kernel's BTF. Usage: build.sh WORK_DIR OUT_DIR [SRC_DIR]
set -euo pipefail
work=$1; out=$2; src=${3:-$(cd "$(dirname "$0")" && pwd)}
here=$(cd "$(dirname "$0")" && pwd)
btf=/sys/kernel/btf/vmlinux
for tool in clang llvm-strip bpftool; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool is missing; run bin/setup (apt-get install clang llvm bpftool libbpf-dev)" >&2; exit 1; }
done
[ -r "$btf" ] || { echo "build.sh: $btf is missing: this kernel has no BTF, Jibril needs CONFIG_DEBUG_INFO_BTF=y" >&2; exit 1; }
[ -r /usr/include/bpf/bpf_helpers.h ] || { echo "build.sh: libbpf headers are missing; apt-get install libbpf-dev" >&2; exit 1; }
mkdir -p "$work" "$out"
# vmlinux.h is regenerated only when the kernel's BTF changed.
if [ ! -s "$work/vmlinux.h" ] || [ "$btf" -nt "$work/vmlinux.h" ]; then
  bpftool btf dump file "$btf" format c > "$work/vmlinux.h.tmp" && mv "$work/vmlinux.h.tmp" "$work/vmlinux.h"
fi
arch=$(uname -m); case "$arch" in x86_64) target=x86;; aarch64) target=arm64;; *) target=$arch;; esac
shopt -s nullglob
for c in "$src"/*.bpf.c; do
  o="$out/$(basename "${c%.c}").o"
  fresh=1
  for dep in "$c" "$here"/*.h "$0" "$work/vmlinux.h"; do [ "$o" -nt "$dep" ] || fresh=0; done
  [ "$fresh" = 1 ] && continue
  clang -g -O2 -target bpf -D__TARGET_ARCH_$target -Wall -Werror \
    -I"$work" -I"$here" -I/usr/include/$(uname -m)-linux-gnu \
    -c "$c" -o "$o.tmp"
  # DWARF is only for humans; BTF (.BTF, .BTF.ext), which CO-RE and the verifier need, stays.
  llvm-strip -g "$o.tmp" -o "$o"
  rm -f "$o.tmp"
  echo "build.sh: compiled $(basename "$c") -> $o"
done
