#!/usr/bin/env bash
# `npm run pcscd`: this project's pcscd (vpcd readers + TCP_NODELAY shim). See scripts/pcsc/pcscd-cli.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node_modules/.bin/tsx scripts/pcsc/pcscd-cli.ts "$@"
