#!/usr/bin/env bash
# Makes sure the Debian packages the tests need are present: the real PC/SC stack (pcscd + vpcd),
# OpenSC for the conformance check, Chromium and fonts for Japanese, Chinese and Korean for the
# browser tests, strace for the test that checks answers leave only after their fsync
# (test/faults/ack-after-fsync.test.ts), libfaketime for the suites run at other hours
# (scripts/test/at-japan-times.sh), PostgreSQL for the store's second engine, HAProxy to check the
# load balancer's configuration (test/compose/), and the speech engines of the kiosk's voice guidance
# (docs/speech.md): Open JTalk with its dictionary and the m001 voice for Japanese, Flite for English,
# espeak-ng for Chinese, Korean, Vietnamese and Portuguese. The Japanese voice is in Debian's
# `contrib` component: when no apt source lists contrib, one small source file is added for it
# (the same mirror and suite as the main archive), once.
# Installs them when it can (root + apt-get, as on CI); otherwise prints the exact command and fails.
set -euo pipefail
packages=(pcscd libpcsclite-dev vsmartcard-vpcd opensc pcsc-tools chromium fonts-ipafont-gothic strace faketime postgresql haproxy
  open-jtalk open-jtalk-mecab-naist-jdic hts-voice-nitech-jp-atr503-m001 flite espeak-ng fonts-wqy-microhei fonts-nanum)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

contrib_source=/etc/apt/sources.list.d/debian-contrib.sources
# True when some enabled apt source already offers Debian's contrib component.
contrib_enabled() {
  grep -qsE '^[[:space:]]*(Components:.*[[:space:]]contrib([[:space:]]|$)|deb[[:space:]].*[[:space:]]contrib([[:space:]]|$))' \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources
}
# Writes a deb822 source for contrib on the mirror and suite the main archive already uses.
enable_contrib() {
  local uri suite
  uri=$(grep -hsE '^URIs:' /etc/apt/sources.list.d/debian.sources | grep -v security | head -n1 | awk '{print $2}')
  uri=${uri:-http://deb.debian.org/debian}
  suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: contrib\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$uri" "$suite" >"$contrib_source"
}

cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing[*]}"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  if ! contrib_enabled; then
    echo "Enabling Debian's contrib component for the Japanese voice: $contrib_source" >&2
    enable_contrib
  fi
  echo "Installing system packages: ${missing[*]}" >&2
  bash -c "$cmd" >&2
else
  echo "Missing system packages: ${missing[*]}" >&2
  contrib_enabled || echo "Enable Debian's contrib component first (hts-voice-nitech-jp-atr503-m001 is there)." >&2
  echo "Run as root:  $cmd" >&2
  exit 1
fi
