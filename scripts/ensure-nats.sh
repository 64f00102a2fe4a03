#!/bin/sh
# Installs the NATS server (Debian package `nats-server`) when it is missing, and prints the
# path of the `nats-server` binary. Idempotent: nothing is installed when it is already there.
# The cluster tests (tests/api/cluster.rs) start their own server from it.
set -eu
if ! command -v nats-server >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nats-server >&2
fi
command -v nats-server
