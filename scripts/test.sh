#!/usr/bin/env bash
# `npm test`: every suite, including the ones over the real pcscd/vpcd stack and headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system-deps.sh
# The static checks side by side (each is one process; CI has two cores), then their outputs in order.
checks=$(mktemp -d)
trap 'rm -rf "$checks"' EXIT
npx tsc --noEmit -p tsconfig.json > "$checks/tsc" 2>&1 & tsc=$!
npx eslint . > "$checks/eslint" 2>&1 & eslint=$!
npx prettier --check . > "$checks/prettier" 2>&1 & prettier=$!
failed=()
for check in tsc eslint prettier; do
  wait "${!check}" || failed+=("$check")
  echo "--- $check"
  cat "$checks/$check"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}" >&2
  exit 1
fi
npx vitest run "$@"
# With no arguments (the whole suite), the suites that deal with time once more at other real
# Japan times, under libfaketime (scripts/test/at-japan-times.sh).
if [ $# -eq 0 ]; then bash scripts/test/at-japan-times.sh; fi
