// Seed 001's and 003's JS snippets, verbatim (imports included), installed as an app would:
// test/seed-app depends on `openclaw-sdk` and `openclaw-client` (both this package). Only the
// base URL and token are substituted, textually. Seed 001's snippet is CommonJS (`require`) with
// top-level `await`, which Node runs only inside an async function: the harness wraps it in one.
// Seed 003's WebSocket snippet uses the `ws` package's constructor (a third argument with
// headers) and a `token` variable: the harness defines both before it.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { BASE, TOKEN, client } from "./helpers.mjs";

const APP = join(dirname(fileURLToPath(import.meta.url)), "seed-app");
const RUN = join(APP, ".run");

// Writes snippet `name` with each `[from, to]` of `subs` replaced, wrapped by `wrap`, as `.run/<name><ext>`.
function prepare(name, subs, wrap, ext) {
  assert.ok(existsSync(join(APP, "node_modules", "openclaw-sdk")), "test/seed-app not installed: run scripts/test.sh");
  let code = readFileSync(join(APP, "snippets", name), "utf8");
  for (const [from, to] of subs) code = code.replaceAll(from, to);
  mkdirSync(RUN, { recursive: true });
  const file = join(RUN, name.replace(/\.[^.]+$/, ext));
  writeFileSync(file, wrap(code));
  return file;
}

test.after(() => rmSync(RUN, { recursive: true, force: true }));

test("seed 001: require('openclaw-sdk'), message.send and message.stream", () => {
  const file = prepare("001-js-sdk.js", [["http://localhost:18789", BASE], ["YOUR_TOKEN", TOKEN]], (s) => `(async () => {\n${s}\n})().catch((e) => { console.error(e); process.exit(1); });\n`, ".cjs");
  const out = execFileSync(process.execPath, [file], { cwd: APP, encoding: "utf8", timeout: 60_000 });
  assert.ok(out.split("\n")[0].trim(), out);
  assert.ok(out.length > out.split("\n")[0].length + 1, "the stream printed text: " + out);
});

test("seed 003: import { OpenClawClient } from 'openclaw-client', agent.run", async () => {
  const file = prepare("003-openclaw-client.mjs", [["http://localhost:18789", BASE], ["your-token", TOKEN]], (s) => s, ".mjs");
  const out = execFileSync(process.execPath, [file], { cwd: APP, encoding: "utf8", timeout: 60_000 });
  assert.match(out, /runId: '/);
  assert.match(out, /sessionKey: 'agent:main:session-123'/);
  assert.match(out, /response: '/);
  assert.match(out, /totalTokens: \d+/);
  const sessions = await client().sessions.list({ limit: 1000 });
  assert.ok(sessions.some((s) => s.sessionKey === "agent:main:session-123"));
});

test("seed 003: a WebSocket with the bearer header is told it is connected", async () => {
  const file = prepare("003-websocket.js", [["wss://gateway:18789", BASE.replace("http://", "ws://")]],
    (s) => `const WebSocket = require("ws");\nconst token = ${JSON.stringify(TOKEN)};\n${s}`, ".cjs");
  const child = spawn(process.execPath, [file], { cwd: APP });
  let out = "";
  const connected = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no connected event: " + out)), 20_000);
    child.stdout.on("data", (d) => {
      out += d;
      const i = out.indexOf("type: 'connected'");
      if (i >= 0 && out.indexOf("}", out.indexOf("capabilities", i)) > 0) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.on("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  child.kill();
  assert.match(connected, /^Connected to Gateway$/m);
  assert.match(connected, /clientId: '[0-9a-f-]{36}'/);
  assert.match(connected, /gatewayVersion: '[^']+'/);
  assert.match(connected, /capabilities: \[ 'chat', 'channels' \]/);
});
