"""The synchronous client, :class:`Clawgate` (also exported as ``OpenClaw``)."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional

import httpx

from . import _specs as specs
from ._base import Options, Spec, agent_event, chat_chunk, error_for, message_chunk, result_of, backoff, sse_events, decode
from .errors import APIConnectionError, APITimeoutError, APIError
from .types import (
    AgentEvent, AgentRunResult, CreatedSession, GatewayStatus, Memory, MemoryRecord, MessageResponse, Session, Skill,
    SkillResult,
)


if TYPE_CHECKING:
    from .ws import GatewaySocket


class Clawgate:
    """A synchronous client for one gateway.

    Example::

        client = Clawgate(base_url="http://localhost:18789", token="...")
        print(client.message.send(text="hi").text)

    Args:
        base_url: the gateway root (a trailing ``/v1`` is ignored). Also accepted as ``baseUrl``.
        token: the gateway token (``gateway.auth.token``); or ``password`` in password mode.
        timeout: seconds for each request (connect, read and write), default 300.
        max_retries: how often a 429 or 503 answer is retried (after ``Retry-After`` or an
            exponential backoff), default 2.
        headers: extra headers for every request.
        on_retry: called as ``on_retry(attempt, error, delay)`` before each retry.
        http_client: an ``httpx.Client`` to use instead of the client's own.
    """

    def __init__(self, base_url: Optional[str] = None, token: Optional[str] = None, *, password: Optional[str] = None,
                 timeout: float = 300.0, max_retries: int = 2, max_retry_delay: float = 30.0,
                 headers: Optional[Dict[str, str]] = None, on_retry: Any = None,
                 http_client: Optional[httpx.Client] = None, **kw: Any):
        base_url = base_url or kw.pop("baseUrl", None) or "http://127.0.0.1:18789"
        if kw:
            raise TypeError(f"unexpected arguments: {', '.join(kw)}")
        self.options = Options(base_url, token, password, timeout, max_retries, max_retry_delay, dict(headers or {}), on_retry)
        self._http = http_client or httpx.Client(timeout=timeout)
        self._own_http = http_client is None
        self.message = MessageResource(self)
        self.sessions = SessionsResource(self)
        self.memory = MemoryResource(self)
        self.skills = SkillsResource(self)
        self.config = ConfigResource(self)
        self.agent = AgentResource(self)
        self.chat = ChatResource(self)

    def __enter__(self) -> "Clawgate":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Closes the connection pool (when the client created it)."""
        if self._own_http:
            self._http.close()

    def status(self) -> GatewayStatus:
        """``GET /api/v1/status``: gateway status, version, uptime, model and session counts."""
        return self.request(specs.status())

    def ws(self, *, scopes: Optional[List[str]] = None) -> "GatewaySocket":
        """A WebSocket client speaking OpenClaw's protocol 4 (see :class:`clawgate.ws.GatewaySocket`);
        use it as a context manager."""
        from .ws import GatewaySocket

        return GatewaySocket(self.options, scopes=scopes)

    # -- transport ---------------------------------------------------------------------------

    def _send(self, spec: Spec, stream: bool) -> httpx.Response:
        attempt = 0
        while True:
            attempt += 1
            req = self._http.build_request(
                spec.method, self.options.base_url + spec.path, json=spec.json, params=spec.params,
                headers=self.options.default_headers(), timeout=spec.timeout or self.options.timeout,
            )
            try:
                resp = self._http.send(req, stream=stream)
            except httpx.TimeoutException as e:
                raise APITimeoutError(f"request timed out: {spec.method} {spec.path}") from e
            except httpx.TransportError as e:
                raise APIConnectionError(f"cannot reach the gateway: {e}") from e
            if resp.status_code < 400:
                return resp
            if stream:
                resp.read()
                resp.close()
            err = error_for(resp.status_code, resp.text, resp.headers)
            delay = backoff(attempt, err, self.options)
            if delay is None:
                raise err
            if self.options.on_retry:
                self.options.on_retry(attempt, err, delay)
            time.sleep(delay)

    def request(self, spec: Spec) -> Any:
        """Sends ``spec`` (retrying 429/503) and returns its parsed result."""
        resp = self._send(spec, stream=False)
        return result_of(spec, decode(resp.text))

    def _events(self, spec: Spec) -> Iterator[tuple]:
        """Sends ``spec`` now (so HTTP errors raise here) and returns its SSE events."""
        return _sse(self._send(spec, stream=True))


def _sse(resp: httpx.Response) -> Iterator[tuple]:
    try:
        yield from sse_events(resp.iter_lines())
    except httpx.TimeoutException as e:
        raise APITimeoutError("stream timed out") from e
    except httpx.TransportError as e:
        raise APIConnectionError(f"stream broken: {e}") from e
    finally:
        resp.close()


def _message_chunks(events: Iterator[tuple]) -> Iterator[str]:
    for event, data in events:
        chunk = message_chunk(event, data)
        if chunk is None:
            return
        if chunk:
            yield chunk


def _agent_events(events: Iterator[tuple]) -> Iterator[AgentEvent]:
    for event, data in events:
        kind, payload = agent_event(event, data)
        yield AgentEvent(kind, payload)
        if kind == "done":
            return


