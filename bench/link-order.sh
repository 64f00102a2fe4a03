#!/usr/bin/env bash
# Records bench/link-order.txt: the functions the release gateway runs to start, sit idle and
# serve a few turns, in the order they first run. build.rs hands the list to lld, which places
# them together at the front of .text, so an idle gateway maps ~4 MiB of code instead of
# ~15 MiB (issue #15; see build.rs and bench/README.md "Link order").
#
# Run it after a dependency or toolchain update (names it lists that no longer exist are
# skipped at link time, and the memory figure creeps back up). Needs valgrind (installed with
# apt-get when missing). Takes about two release builds.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
list=bench/link-order.txt
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind; }

cargo build --release --bin clawgate
cargo build --release -p clawgate-bench --bin mock-upstream
target=${CARGO_TARGET_DIR:-$root/target}
bin=$target/release/clawgate
work=$(mktemp -d)
cleanup() {
  [[ -n "${gw:-}" ]] && kill -INT "$gw" 2>/dev/null && wait "$gw" 2>/dev/null || true
  [[ -n "${mock:-}" ]] && kill "$mock" 2>/dev/null && wait "$mock" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mock_port=$(free_port)
port=$(free_port)
"$target/release/mock-upstream" --port "$mock_port" >"$work/mock.log" 2>&1 &
mock=$!
cat >"$work/cfg.json5" <<CFG
{
  gateway: { auth: { mode: "token", token: "order" },
             http: { endpoints: { chatCompletions: { enabled: true }, responses: { enabled: true } } } },
  models: { providers: { mock: { baseUrl: "http://127.0.0.1:$mock_port/v1", apiKey: "x",
                                 api: "openai-completions", models: [{ id: "mock-model" }] } } },
  agents: { defaults: { model: { primary: "mock/mock-model" } } },
}
CFG
mkdir "$work/state"
valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/cg.out" \
  "$bin" gateway run --config "$work/cfg.json5" --state-dir "$work/state" \
  --port "$port" --bind loopback >"$work/gw.log" 2>&1 &
gw=$!
url=http://127.0.0.1:$port
for _ in $(seq 1 120); do
  curl -fs -o /dev/null "$url/readyz" && break
  sleep 0.5
done
curl -fs -o /dev/null "$url/readyz"
auth=(-H 'Authorization: Bearer order' -H 'Content-Type: application/json')
for user in a a b; do
  curl -fsS -o /dev/null "${auth[@]}" "$url/v1/chat/completions" \
    -d "{\"model\":\"openclaw\",\"user\":\"$user\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
done
curl -fsS -o /dev/null -N "${auth[@]}" "$url/v1/chat/completions" \
  -d '{"model":"openclaw","user":"s","stream":true,"messages":[{"role":"user","content":"hi"}]}'
curl -fsS -o /dev/null "${auth[@]}" "$url/v1/responses" -d '{"model":"openclaw","input":"hi"}'
curl -fsS -o /dev/null "${auth[@]}" "$url/api/v1/message" -d '{"text":"hi","session":"default"}'
curl -fsS -o /dev/null "${auth[@]}" "$url/v1/sessions?limit=5"
curl -fsS -o /dev/null "$url/healthz"
sleep 3 # idle ticks (heartbeat, checkpointer, trimmer) run too
kill -INT "$gw"
wait "$gw" || true
gw=

python3 - "$work/cg.out" "$bin" "$list" <<'PY'
import re, subprocess, sys
cg, binary, out = sys.argv[1:4]
names, seen = [], set()
for line in open(cg):
    m = re.match(r"^c?fn=\(\d+\) (.+)$", line.rstrip("\n"))
    if m and m.group(1) not in seen:
        seen.add(m.group(1))
        names.append(m.group(1))
nm = subprocess.run(["nm", "--defined-only", binary], capture_output=True, text=True, check=True)
code = {p[2] for p in (l.split() for l in nm.stdout.splitlines()) if len(p) == 3 and p[1] in "tTwW"}
kept = [n for n in names if n in code]
with open(out, "w") as f:
    f.write("\n".join(kept) + "\n")
print(f"{out}: {len(kept)} functions")
PY
cargo build --release --bin clawgate
