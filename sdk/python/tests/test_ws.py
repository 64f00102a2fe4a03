"""The WebSocket clients (OpenClaw protocol 4) against the real gateway."""
import asyncio
import uuid

import pytest

from clawgate import AsyncClawgate, Clawgate, GatewayCallError


def test_sync_socket_handshake_call_and_chat_events(gateway):
    c = Clawgate(base_url=gateway.base, token=gateway.token)
    with c.ws() as ws:
        assert ws.hello["type"] == "hello-ok" and ws.hello["protocol"] == 4
        assert "operator.write" in ws.hello["auth"]["scopes"]
        assert ws.call("health")["ok"] is True
        ack = ws.call("chat.send", {"sessionKey": "ws-py", "message": "hi", "idempotencyKey": str(uuid.uuid4())})
        assert ack["status"] == "started"
        states = []
        for ev in ws.events("chat"):
            if ev.payload["runId"] != ack["runId"]:
                continue
            states.append(ev.payload["state"])
            if ev.payload["state"] == "final":
                final = ev.payload["message"]["content"][0]["text"]
                break
        assert states[0] == "delta" and final
        with pytest.raises(GatewayCallError) as e:
            ws.call("no.such.method")
        assert e.value.code == "INVALID_REQUEST"


def test_async_socket_runs_an_agent_turn_to_its_final_answer(gateway):
    async def go():
        async with AsyncClawgate(base_url=gateway.base, token=gateway.token) as c:
            async with c.ws(scopes=["operator.read", "operator.write"]) as ws:
                final = await ws.call("agent", {"message": "hi", "agentId": "main", "idempotencyKey": str(uuid.uuid4())},
                                      expect_final=True)
                models = await ws.call("models.list")
                return final, models
    final, models = asyncio.run(go())
    assert final["status"] == "ok" and final["result"]["payloads"][0]["text"]
    assert {m["id"] for m in models["models"]} == {"mock-model", "gone"}


def test_a_wrong_token_fails_the_handshake(gateway):
    with pytest.raises(GatewayCallError) as e:
        Clawgate(base_url=gateway.base, token="wrong").ws().connect()
    assert e.value.code == "INVALID_REQUEST"
