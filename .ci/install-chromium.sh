#!/usr/bin/env bash
# Installs Debian's Chromium for the demo's end-to-end test when it is missing.
# Idempotent and quiet: it does nothing when /usr/bin/chromium already runs, and prints
# apt's output only when the installation fails.
set -euo pipefail

if /usr/bin/chromium --version >/dev/null 2>&1; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-chromium.sh: /usr/bin/chromium is missing and installing it needs root; run: sudo $0" >&2
  exit 1
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "install-chromium.sh: apt-get could not install chromium (output above)" >&2
  exit 1
fi

/usr/bin/chromium --version >/dev/null 2>&1
