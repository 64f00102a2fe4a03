"""The sync client's HTTP surface against the real gateway: what a caller gets back."""
import uuid

from clawgate import Clawgate, OpenClaw, OpenClawClient


def client(gw, **kw):
    return Clawgate(base_url=gw.base, token=gw.token, **kw)


def test_message_send_returns_the_reply_and_usage(gateway):
    with client(gateway) as c:
        r = c.message.send(text="hello there", session="py-send")
    assert r.text and r.message_id.startswith("msg_")
    assert r.usage.input_tokens >= 0 and r.usage.output_tokens >= 0
    assert r.raw["text"] == r.text


def test_message_stream_yields_the_reply_in_chunks(gateway):
    c = client(gateway)
    whole = c.message.send(text="same again", session="py-stream-ref").text
    chunks = list(c.message.stream(text="same again", session="py-stream"))
    assert len(chunks) > 1, chunks
    assert "".join(chunks) == whole


def test_sessions_create_list_delete(gateway):
    c = client(gateway)
    created = c.sessions.create(label="sdk-" + uuid.uuid4().hex[:6])
    assert created.session_id.startswith("session_")
    c.message.send(text="hi", session=created.session_id)
    listed = c.sessions.list(limit=1000)
    mine = [s for s in listed if s.id == created.session_id]
    assert mine and mine[0].message_count >= 2 and mine[0].label == created.label
    assert c.sessions.delete(created.session_id) is True
    assert all(s.id != created.session_id for s in c.sessions.list(limit=1000))


def test_memory_add_then_search_finds_it_by_content(gateway):
    c = client(gateway)
    word = "zebra" + uuid.uuid4().hex[:8]
    rec = c.memory.add(content=f"The {word} lives in the notes", tags=["sdk"])
    assert rec.memory_id and rec.path.startswith("memory/")
    hits = c.memory.search(query=word, limit=5)
    assert hits and word in hits[0].content
    assert hits[0].score > 0


def test_skills_list_and_execute(gateway):
    c = client(gateway)
    skills = {s.name: s for s in c.skills.list()}
    assert skills["greeter"].eligible and skills["greeter"].enabled
    out = c.skills.execute("greeter", ["Ada"])
    assert isinstance(out.result, str) and out.result
    assert out.execution_time is not None


def test_status_and_config(gateway):
    c = client(gateway)
    s = c.status()
    assert s.status == "running" and s.version
    assert s.models["available"] == 2
    assert c.config.get("gateway.auth.mode") == "token"
    assert c.config.get("gateway.auth")["token"] == "__OPENCLAW_REDACTED__"


def test_agent_run_and_stream(gateway):
    c = client(gateway)
    r = c.agent.run(message="Hello!", sessionKey="session-py")
    assert r.response and r.run_id
    assert r.session_key.endswith("session-py")
    assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens
    events = list(c.agent.stream(message="Hello!", session_key="session-py"))
    deltas = [e.delta for e in events if e.type == "delta"]
    assert len(deltas) > 1 and "".join(deltas) == r.response
    assert events[-1].type == "done" and events[-1].data["finishReason"] == "stop"


def test_chat_completions_pass_through(gateway):
    c = client(gateway)
    done = c.chat.create(model="openclaw", messages=[{"role": "user", "content": "hi"}])
    assert done["object"] == "chat.completion"
    text = done["choices"][0]["message"]["content"]
    chunks = list(c.chat.create(model="openclaw", messages=[{"role": "user", "content": "hi"}], stream=True))
    assert all(ch["object"] == "chat.completion.chunk" for ch in chunks)
    assert "".join((ch["choices"][0]["delta"].get("content") or "") for ch in chunks if ch["choices"]) == text


def test_the_seed_names_are_the_same_client(gateway):
    assert OpenClaw is Clawgate and OpenClawClient is Clawgate
    c = OpenClaw(baseUrl=gateway.base + "/v1", token=gateway.token)
    assert c.options.base_url == gateway.base
    assert c.status().status == "running"
