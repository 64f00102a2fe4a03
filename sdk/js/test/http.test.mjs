// The client's HTTP surface against the real gateway.
import assert from "node:assert/strict";
import { test } from "node:test";
import { client, unique } from "./helpers.mjs";

test("message.send returns the reply and usage", async () => {
  const r = await client().message.send({ text: "hello there", session: "js-send" });
  assert.ok(r.text);
  assert.match(r.messageId, /^msg_/);
  assert.equal(typeof r.usage.inputTokens, "number");
});

test("message.stream yields the reply in several chunks", async () => {
  const c = client();
  const whole = (await c.message.send({ text: "again", session: "js-stream-ref" })).text;
  const chunks = [];
  for await (const chunk of await c.message.stream({ text: "again", session: "js-stream" })) chunks.push(chunk);
  assert.ok(chunks.length > 1, JSON.stringify(chunks));
  assert.equal(chunks.join(""), whole);
});

test("sessions create, list, delete", async () => {
  const c = client();
  const created = await c.sessions.create({ label: unique("js-") });
  assert.match(created.sessionId, /^session_/);
  await c.message.send({ text: "hi", session: created.sessionId });
  const mine = (await c.sessions.list({ limit: 1000 })).find((s) => s.id === created.sessionId);
  assert.equal(mine.label, created.label);
  assert.ok(mine.messageCount >= 2);
  assert.equal(await c.sessions.delete(created.sessionId), true);
  assert.ok(!(await c.sessions.list({ limit: 1000 })).some((s) => s.id === created.sessionId));
});

test("memory.add then memory.search finds it by content", async () => {
  const c = client();
  const word = unique("gnu");
  const rec = await c.memory.add({ content: `The ${word} grazes in the notes`, tags: ["js"] });
  assert.match(rec.path, /^memory\//);
  const hits = await c.memory.search({ query: word, limit: 5 });
  assert.ok(hits[0].content.includes(word));
});

test("skills.list and skills.execute", async () => {
  const c = client();
  const greeter = (await c.skills.list()).find((s) => s.name === "greeter");
  assert.ok(greeter.eligible && greeter.enabled);
  const out = await c.skills.execute("greeter", { args: ["Ada"] });
  assert.ok(typeof out.result === "string" && out.result);
});

test("status and config.get", async () => {
  const c = client();
  const s = await c.status();
  assert.equal(s.gateway.status, "running");
  assert.equal(s.models.available, 2);
  assert.equal(await c.config.get("gateway.auth.mode"), "token");
  assert.equal((await c.config.get("gateway.auth")).token, "__OPENCLAW_REDACTED__");
});

test("agent.run and agent.stream (seed 003)", async () => {
  const c = client();
  const r = await c.agent.run({ message: "Hello!", sessionKey: "session-js" });
  assert.ok(r.response && r.runId);
  assert.equal(r.usage.totalTokens, r.usage.promptTokens + r.usage.completionTokens);
  const events = [];
  for await (const e of await c.agent.stream({ message: "Hello!", sessionKey: "session-js" })) events.push(e);
  const deltas = events.filter((e) => e.type === "delta").map((e) => e.data.delta);
  assert.ok(deltas.length > 1);
  assert.equal(deltas.join(""), r.response);
  assert.equal(events.at(-1).type, "done");
  assert.equal(events.at(-1).data.finishReason, "stop");
});

test("chat.create passes through to /v1/chat/completions", async () => {
  const c = client();
  const done = await c.chat.create({ messages: [{ role: "user", content: "hi" }] });
  assert.equal(done.object, "chat.completion");
  let text = "";
  for await (const ch of await c.chat.create({ messages: [{ role: "user", content: "hi" }], stream: true })) {
    assert.equal(ch.object, "chat.completion.chunk");
    text += ch.choices[0]?.delta?.content ?? "";
  }
  assert.equal(text, done.choices[0].message.content);
});

test("the CommonJS build exports the class itself and every name", async () => {
  const { createRequire } = await import("node:module");
  const cjs = createRequire(import.meta.url)("../dist/cjs/main.cjs");
  assert.equal(typeof cjs, "function");
  assert.equal(cjs.OpenClaw, cjs.Clawgate);
  assert.equal(cjs.OpenClawClient, cjs.Clawgate);
  const s = await new cjs({ baseUrl: process.env.CLAWGATE_BASE_URL + "/v1", token: process.env.CLAWGATE_TOKEN }).status();
  assert.equal(s.gateway.status, "running");
});
