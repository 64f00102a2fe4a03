"""WebSocket clients for OpenClaw's gateway protocol (version 4), sync and asyncio.

The gateway opens with a ``connect.challenge`` event; the client answers with a ``connect``
request (role ``operator``, the requested scopes, the token or password) and gets
``hello-ok``. After that :meth:`GatewaySocket.call` sends ``{"type":"req"}`` frames and
returns the matching ``res`` payload, and events (``chat``, ``agent``, ``tick``, ...) are kept
in arrival order for :meth:`GatewaySocket.events` / :meth:`GatewaySocket.next_event`.

Frames are read on demand (no background thread): a ``call`` reads until its answer and keeps
the events it passes; one call at a time per socket.
"""
from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from collections import deque
from typing import Any, AsyncIterator, Deque, Dict, Iterator, List, Optional

from ._base import VERSION, Options
from .errors import APIConnectionError, APITimeoutError, GatewayCallError
from .types import GatewayEvent

PROTOCOL = 4
DEFAULT_SCOPES = ["operator.read", "operator.write"]


def _connect_params(opts: Options, scopes: List[str]) -> Dict[str, Any]:
    auth = {"password": opts.password} if opts.password and not opts.token else {"token": opts.token or ""}
    return {
        "minProtocol": PROTOCOL, "maxProtocol": PROTOCOL,
        "client": {"id": "gateway-client", "version": VERSION, "platform": sys.platform, "mode": "backend",
                   "instanceId": str(uuid.uuid4())},
        "caps": [], "auth": auth, "role": "operator", "scopes": scopes,
    }


def _req(method: str, params: Any) -> tuple:
    rid = str(uuid.uuid4())
    return rid, json.dumps({"type": "req", "id": rid, "method": method, "params": params if params is not None else {}})


def _raise_for(res: Dict[str, Any]) -> Any:
    if res.get("ok"):
        return res.get("payload")
    err = res.get("error") or {}
    raise GatewayCallError(err.get("code", "UNKNOWN"), err.get("message", "call failed"), err.get("details"))


class _Frames:
    """Sorts incoming frames: answers by request id, events into a queue."""

    def __init__(self) -> None:
        self.events: Deque[GatewayEvent] = deque()
        self.answers: Dict[str, Deque[Dict[str, Any]]] = {}

    def take(self, text: Any) -> None:
        v = json.loads(text)
        if v.get("type") == "res":
            self.answers.setdefault(v.get("id"), deque()).append(v)
        elif v.get("type") == "event":
            self.events.append(GatewayEvent(v.get("event", ""), v.get("payload"), v.get("seq")))

    def answer(self, rid: str, final: bool) -> Optional[Dict[str, Any]]:
        q = self.answers.get(rid)
        while q:
            res = q.popleft()
            if final and res.get("ok") and isinstance(res.get("payload"), dict) and res["payload"].get("status") == "accepted":
                continue
            return res
        return None

    def event(self, names: tuple) -> Optional[GatewayEvent]:
        for i, ev in enumerate(self.events):
            if not names or ev.event in names:
                del self.events[i]
                return ev
        return None


