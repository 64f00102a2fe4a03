#!/usr/bin/env bash
# Makes sure a Chromium is on PATH for the browser tests (the gateway's `browser` tool, the web UI
# and the JS SDK page test). Installs Debian's `chromium` package when none is found; idempotent and
# quiet when Chromium is already there. Prints the executable's path.
set -euo pipefail
find_chromium() {
  for name in chromium chromium-browser google-chrome; do
    if command -v "$name" >/dev/null 2>&1; then
      command -v "$name"
      return 0
    fi
  done
  return 1
}
if ! find_chromium >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""
  if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
  if ! $SUDO apt-get install -y -q chromium >/dev/null 2>&1; then
    $SUDO apt-get update -q >/dev/null
    $SUDO apt-get install -y -q chromium >/dev/null
  fi
fi
find_chromium
