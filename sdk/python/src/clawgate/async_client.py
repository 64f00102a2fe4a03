"""The asynchronous client, :class:`AsyncClawgate` (also exported as ``AsyncOpenClaw``): the
same resources as :class:`clawgate.Clawgate`, awaitable; streams are async iterators."""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, AsyncIterator, Dict, List, Optional

import httpx

from . import _specs as specs
from ._base import Options, SseDecoder, Spec, agent_event, backoff, chat_chunk, decode, error_for, message_chunk, result_of
from .errors import APIConnectionError, APITimeoutError
from .types import (
    AgentEvent, AgentRunResult, CreatedSession, GatewayStatus, Memory, MemoryRecord, MessageResponse, Session, Skill,
    SkillResult,
)


if TYPE_CHECKING:
    from .ws import AsyncGatewaySocket


class AsyncClawgate:
    """An asyncio client for one gateway; arguments as :class:`clawgate.Clawgate` (with an
    ``httpx.AsyncClient`` as ``http_client``).

    Example::

        async with AsyncClawgate(base_url="http://localhost:18789", token="...") as client:
            async for chunk in await client.message.stream(text="hi"):
                print(chunk, end="")
    """

    def __init__(self, base_url: Optional[str] = None, token: Optional[str] = None, *, password: Optional[str] = None,
                 timeout: float = 300.0, max_retries: int = 2, max_retry_delay: float = 30.0,
                 headers: Optional[Dict[str, str]] = None, on_retry: Any = None,
                 http_client: Optional[httpx.AsyncClient] = None, **kw: Any):
        base_url = base_url or kw.pop("baseUrl", None) or "http://127.0.0.1:18789"
        if kw:
            raise TypeError(f"unexpected arguments: {', '.join(kw)}")
        self.options = Options(base_url, token, password, timeout, max_retries, max_retry_delay, dict(headers or {}), on_retry)
        self._http = http_client or httpx.AsyncClient(timeout=timeout)
        self._own_http = http_client is None
        self.message = AsyncMessageResource(self)
        self.sessions = AsyncSessionsResource(self)
        self.memory = AsyncMemoryResource(self)
        self.skills = AsyncSkillsResource(self)
        self.config = AsyncConfigResource(self)
        self.agent = AsyncAgentResource(self)
        self.chat = AsyncChatResource(self)

    async def __aenter__(self) -> "AsyncClawgate":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def close(self) -> None:
        """Closes the connection pool (when the client created it)."""
        if self._own_http:
            await self._http.aclose()

    async def status(self) -> GatewayStatus:
        """``GET /api/v1/status``."""
        return await self.request(specs.status())

    def ws(self, *, scopes: Optional[List[str]] = None) -> "AsyncGatewaySocket":
        """An asyncio WebSocket client for OpenClaw's protocol 4; ``async with client.ws() as ws``."""
        from .ws import AsyncGatewaySocket

        return AsyncGatewaySocket(self.options, scopes=scopes)

    async def _send(self, spec: Spec, stream: bool) -> httpx.Response:
        attempt = 0
        while True:
            attempt += 1
            req = self._http.build_request(
                spec.method, self.options.base_url + spec.path, json=spec.json, params=spec.params,
                headers=self.options.default_headers(), timeout=spec.timeout or self.options.timeout,
            )
            try:
                resp = await self._http.send(req, stream=stream)
            except httpx.TimeoutException as e:
                raise APITimeoutError(f"request timed out: {spec.method} {spec.path}") from e
            except httpx.TransportError as e:
                raise APIConnectionError(f"cannot reach the gateway: {e}") from e
            if resp.status_code < 400:
                return resp
            if stream:
                await resp.aread()
                await resp.aclose()
            err = error_for(resp.status_code, resp.text, resp.headers)
            delay = backoff(attempt, err, self.options)
            if delay is None:
                raise err
            if self.options.on_retry:
                self.options.on_retry(attempt, err, delay)
            await asyncio.sleep(delay)

    async def request(self, spec: Spec) -> Any:
        """Sends ``spec`` (retrying 429/503) and returns its parsed result."""
        resp = await self._send(spec, stream=False)
        return result_of(spec, decode(resp.text))

    async def _events(self, spec: Spec) -> AsyncIterator[tuple]:
        return _sse(await self._send(spec, stream=True))


async def _sse(resp: httpx.Response) -> AsyncIterator[tuple]:
    dec = SseDecoder()
    try:
        async for line in resp.aiter_lines():
            ev = dec.feed(line)
            if ev:
                yield ev
        ev = dec.flush()
        if ev:
            yield ev
    except httpx.TimeoutException as e:
        raise APITimeoutError("stream timed out") from e
    except httpx.TransportError as e:
        raise APIConnectionError(f"stream broken: {e}") from e
    finally:
        await resp.aclose()


async def _message_chunks(events: AsyncIterator[tuple]) -> AsyncIterator[str]:
    async for event, data in events:
        chunk = message_chunk(event, data)
        if chunk is None:
            return
        if chunk:
            yield chunk


