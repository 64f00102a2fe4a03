#!/usr/bin/env bash
# Runs the official OpenResponses compliance suite (openresponses/openresponses,
# bin/compliance-test.ts) against a fresh gateway and the scripted upstream.
#
# The suite is not on any registry: extract its bin/, src/lib and src/generated into
# $SUITE_DIR (default /tmp/orrun) first, e.g. from a clone:
#   git -C <clone> archive HEAD bin/compliance-test.ts src/lib src/generated | tar -x -C /tmp/orrun
# This script installs Bun and zod from npm into that folder (idempotent) and prints the
# suite's summary line. Exit status is the suite's.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SUITE_DIR=${SUITE_DIR:-/tmp/orrun}
[ -f "$SUITE_DIR/bin/compliance-test.ts" ] || { echo "suite not found in $SUITE_DIR (see the header of this script)"; exit 2; }
if [ ! -x "$SUITE_DIR/node_modules/.bin/bun" ]; then
  echo '{"name":"or-compliance-local","private":true,"type":"module","dependencies":{"zod":"3.25.76","bun":"1.4.5"}}' > "$SUITE_DIR/package.json"
  (cd "$SUITE_DIR" && npm install --silent)
fi
cargo build --workspace --bins
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}/debug
WORK=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
MOCK_PORT=$(free_port); GW_PORT=$(free_port)
"$TARGET/mock-upstream" --port "$MOCK_PORT" --auto-tools > "$WORK/mock.log" 2>&1 &
MOCK_PID=$!
cat > "$WORK/cfg.json5" <<CFG
{ gateway: { auth: { mode: "token", token: "compliance-token" }, http: { endpoints: { responses: { enabled: true } } } },
  models: { providers: { mock: { baseUrl: "http://127.0.0.1:$MOCK_PORT/v1", models: [{ id: "mock-model", input: ["text", "image"] }] } } } }
CFG
RUST_LOG=warn "$TARGET/clawgate" gateway run --config "$WORK/cfg.json5" --state-dir "$WORK/state" --port "$GW_PORT" > "$WORK/gw.log" 2>&1 &
GW_PID=$!
trap 'kill $GW_PID $MOCK_PID 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$GW_PORT/healthz" >/dev/null && break; sleep 0.1; done
cd "$SUITE_DIR"
./node_modules/.bin/bun bin/compliance-test.ts --base-url "http://127.0.0.1:$GW_PORT/v1" --api-key compliance-token --model openclaw
