#!/usr/bin/env bash
# The whole test suite: Rust unit + integration tests (both crates), then the official
# OpenAI Python SDK against the real binaries. Idempotent; installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

cargo build --workspace --bins
cargo test --workspace

VENV="$ROOT/.venv"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c 'import openai, pytest' 2>/dev/null; then
  "$VENV/bin/pip" install -q -r tests/py/requirements.txt
fi
# OpenClaw's own CLI for tests/py/test_openclaw_cli.py (installed once under .tools/).
"$ROOT/scripts/openclaw-cli.sh" --version >/dev/null
cd tests/py
"$VENV/bin/python" -m pytest -q -p no:cacheprovider .
