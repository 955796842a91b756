#!/usr/bin/env bash
# `npm test`: every suite, including the ones over the real pcscd/vpcd stack and headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system-deps.sh
npx tsc --noEmit -p tsconfig.json
npx eslint .
npx prettier --check .
npx vitest run "$@"
# With no arguments (the whole suite), the suites that deal with time once more at other real
# Japan times, under libfaketime (scripts/test/at-japan-times.sh).
if [ $# -eq 0 ]; then bash scripts/test/at-japan-times.sh; fi
