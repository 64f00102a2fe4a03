// The protocol-4 WebSocket client (Node's global WebSocket) against the real gateway.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Clawgate, GatewayCallError } from "../dist/esm/index.js";
import { BASE, client } from "./helpers.mjs";

test("handshake, call, chat events", async () => {
  const ws = client().ws();
  const hello = await ws.connect();
  try {
    assert.equal(hello.type, "hello-ok");
    assert.equal(hello.protocol, 4);
    assert.equal((await ws.call("health")).ok, true);
    const events = ws.events("chat");
    const ack = await ws.call("chat.send", { sessionKey: "ws-js", message: "hi", idempotencyKey: crypto.randomUUID() });
    assert.equal(ack.status, "started");
    const states = [];
    let final;
    for await (const ev of events) {
      if (ev.payload.runId !== ack.runId) continue;
      states.push(ev.payload.state);
      if (ev.payload.state === "final") {
        final = ev.payload.message.content[0].text;
        break;
      }
    }
    assert.equal(states[0], "delta");
    assert.ok(final);
    const agent = await ws.call("agent", { message: "hi", agentId: "main", idempotencyKey: crypto.randomUUID() }, { expectFinal: true });
    assert.equal(agent.status, "ok");
    const err = await ws.call("no.such.method").catch((e) => e);
    assert.ok(err instanceof GatewayCallError);
    assert.equal(err.code, "INVALID_REQUEST");
  } finally {
    ws.close();
  }
});

test("a wrong token fails the handshake", async () => {
  const ws = new Clawgate({ baseUrl: BASE, token: "wrong" }).ws();
  const err = await ws.connect().catch((e) => e);
  assert.ok(err instanceof GatewayCallError, String(err));
  ws.close();
});
