// Errors are typed, carry status/code/retryAfter; 429 is retried after Retry-After; timeouts.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  APITimeoutError, AuthenticationError, BadRequestError, Clawgate, NotFoundError, PermissionDeniedError, RateLimitError,
  ServerError,
} from "../dist/esm/index.js";
import { BASE, LIMITED, TOKEN, client, limited } from "./helpers.mjs";

test("a wrong token is an AuthenticationError", async () => {
  const e = await new Clawgate({ baseUrl: BASE, token: "wrong" }).status().catch((e) => e);
  assert.ok(e instanceof AuthenticationError, String(e));
  assert.equal(e.status, 401);
  assert.equal(e.code, "unauthorized");
});

test("deleting the main session is a PermissionDeniedError", async () => {
  const e = await client().sessions.delete("main").catch((e) => e);
  assert.ok(e instanceof PermissionDeniedError, String(e));
  assert.equal(e.status, 403);
});

test("unknown things are NotFoundError", async () => {
  const e = await client().skills.execute("no-such-skill", { args: "x" }).catch((e) => e);
  assert.ok(e instanceof NotFoundError, String(e));
  assert.equal(e.code, "not_found");
});

test("an unreachable model is a ServerError, not retried", async () => {
  const retries = [];
  const e = await client({ onRetry: (...a) => retries.push(a) })
    .message.send({ text: "hi", session: "js-dead", model: "dead/gone" })
    .catch((e) => e);
  assert.ok(e instanceof ServerError, String(e));
  assert.equal(e.status, 502);
  assert.deepEqual(retries, []);
});

test("over the rate limit: RateLimitError with retryAfter", async () => {
  const c = limited({ maxRetries: 0 });
  // The Python suite shares this gateway's minute window; count until the limit answers.
  let e;
  for (let i = 0; i < 4 && !(e instanceof RateLimitError); i++) {
    e = await c.agent.run({ message: "" }).catch((x) => x);
    if (!(e instanceof RateLimitError)) assert.ok(e instanceof BadRequestError, String(e));
  }
  assert.ok(e instanceof RateLimitError, String(e));
  assert.equal(e.status, 429);
  assert.equal(e.code, "rate_limited");
  assert.ok(e.retryAfter > 0 && e.retryAfter <= 60);
});

test("a 429 is retried after Retry-After until the slot frees", async () => {
  const holder = await fetch(LIMITED + "/api/v1/message/stream", {
    method: "POST",
    headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
    body: JSON.stringify({ text: "hold", session: "js-holder" }),
  });
  const reader = holder.body.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  assert.match(first, /chunk/);
  const retries = [];
  const s = await limited({ maxRetries: 10, onRetry: (attempt, err, delay) => retries.push([err.status, delay]) }).status();
  assert.equal(s.gateway.status, "running");
  assert.ok(retries.length > 0);
  for (const [status, delay] of retries) {
    assert.equal(status, 429);
    assert.equal(delay, 1000);
  }
  let rest = "";
  for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
  assert.match(rest, /\[DONE\]/);
});

test("a slow answer times out", async () => {
  const e = await limited({ timeout: 300 }).chat.create({ messages: [{ role: "user", content: "slow" }] }).catch((e) => e);
  assert.ok(e instanceof APITimeoutError, String(e));
});
