// Validates WebSocket frames against OpenClaw's published protocol schema
// (@openclaw/gateway-protocol, pinned in package-lock.json: its machine-readable
// protocol.schema.json, draft-07, checked with ajv).
//
// Usage: node validate.mjs <frames.jsonl> [...more files]
//
// Each line is either a bare frame or a transcript entry {"dir": "s2c"|"c2s", "data": frame,
// "method"?: "<method a res answers>"} — the shape of clawgate's CLAWGATE_FRAME_LOG (written by
// the Rust test WebSocket client) and of the golden OpenClaw transcripts, so the same check runs
// on both. Checked: every server frame's envelope (RequestFrame/ResponseFrame/EventFrame),
// hello-ok, the events with a schema, and the results of methods whose result schema is known.
// Exit status 1 when a frame fails for a reason not listed in KNOWN_DEVIATIONS.

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Ajv from "ajv";

// The package's exports do not include protocol.schema.json; read it from its install dir.
const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = join(here, "node_modules", "@openclaw", "gateway-protocol");
const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
const schema = JSON.parse(readFileSync(join(pkgDir, "protocol.schema.json"), "utf8"));

// Deviations tolerated, each with the reason. `where` is the schema checked, `path` the JSON
// pointer of the offending instance (a RegExp), `keyword` the failing ajv keyword and
// `property` (for additionalProperties) the extra key.
const KNOWN_DEVIATIONS = [
  {
    where: "HelloOk", path: /^\/auth$/, keyword: "additionalProperties", property: "method",
    why: "OpenClaw 2026.9.6 itself sends hello-ok.auth.method (golden call-*.jsonl); the 2026.9.1 schema lags",
  },
  {
    where: "AgentEvent", path: /^$/, keyword: "additionalProperties", property: "sessionKey",
    why: "OpenClaw 2026.9.6 itself sends sessionKey in agent events (golden call-agent.jsonl); the schema lags",
  },
  {
    where: "AgentEvent", path: /^$/, keyword: "additionalProperties", property: "agentId",
    why: "OpenClaw 2026.9.6 itself sends agentId in agent events (golden call-agent.jsonl); the schema lags",
  },
  {
    where: "AgentEvent", path: /^$/, keyword: "additionalProperties", property: "sessionId",
    why: "OpenClaw 2026.9.6 itself sends sessionId in lifecycle agent events (golden call-agent.jsonl); the schema lags",
  },
];

// Event name -> schema definition of its payload.
const EVENT_SCHEMAS = {
  tick: "TickEvent",
  shutdown: "ShutdownEvent",
  agent: "AgentEvent",
  chat: "ChatEvent",
};

// Method -> how to check its result payload: a definition name, or [definition, pointer to an
// array whose every item is checked].
const RESULT_SCHEMAS = {
  "models.list": "ModelsListResult",
  "logs.tail": "LogsTailResult",
  "channels.status": "ChannelsStatusResult",
  "sessions.list": ["SessionRow", "/sessions"],
  "system-presence": ["PresenceEntry", ""],
};

const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addSchema(schema, "protocol");
const compiled = new Map();
function validator(name) {
  if (!compiled.has(name)) {
    const v = ajv.getSchema(`protocol#/definitions/${name}`);
    if (!v) throw new Error(`schema definition ${name} not found in ${pkg.name}@${pkg.version}`);
    compiled.set(name, v);
  }
  return compiled.get(name);
}

function pointer(value, ptr) {
  if (!ptr) return value;
  return ptr.split("/").slice(1).reduce((v, k) => (v == null ? undefined : v[k]), value);
}

function tolerated(where, err) {
  return KNOWN_DEVIATIONS.find(
    (d) =>
      d.where === where &&
      d.keyword === err.keyword &&
      d.path.test(err.instancePath) &&
      (d.property === undefined || d.property === err.params?.additionalProperty),
  );
}

const failures = [];
const toleratedCounts = new Map();
let checked = 0;

