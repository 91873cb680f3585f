#!/bin/bash
# expects: credentials_text_lookup
# Searches a scratch application's configuration for passwords with grep(1).
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
mkdir -p "$SCRATCH/app"
printf '[database]\nuser = app\ndb_password = not-a-real-secret\n' > "$SCRATCH/app/config.ini"
grep -ri password "$SCRATCH/app" > /dev/null