class GatewaySocket:
    """A synchronous protocol-4 client. Use as a context manager::

        with client.ws() as ws:
            print(ws.call("health")["ok"])
            ws.call("chat.send", {"sessionKey": "main", "message": "hi", "idempotencyKey": "k1"})
            for ev in ws.events("chat"):
                if ev.payload["state"] == "final":
                    break
    """

    def __init__(self, options: Options, *, scopes: Optional[List[str]] = None, timeout: float = 30.0):
        self._opts = options
        self._scopes = list(scopes or DEFAULT_SCOPES)
        self.timeout = timeout
        self._ws: Any = None
        self._frames = _Frames()
        self.hello: Dict[str, Any] = {}

    def __enter__(self) -> "GatewaySocket":
        self.connect()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def connect(self) -> Dict[str, Any]:
        """Opens the socket and performs the handshake; returns the ``hello-ok`` payload."""
        from websockets.sync.client import connect

        try:
            self._ws = connect(self._opts.ws_url, open_timeout=self.timeout, max_size=None).__enter__()
        except (OSError, TimeoutError) as e:
            raise APIConnectionError(f"cannot open the WebSocket: {e}") from e
        try:
            first = json.loads(self._ws.recv(timeout=self.timeout))
            if first.get("event") != "connect.challenge":
                raise GatewayCallError("PROTOCOL", f"expected connect.challenge, got {first}")
            self.hello = self.call("connect", _connect_params(self._opts, self._scopes))
        except BaseException:
            self.close()
            raise
        return self.hello

    def close(self) -> None:
        """Closes the socket."""
        if self._ws is not None:
            self._ws.close()
            self._ws = None

    def _read(self, deadline: float) -> None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise APITimeoutError("no answer from the gateway in time")
        try:
            self._frames.take(self._ws.recv(timeout=left))
        except TimeoutError as e:
            raise APITimeoutError("no answer from the gateway in time") from e

    def call(self, method: str, params: Any = None, *, expect_final: bool = False, timeout: Optional[float] = None) -> Any:
        """Calls ``method`` and returns the answer's payload; raises :class:`GatewayCallError`
        for ``ok: false``. ``expect_final`` skips an ``accepted`` acknowledgement and waits for
        the final answer (the ``agent`` method)."""
        rid, frame = _req(method, params)
        self._ws.send(frame)
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            res = self._frames.answer(rid, expect_final)
            if res is not None:
                return _raise_for(res)
            self._read(deadline)

    def next_event(self, *names: str, timeout: Optional[float] = None) -> GatewayEvent:
        """The next event (named one of ``names``, if given), waiting up to ``timeout``."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            ev = self._frames.event(names)
            if ev is not None:
                return ev
            self._read(deadline)

    def events(self, *names: str, timeout: Optional[float] = None) -> Iterator[GatewayEvent]:
        """Events named one of ``names`` (all when empty), as they arrive."""
        while True:
            yield self.next_event(*names, timeout=timeout)


class AsyncGatewaySocket:
    """The asyncio version of :class:`GatewaySocket` (``async with client.ws() as ws``)."""

    def __init__(self, options: Options, *, scopes: Optional[List[str]] = None, timeout: float = 30.0):
        self._opts = options
        self._scopes = list(scopes or DEFAULT_SCOPES)
        self.timeout = timeout
        self._ws: Any = None
        self._frames = _Frames()
        self._lock = asyncio.Lock()
        self.hello: Dict[str, Any] = {}

    async def __aenter__(self) -> "AsyncGatewaySocket":
        await self.connect()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def connect(self) -> Dict[str, Any]:
        """Opens the socket and performs the handshake; returns the ``hello-ok`` payload."""
        from websockets.asyncio.client import connect

        try:
            self._ws = await connect(self._opts.ws_url, open_timeout=self.timeout, max_size=None)
        except (OSError, TimeoutError) as e:
            raise APIConnectionError(f"cannot open the WebSocket: {e}") from e
        try:
            first = json.loads(await asyncio.wait_for(self._ws.recv(), self.timeout))
            if first.get("event") != "connect.challenge":
                raise GatewayCallError("PROTOCOL", f"expected connect.challenge, got {first}")
            self.hello = await self.call("connect", _connect_params(self._opts, self._scopes))
        except BaseException:
            await self.close()
            raise
        return self.hello

    async def close(self) -> None:
        """Closes the socket."""
        if self._ws is not None:
            await self._ws.close()
            self._ws = None

    async def _read(self, deadline: float) -> None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise APITimeoutError("no answer from the gateway in time")
        try:
            self._frames.take(await asyncio.wait_for(self._ws.recv(), left))
        except asyncio.TimeoutError as e:
            raise APITimeoutError("no answer from the gateway in time") from e

    async def call(self, method: str, params: Any = None, *, expect_final: bool = False,
                   timeout: Optional[float] = None) -> Any:
        """See :meth:`GatewaySocket.call`."""
        rid, frame = _req(method, params)
        await self._ws.send(frame)
        deadline = time.monotonic() + (timeout or self.timeout)
        async with self._lock:
            while True:
                res = self._frames.answer(rid, expect_final)
                if res is not None:
                    return _raise_for(res)
                await self._read(deadline)

    async def next_event(self, *names: str, timeout: Optional[float] = None) -> GatewayEvent:
        """See :meth:`GatewaySocket.next_event`."""
        deadline = time.monotonic() + (timeout or self.timeout)
        async with self._lock:
            while True:
                ev = self._frames.event(names)
                if ev is not None:
                    return ev
                await self._read(deadline)

    async def events(self, *names: str, timeout: Optional[float] = None) -> AsyncIterator[GatewayEvent]:
        """See :meth:`GatewaySocket.events`."""
        while True:
            yield await self.next_event(*names, timeout=timeout)
