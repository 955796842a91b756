#!/usr/bin/env bash
# Runs the suites that deal with time under libfaketime at several real Japan times, so a test that
# reads the machine's clock where it should take an injected one fails on every run, not only when
# CI happens to run at that hour (docs/decisions.md, "Tests at every hour").
#
#   bash scripts/test/at-japan-times.sh [HH:MM ...]     default: 01:00 06:29 10:30 14:00 22:30 22:59 23:30
#
# Each run shifts the whole process tree (vitest, its forks, `npm start` and its tsx child,
# Chromium) by one relative offset (`faketime -f +SECONDS`): every process sees the same clock. An
# absolute faketime ("@2026-…") would restart the clock at that instant in each new process, which
# is not a world a real machine produces. The offset is always forward (the next such time), so the
# monotonic clock, shifted with it, never goes below zero; Chromium does not start when only the
# wall clock is shifted (FAKETIME_DONT_FAKE_MONOTONIC).
set -euo pipefail
cd "$(dirname "$0")/../.."

times=("$@")
[ ${#times[@]} -eq 0 ] && times=(01:00 06:29 10:30 14:00 22:30 22:59 23:30)

# The suites whose behaviour turns on the hour: npm start and the demo clock, the kiosk runtime's
# service window, the API's time rules (closing time: the admission rule, the session machine and
# the API's reservation check and claim around 23:00), the fleet's alerts and charts, and the file
# lock the test PKI takes (once fooled by the wall clock). The whole suite also ran under faketime at
# 23:30 once (docs/decisions.md); these are the ones kept for every run.
suites=(
  test/start/npm-start.test.ts
  test/start/demo-controls.test.ts
  test/kiosk/kiosk-runtime.test.ts
  test/api/service-window-any-zone.test.ts
  reservation-api/routes/reservation-check.test.ts
  state-machines/session/closing-time.test.ts
  test/kiosk/closing-time.test.ts
  test/ops/fleet-alerts.test.ts
  kiosk/simulation
  state-machines/time
  hardware/pki/atomic-files.test.ts
)

# Seconds from now to the next HH:MM in Tokyo (today's if still to come, else tomorrow's).
offset_to() {
  local now target
  now=$(date +%s)
  target=$(TZ=Asia/Tokyo date -d "today $1" +%s)
  [ "$target" -le "$now" ] && target=$((target + 86400))
  echo $((target - now))
}

for at in "${times[@]}"; do
  offset=$(offset_to "$at")
  echo "=== at ${at} Japan time (clock +${offset} s): ${suites[*]}" >&2
  # None of these suites uses PostgreSQL: the unit project's global setup need not start one.
  POSTGRES_TESTS=off faketime -m -f "+${offset}" \
    npx vitest run --project unit "${suites[@]}"
done