async def _agent_events(events: AsyncIterator[tuple]) -> AsyncIterator[AgentEvent]:
    async for event, data in events:
        kind, payload = agent_event(event, data)
        yield AgentEvent(kind, payload)
        if kind == "done":
            return


async def _chat_chunks(events: AsyncIterator[tuple]) -> AsyncIterator[Dict[str, Any]]:
    async for _event, data in events:
        chunk = chat_chunk(data)
        if chunk is None:
            return
        yield chunk


class AsyncMessageResource:
    """Seed 001's message API, async."""

    def __init__(self, client: AsyncClawgate):
        self._c = client

    async def send(self, text: str, session: Optional[str] = None, *, model: Optional[str] = None) -> MessageResponse:
        """See :meth:`clawgate.client.MessageResource.send`."""
        return await self._c.request(specs.message_send(text, session, model))

    async def stream(self, text: str, session: Optional[str] = None, *, model: Optional[str] = None) -> AsyncIterator[str]:
        """Sends the message; returns an async iterator of text chunks."""
        return _message_chunks(await self._c._events(specs.message_stream(text, session, model)))


class AsyncSessionsResource:
    """The default agent's sessions, async."""

    def __init__(self, client: AsyncClawgate):
        self._c = client

    async def list(self, limit: Optional[int] = None) -> List[Session]:
        """Most recently used first."""
        return await self._c.request(specs.sessions_list(limit))

    async def create(self, label: Optional[str] = None, model: Optional[str] = None) -> CreatedSession:
        """Creates a session."""
        return await self._c.request(specs.sessions_create(label, model))

    async def delete(self, session_id: str) -> bool:
        """Deletes a session."""
        return await self._c.request(specs.sessions_delete(session_id))


class AsyncMemoryResource:
    """The agent's memory, async."""

    def __init__(self, client: AsyncClawgate):
        self._c = client

    async def search(self, query: str, limit: Optional[int] = None, *, min_score: Optional[float] = None,
                     agent_id: Optional[str] = None) -> List[Memory]:
        """Searches the notes."""
        return await self._c.request(specs.memory_search(query, limit, min_score, agent_id))

    async def add(self, content: str, tags: Optional[List[str]] = None, type: Optional[str] = None) -> MemoryRecord:
        """Appends a note."""
        return await self._c.request(specs.memory_add(content, tags, type))


class AsyncSkillsResource:
    """Skills, async."""

    def __init__(self, client: AsyncClawgate):
        self._c = client

    async def list(self, agent_id: Optional[str] = None) -> List[Skill]:
        """The skills an agent sees."""
        return await self._c.request(specs.skills_list(agent_id))

    async def execute(self, name: str, args: Any = None, *, session: Optional[str] = None,
                      agent_id: Optional[str] = None) -> SkillResult:
        """Runs a skill."""
        return await self._c.request(specs.skills_execute(name, args, session, agent_id))


class AsyncConfigResource:
    """The running configuration, async."""

    def __init__(self, client: AsyncClawgate):
        self._c = client

    async def get(self, path: str = "gateway") -> Any:
        """One part of the configuration by dot path."""
        return await self._c.request(specs.config_get(path))


class AsyncAgentResource:
    """Seed 003's agent API, async."""

    def __init__(self, client: AsyncClawgate):
        self._c = client

    async def run(self, message: str, session_key: Optional[str] = None, *, agent_id: Optional[str] = None,
                  options: Optional[Dict[str, Any]] = None, **kw: Any) -> AgentRunResult:
        """Runs one agent turn."""
        session_key = session_key or kw.pop("sessionKey", None)
        agent_id = agent_id or kw.pop("agentId", None)
        return await self._c.request(specs.agent_run(message, session_key, agent_id, options))

    async def stream(self, message: str, session_key: Optional[str] = None, *, agent_id: Optional[str] = None,
                     options: Optional[Dict[str, Any]] = None, **kw: Any) -> AsyncIterator[AgentEvent]:
        """Runs one agent turn; returns an async iterator of its events."""
        session_key = session_key or kw.pop("sessionKey", None)
        agent_id = agent_id or kw.pop("agentId", None)
        return _agent_events(await self._c._events(specs.agent_stream(message, session_key, agent_id, options)))


class AsyncChatResource:
    """Pass-through to ``/v1/chat/completions``, async."""

    def __init__(self, client: AsyncClawgate):
        self._c = client

    async def create(self, *, model: str = "openclaw", messages: List[Dict[str, Any]], stream: bool = False,
                     **fields: Any) -> Any:
        """The completion object, or with ``stream=True`` an async iterator of chunks."""
        body = dict(fields, model=model, messages=messages)
        if not stream:
            return await self._c.request(specs.chat(body))
        body["stream"] = True
        return _chat_chunks(await self._c._events(specs.chat(body)))


AsyncOpenClaw = AsyncClawgate
