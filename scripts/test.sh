#!/usr/bin/env bash
# The whole test suite: Rust unit + integration tests (both crates), then real client libraries
# against the real binaries: Python (openai, LangChain, LiteLLM; pinned in tests/py/requirements.txt,
# installed in .venv) and JS (openai, Vercel AI SDK; pinned in tests/js/package-lock.json, installed
# with `npm ci`), and the WebSocket frames the Rust tests saw against OpenClaw's protocol schema
# (tests/protocol, pinned in its package-lock.json). Idempotent: installs only when a pin file
# changed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

cargo build --workspace --bins
# The browser tests (src/browser, the web UI, the JS SDK in a page) drive a real Chromium.
CHROMIUM_PATH=$("$ROOT/scripts/ensure-chromium.sh")
export CHROMIUM_PATH
# The storage suite (tests/storage/) and the Postgres gateway test start throwaway PostgreSQL
# clusters from Debian's server binaries.
CLAWGATE_PG_BIN=$("$ROOT/scripts/ensure-postgres.sh")
export CLAWGATE_PG_BIN
# NATS (Debian's nats-server) for the three-node cluster tests (tests/api/cluster.rs).
CLAWGATE_NATS_SERVER=$("$ROOT/scripts/ensure-nats.sh")
export CLAWGATE_NATS_SERVER
# Every WebSocket frame the gateway sends to the Rust tests' WS client is logged here and then
# checked against OpenClaw's published protocol schema (tests/protocol/validate.mjs).
export CLAWGATE_FRAME_LOG="$ROOT/target/ws-frames.jsonl"
rm -f "$CLAWGATE_FRAME_LOG"
cargo test --workspace
unset CLAWGATE_FRAME_LOG

VENV="$ROOT/.venv"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
PY_STAMP="$VENV/.requirements.sha256"
PY_SUM=$(sha256sum tests/py/requirements.txt | cut -d' ' -f1)
if [ "$(cat "$PY_STAMP" 2>/dev/null)" != "$PY_SUM" ]; then
  "$VENV/bin/pip" install -q -r tests/py/requirements.txt
  echo "$PY_SUM" > "$PY_STAMP"
fi
# The first-party Python SDK (sdk/python), installed into .venv as a user would (`pip install
# ./sdk/python`); reinstalled when its sources change. Its suite runs from tests/py/test_sdks.py.
PYSDK_STAMP="$VENV/.sdk-python.sha256"
PYSDK_SUM=$(find sdk/python/pyproject.toml sdk/python/src -type f ! -path '*__pycache__*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [ "$(cat "$PYSDK_STAMP" 2>/dev/null)" != "$PYSDK_SUM" ]; then
  "$VENV/bin/pip" install -q --no-deps --force-reinstall ./sdk/python
  echo "$PYSDK_SUM" > "$PYSDK_STAMP"
fi
# OpenClaw's own CLI for tests/py/test_openclaw_cli.py (installed once under .tools/). It also
# provides Node 24 from PyPI (.tools/bin), which the JS client libraries need (Node >= 22).
"$ROOT/scripts/openclaw-cli.sh" --version >/dev/null
export PATH="$ROOT/.tools/bin:$PATH"
JS_STAMP="tests/js/node_modules/.lock.sha256"
JS_SUM=$(sha256sum tests/js/package-lock.json | cut -d' ' -f1)
if [ "$(cat "$JS_STAMP" 2>/dev/null)" != "$JS_SUM" ]; then
  (cd tests/js && npm ci --no-audit --no-fund --loglevel=error)
  echo "$JS_SUM" > "$JS_STAMP"
fi
# The JS SDK (sdk/js): its pinned TypeScript (the dist/ staleness test rebuilds into a temp dir;
# dist/ itself is committed, see docs/sdks.md), and the seed app that installs it under the
# seeds' package names (sdk/js/test/seed-app).
for dir in sdk/js sdk/js/test/seed-app; do
  STAMP="$dir/node_modules/.lock.sha256"
  SUM=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$STAMP" 2>/dev/null)" != "$SUM" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$SUM" > "$STAMP"
  fi
done
PROTO_STAMP="tests/protocol/node_modules/.lock.sha256"
PROTO_SUM=$(sha256sum tests/protocol/package-lock.json | cut -d' ' -f1)
if [ "$(cat "$PROTO_STAMP" 2>/dev/null)" != "$PROTO_SUM" ]; then
  (cd tests/protocol && npm ci --no-audit --no-fund --loglevel=error)
  echo "$PROTO_SUM" > "$PROTO_STAMP"
fi
node tests/protocol/validate.mjs "$ROOT/target/ws-frames.jsonl"
cd tests/py
"$VENV/bin/python" -m pytest -q -p no:cacheprovider .
