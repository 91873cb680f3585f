#!/bin/bash
# expects: data_encoder_exec
# also: reading_of_ssh_keys
# Encodes a (fake) SSH private key in a scratch home with base64(1).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
mkdir -p "$SCRATCH/home/.ssh"
chmod 700 "$SCRATCH/home/.ssh"
printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\njibril-test\n-----END OPENSSH PRIVATE KEY-----\n' \
  > "$SCRATCH/home/.ssh/id_rsa"
base64 "$SCRATCH/home/.ssh/id_rsa" > /dev/null
