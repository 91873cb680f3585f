#!/bin/bash
# expects: code_on_the_fly
# also: data_encoder_exec
# A shell given inline code that decodes a base64 payload ("exit 0") and pipes it into another shell.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
/bin/sh -c "echo ZXhpdCAw | base64 -d | /bin/sh; : $SCRATCH"
