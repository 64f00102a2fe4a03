// Seed 001's and 003's JS snippets, verbatim (imports included), installed as an app would:
// test/seed-app depends on `openclaw-sdk` and `openclaw-client` (both this package). Only the
// base URL and token are substituted, textually. Seed 001's snippet is CommonJS (`require`) with
// top-level `await`, which Node runs only inside an async function: the harness wraps it in one.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { BASE, TOKEN, client } from "./helpers.mjs";

const APP = join(dirname(fileURLToPath(import.meta.url)), "seed-app");
const RUN = join(APP, ".run");

function prepare(name, token, wrap = (s) => s, ext) {
  assert.ok(existsSync(join(APP, "node_modules", "openclaw-sdk")), "test/seed-app not installed: run scripts/test.sh");
  const src = readFileSync(join(APP, "snippets", name), "utf8");
  const code = src.replaceAll("http://localhost:18789", BASE).replaceAll(token, TOKEN);
  mkdirSync(RUN, { recursive: true });
  const file = join(RUN, name.replace(/\.[^.]+$/, ext));
  writeFileSync(file, wrap(code));
  return file;
}

test.after(() => rmSync(RUN, { recursive: true, force: true }));

test("seed 001: require('openclaw-sdk'), message.send and message.stream", () => {
  const file = prepare("001-js-sdk.js", "YOUR_TOKEN", (s) => `(async () => {\n${s}\n})().catch((e) => { console.error(e); process.exit(1); });\n`, ".cjs");
  const out = execFileSync(process.execPath, [file], { cwd: APP, encoding: "utf8", timeout: 60_000 });
  assert.ok(out.split("\n")[0].trim(), out);
  assert.ok(out.length > out.split("\n")[0].length + 1, "the stream printed text: " + out);
});

test("seed 003: import { OpenClawClient } from 'openclaw-client', agent.run", async () => {
  const file = prepare("003-openclaw-client.mjs", "your-token", (s) => s, ".mjs");
  const out = execFileSync(process.execPath, [file], { cwd: APP, encoding: "utf8", timeout: 60_000 });
  assert.match(out, /runId: '/);
  assert.match(out, /sessionKey: 'agent:main:session-123'/);
  assert.match(out, /response: '/);
  assert.match(out, /totalTokens: \d+/);
  const sessions = await client().sessions.list({ limit: 1000 });
  assert.ok(sessions.some((s) => s.sessionKey === "agent:main:session-123"));
});
