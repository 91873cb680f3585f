#!/bin/bash
# expects: interpreter_shell_spawn
# A scratch copy of perl(1) (python3 when perl is missing) spawns an interactive-style shell: /bin/sh with
# no command and no script, fed an empty stdin.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
mkdir -p "$SCRATCH/bin"
if perl=$(type -P perl); then
  cp "$perl" "$SCRATCH/bin/perl"
  printf '%s\n' 'open(STDIN, "<", "/dev/null") or die "stdin: $!";' \
    'system("/bin/sh") == 0 or die "sh: $?";' > "$SCRATCH/spawn.pl"
  "$SCRATCH/bin/perl" "$SCRATCH/spawn.pl"
else
  printf '%s\n' 'import subprocess' 'subprocess.run(["/bin/sh"], stdin=subprocess.DEVNULL, check=True)' \
    > "$SCRATCH/spawn.py"
  python3 "$SCRATCH/spawn.py"
fi
