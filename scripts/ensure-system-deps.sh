#!/usr/bin/env bash
# Makes sure the Debian packages the tests need are present: the real PC/SC stack (pcscd + vpcd),
# OpenSC for the conformance check, Chromium and a Japanese font for the browser tests, strace for
# the test that checks answers leave only after their fsync (test/faults/ack-after-fsync.test.ts),
# libfaketime for the suites run at other hours (scripts/test/at-japan-times.sh), PostgreSQL for the
# store's second engine, HAProxy to check the load balancer's configuration (test/compose/).
# Installs them when it can (root + apt-get, as on CI); otherwise prints the exact command and fails.
set -euo pipefail
packages=(pcscd libpcsclite-dev vsmartcard-vpcd opensc pcsc-tools chromium fonts-ipafont-gothic strace faketime postgresql haproxy)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing[*]}"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing system packages: ${missing[*]}" >&2
  bash -c "$cmd" >&2
else
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Run as root:  $cmd" >&2
  exit 1
fi
