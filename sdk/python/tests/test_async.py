"""The asyncio client against the real gateway."""
import asyncio
import uuid

from clawgate import AsyncClawgate, NotFoundError


def run(coro):
    return asyncio.run(coro)


def test_async_message_send_and_stream(gateway):
    async def go():
        async with AsyncClawgate(base_url=gateway.base, token=gateway.token) as c:
            whole = (await c.message.send(text="async hi", session="py-async")).text
            chunks = [ch async for ch in await c.message.stream(text="async hi", session="py-async-2")]
            return whole, chunks
    whole, chunks = run(go())
    assert len(chunks) > 1 and "".join(chunks) == whole


def test_async_resources(gateway):
    async def go():
        async with AsyncClawgate(base_url=gateway.base, token=gateway.token) as c:
            s = await c.sessions.create(label="async")
            listed = await c.sessions.list()
            deleted = await c.sessions.delete(s.session_id)
            word = "okapi" + uuid.uuid4().hex[:8]
            await c.memory.add(content=f"an {word} note")
            hits = await c.memory.search(query=word)
            skills = await c.skills.list()
            status = await c.status()
            mode = await c.config.get("gateway.auth.mode")
            run_ = await c.agent.run(message="Hello!", session_key="async-agent")
            events = [e async for e in await c.agent.stream(message="Hello!", session_key="async-agent")]
            chat = await c.chat.create(messages=[{"role": "user", "content": "hi"}])
            try:
                await c.sessions.delete("session_missing")
                missing = None
            except NotFoundError as e:
                missing = e
            return s, listed, deleted, word, hits, skills, status, mode, run_, events, chat, missing
    s, listed, deleted, word, hits, skills, status, mode, run_, events, chat, missing = run(go())
    assert any(x.id == s.session_id for x in listed) and deleted is True
    assert word in hits[0].content
    assert "greeter" in [k.name for k in skills]
    assert status.status == "running" and mode == "token"
    assert "".join(e.delta for e in events) == run_.response and events[-1].type == "done"
    assert chat["choices"][0]["message"]["content"]
    assert missing is not None and missing.status == 404 and missing.code == "not_found"
