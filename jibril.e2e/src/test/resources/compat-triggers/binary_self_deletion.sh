#!/bin/bash
# expects: binary_self_deletion
# Runs a scratch copy of perl(1) that opens its own executable, maps it (PerlIO's :mmap layer), reads from it and
# deletes it: the recipe wants all of open, mmap, unlink and execve by one process on one file (the kernel's own
# loading of the binary at exec is neither an open nor an mmap system call, so the program does both itself).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
dir=$(cd "$SCRATCH" && pwd -P)
cp "$(type -P perl)" "$dir/jt-selfdel"
"$dir/jt-selfdel" -e '
  my $self = $^X;
  open(my $f, "<:mmap", $self) or die "open $self: $!";
  read($f, my $head, 4) == 4 or die "read $self: $!";
  close($f);
  unlink($self) or die "unlink $self: $!";
'
[ ! -e "$dir/jt-selfdel" ]
