#!/usr/bin/env bash
# Makes sure PostgreSQL's server binaries (initdb, pg_ctl, postgres) are installed for the storage
# tests, which start a throwaway cluster in a temp dir on loopback. Installs Debian's `postgresql`
# package when they are missing; idempotent and quiet when they are there. Prints the bin dir.
set -euo pipefail
find_pg_bin() {
  if [ -n "${CLAWGATE_PG_BIN:-}" ] && [ -x "$CLAWGATE_PG_BIN/initdb" ]; then
    echo "$CLAWGATE_PG_BIN"
    return 0
  fi
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
      echo "$dir"
      return 0
    fi
  done
  return 1
}
if ! find_pg_bin >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""
  if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
  if ! $SUDO apt-get install -y -q postgresql >/dev/null 2>&1; then
    $SUDO apt-get update -q >/dev/null
    $SUDO apt-get install -y -q postgresql >/dev/null
  fi
fi
find_pg_bin
