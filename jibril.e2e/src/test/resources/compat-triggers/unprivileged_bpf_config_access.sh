#!/bin/bash
# expects: unprivileged_bpf_config_access
# Reads the unprivileged BPF setting (/proc/sys/kernel/unprivileged_bpf_disabled) with a renamed copy of cat(1); the
# recipe accepts any access, and reading does not change the setting.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
cp "$(type -P cat)" "$SCRATCH/jt-read"
"$SCRATCH/jt-read" /proc/sys/kernel/unprivileged_bpf_disabled > /dev/null