def _chat_chunks(events: Iterator[tuple]) -> Iterator[Dict[str, Any]]:
    for _event, data in events:
        chunk = chat_chunk(data)
        if chunk is None:
            return
        yield chunk


class MessageResource:
    """Seed 001's message API (``/api/v1/message``)."""

    def __init__(self, client: Clawgate):
        self._c = client

    def send(self, text: str, session: Optional[str] = None, *, model: Optional[str] = None) -> MessageResponse:
        """Sends ``text`` to the default agent in ``session`` (default ``default``) and waits for
        the reply; ``model`` picks a configured ``provider/model``."""
        return self._c.request(specs.message_send(text, session, model))

    def stream(self, text: str, session: Optional[str] = None, *, model: Optional[str] = None) -> Iterator[str]:
        """Like :meth:`send`, but returns an iterator of the reply's text chunks as they
        arrive (the request is sent, and HTTP errors raised, before this returns)."""
        return _message_chunks(self._c._events(specs.message_stream(text, session, model)))


class SessionsResource:
    """The default agent's sessions (``/api/v1/sessions``)."""

    def __init__(self, client: Clawgate):
        self._c = client

    def list(self, limit: Optional[int] = None) -> List[Session]:
        """Most recently used first (``limit`` 1-1000, default 50)."""
        return self._c.request(specs.sessions_list(limit))

    def create(self, label: Optional[str] = None, model: Optional[str] = None) -> CreatedSession:
        """Creates a session; ``model`` applies to all its turns."""
        return self._c.request(specs.sessions_create(label, model))

    def delete(self, session_id: str) -> bool:
        """Deletes a session (by ``id``/``session_id`` or full key); aborts its running turns."""
        return self._c.request(specs.sessions_delete(session_id))


class MemoryResource:
    """The agent's memory (``/api/v1/memory``)."""

    def __init__(self, client: Clawgate):
        self._c = client

    def search(self, query: str, limit: Optional[int] = None, *, min_score: Optional[float] = None,
               agent_id: Optional[str] = None) -> List[Memory]:
        """Searches the notes; each hit has ``.content``, ``.score``, ``.path``."""
        return self._c.request(specs.memory_search(query, limit, min_score, agent_id))

    def add(self, content: str, tags: Optional[List[str]] = None, type: Optional[str] = None) -> MemoryRecord:
        """Appends a note to today's memory file (``type="long-term"``: ``MEMORY.md``); it is
        searchable when this returns."""
        return self._c.request(specs.memory_add(content, tags, type))


class SkillsResource:
    """Skills (``/api/v1/skills``)."""

    def __init__(self, client: Clawgate):
        self._c = client

    def list(self, agent_id: Optional[str] = None) -> List[Skill]:
        """The skills an agent sees, with eligibility."""
        return self._c.request(specs.skills_list(agent_id))

    def execute(self, name: str, args: Any = None, *, session: Optional[str] = None,
                agent_id: Optional[str] = None) -> SkillResult:
        """Runs a skill with ``args``."""
        return self._c.request(specs.skills_execute(name, args, session, agent_id))


class ConfigResource:
    """The running configuration, secrets redacted (``/api/v1/config``)."""

    def __init__(self, client: Clawgate):
        self._c = client

    def get(self, path: str = "gateway") -> Any:
        """One part of the configuration by dot path (``gateway.auth.mode``, ``agents.list.0``)."""
        return self._c.request(specs.config_get(path))


class AgentResource:
    """Seed 003's agent API (``/v1/agent/run``)."""

    def __init__(self, client: Clawgate):
        self._c = client

    def run(self, message: str, session_key: Optional[str] = None, *, agent_id: Optional[str] = None,
            options: Optional[Dict[str, Any]] = None, **kw: Any) -> AgentRunResult:
        """Runs one agent turn and returns its reply (``.response``) and usage. ``options`` may
        hold ``thinking``, ``model``, ``timeoutSeconds``. ``sessionKey`` is accepted too."""
        session_key = session_key or kw.pop("sessionKey", None)
        agent_id = agent_id or kw.pop("agentId", None)
        return self._c.request(specs.agent_run(message, session_key, agent_id, options))

    def stream(self, message: str, session_key: Optional[str] = None, *, agent_id: Optional[str] = None,
               options: Optional[Dict[str, Any]] = None, **kw: Any) -> Iterator[AgentEvent]:
        """Runs one agent turn, yielding its events (``delta``, ``tool.call``, ``tool.result``,
        ``done``)."""
        session_key = session_key or kw.pop("sessionKey", None)
        agent_id = agent_id or kw.pop("agentId", None)
        return _agent_events(self._c._events(specs.agent_stream(message, session_key, agent_id, options)))


class ChatResource:
    """Pass-through to the OpenAI-compatible ``/v1/chat/completions``."""

    def __init__(self, client: Clawgate):
        self._c = client

    def create(self, *, model: str = "openclaw", messages: List[Dict[str, Any]], stream: bool = False,
               **fields: Any) -> Any:
        """Sends a chat completion request as is. Returns the completion object, or with
        ``stream=True`` an iterator of chunk objects."""
        body = dict(fields, model=model, messages=messages)
        if not stream:
            return self._c.request(specs.chat(body))
        body["stream"] = True
        return _chat_chunks(self._c._events(specs.chat(body)))


OpenClaw = Clawgate