function check(where, value, context) {
  const v = validator(where);
  checked += 1;
  if (v(value)) return;
  for (const err of v.errors) {
    const known = tolerated(where, err);
    if (known) {
      toleratedCounts.set(known, (toleratedCounts.get(known) ?? 0) + 1);
      continue;
    }
    const extra = err.params?.additionalProperty ? ` ('${err.params.additionalProperty}')` : "";
    failures.push(`${context}: ${where}${err.instancePath} ${err.message}${extra}`);
  }
}

function checkServerFrame(frame, method, context) {
  if (frame === null || typeof frame !== "object") {
    failures.push(`${context}: not a JSON object`);
    return;
  }
  const envelope = { req: "RequestFrame", res: "ResponseFrame", event: "EventFrame" }[frame.type];
  if (!envelope) {
    failures.push(`${context}: unknown frame type ${JSON.stringify(frame.type)}`);
    return;
  }
  check(envelope, frame, context);
  if (frame.type === "res" && frame.ok && frame.payload?.type === "hello-ok") {
    check("HelloOk", frame.payload, `${context} hello-ok`);
  } else if (frame.type === "res" && frame.ok && method && RESULT_SCHEMAS[method]) {
    const spec = RESULT_SCHEMAS[method];
    if (typeof spec === "string") {
      check(spec, frame.payload, `${context} ${method}`);
    } else {
      const items = pointer(frame.payload, spec[1]);
      if (!Array.isArray(items)) {
        failures.push(`${context} ${method}: ${spec[1] || "payload"} is not an array`);
      } else {
        items.forEach((item, i) => check(spec[0], item, `${context} ${method}${spec[1]}/${i}`));
      }
    }
  } else if (frame.type === "event" && EVENT_SCHEMAS[frame.event]) {
    check(EVENT_SCHEMAS[frame.event], frame.payload, `${context} event ${frame.event}`);
  } else if (frame.type === "event" && frame.event === "presence") {
    (frame.payload?.presence ?? []).forEach((p, i) =>
      check("PresenceEntry", p, `${context} event presence/${i}`),
    );
  }
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate.mjs <frames.jsonl> [...]");
  process.exit(2);
}
let frames = 0;
let simpleFrames = 0;
for (const file of files) {
  const methods = new Map(); // request id -> method, from c2s lines (golden transcripts)
  const lines = readFileSync(file, "utf8").split("\n");
  lines.forEach((line, n) => {
    if (!line.trim()) return;
    const context = `${file}:${n + 1}`;
    let entry;
    try {
      entry = JSON.parse(line);
    } catch {
      failures.push(`${context}: invalid JSON`);
      return;
    }
    const wrapped = entry && typeof entry === "object" && "dir" in entry;
    const dir = wrapped ? entry.dir : "s2c";
    const frame = wrapped ? entry.data : entry;
    if (dir === "c2s") {
      if (frame?.type === "req") methods.set(frame.id, frame.method);
      return;
    }
    if (dir !== "s2c") return; // golden "hello" lines (HTTP upgrade) and the like
    if (wrapped && entry.type !== undefined && entry.type !== "text") return; // golden close lines
    if (wrapped && entry.dialect === "simple") {
      simpleFrames += 1; // the seeds' simple dialect is not OpenClaw's protocol
      return;
    }
    frames += 1;
    const method = (wrapped && entry.method) || (frame?.type === "res" ? methods.get(frame.id) : undefined);
    checkServerFrame(frame, method, context);
  });
}

for (const [d, count] of toleratedCounts) {
  console.log(`tolerated x${count}: ${d.where} ${d.keyword} ${d.property ?? ""} — ${d.why}`);
}
console.log(
  `${pkg.name}@${pkg.version}: ${frames} server frames, ${checked} schema checks, ` +
    `${failures.length} failures (${simpleFrames} simple-dialect frames skipped)`,
);
if (failures.length > 0) {
  const shown = failures.slice(0, 50);
  for (const f of shown) console.log(`FAIL ${f}`);
  if (failures.length > shown.length) console.log(`… and ${failures.length - shown.length} more`);
  process.exit(1);
}
