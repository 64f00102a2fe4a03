"""What the sync and async clients share: options, request descriptions (:class:`Spec`),
response decoding, the retry policy and the Server-Sent-Events parser."""
from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Dict, Iterable, Iterator, Optional, Tuple
from urllib.parse import quote

from .errors import APIError, StreamError, error_from_response

DEFAULT_BASE_URL = "http://127.0.0.1:18789"
DEFAULT_TIMEOUT = 300.0
RETRY_STATUSES = frozenset({429, 503})
VERSION = "0.1.0"


@dataclass
class Options:
    """Client settings. ``base_url`` is the gateway root (``http://host:18789``, without
    ``/v1``); ``token`` (or ``password``) is sent as ``Authorization: Bearer``."""

    base_url: str = DEFAULT_BASE_URL
    token: Optional[str] = None
    password: Optional[str] = None
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = 2
    max_retry_delay: float = 30.0
    headers: Dict[str, str] = field(default_factory=dict)
    on_retry: Optional[Callable[[int, APIError, float], None]] = None

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        if self.base_url.endswith("/v1"):
            self.base_url = self.base_url[: -len("/v1")]

    def default_headers(self) -> Dict[str, str]:
        h = {"User-Agent": f"clawgate-python/{VERSION}", "Accept": "application/json"}
        secret = self.token or self.password
        if secret:
            h["Authorization"] = f"Bearer {secret}"
        h.update(self.headers)
        return h

    @property
    def ws_url(self) -> str:
        """The gateway's WebSocket URL (``ws://`` or ``wss://``)."""
        if self.base_url.startswith("https://"):
            return "wss://" + self.base_url[len("https://"):]
        return "ws://" + self.base_url[len("http://"):] if self.base_url.startswith("http://") else self.base_url


@dataclass
class Spec:
    """One HTTP call: method, path, body/query, and how to turn the JSON answer into a result.
    ``envelope`` unwraps ``/api/v1``'s ``{"success": true, "data": ...}``."""

    method: str
    path: str
    json: Any = None
    params: Optional[Dict[str, Any]] = None
    parse: Callable[[Any], Any] = lambda v: v
    envelope: bool = False
    timeout: Optional[float] = None


def seg(s: str) -> str:
    """Percent-encodes one path segment."""
    return quote(s, safe="")


def drop_none(d: Dict[str, Any]) -> Dict[str, Any]:
    """``d`` without the keys whose value is ``None``."""
    return {k: v for k, v in d.items() if v is not None}


def retry_after_seconds(value: Optional[str]) -> Optional[float]:
    """Reads a ``Retry-After`` header (seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        import datetime as _dt

        when = parsedate_to_datetime(value)
        return max(0.0, (when - _dt.datetime.now(when.tzinfo)).total_seconds())
    except (TypeError, ValueError):
        return None


def decode(text: str) -> Any:
    """JSON if it parses, else the text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def error_for(status: int, text: str, headers: Any) -> APIError:
    """The exception for an error answer."""
    return error_from_response(status, decode(text), retry_after_seconds(headers.get("retry-after")))


def result_of(spec: Spec, body: Any) -> Any:
    """Applies ``spec``'s envelope and parser to a successful answer."""
    if spec.envelope and isinstance(body, dict) and "success" in body:
        body = body.get("data")
    return spec.parse(body)


def backoff(attempt: int, err: APIError, opts: Options) -> Optional[float]:
    """Seconds to wait before retry ``attempt`` (1-based) of a request that failed with
    ``err``, or ``None`` when it should not be retried: only 429 and 503 are, at most
    ``max_retries`` times, after ``Retry-After`` when the gateway sent one (capped by
    ``max_retry_delay``), else after an exponential delay with jitter."""
    if err.status not in RETRY_STATUSES or attempt > opts.max_retries:
        return None
    if err.retry_after is not None:
        return min(err.retry_after, opts.max_retry_delay)
    return min(0.5 * 2 ** (attempt - 1), opts.max_retry_delay) * (0.75 + random.random() / 2)


def sse_events(lines: Iterable[str]) -> Iterator[Tuple[str, str]]:
    """Parses Server-Sent Events from text lines into ``(event, data)`` pairs (``event`` is
    ``"message"`` when the server named none); comments are skipped."""
    event, data = "message", []
    for raw in lines:
        line = raw.rstrip("\r")
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = "message", []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
    if data:
        yield event, "\n".join(data)


class SseDecoder:
    """Incremental version of :func:`sse_events` for async line sources."""

    def __init__(self) -> None:
        self.event, self.data = "message", []

    def feed(self, raw: str) -> Optional[Tuple[str, str]]:
        """Feeds one line; returns a finished ``(event, data)`` pair, if any."""
        line = raw.rstrip("\r")
        if not line:
            out = (self.event, "\n".join(self.data)) if self.data else None
            self.event, self.data = "message", []
            return out
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            self.event = value
        elif name == "data":
            self.data.append(value)
        return None

    def flush(self) -> Optional[Tuple[str, str]]:
        """The pending event at the end of the stream, if any."""
        return self.feed("")


def message_chunk(event: str, data: str) -> Optional[str]:
    """A ``/api/v1/message/stream`` event → its text chunk, ``None`` at ``[DONE]``; raises
    :class:`StreamError` for the envelope error a failed run sends."""
    if data == "[DONE]":
        return None
    v = decode(data)
    if isinstance(v, dict) and v.get("success") is False:
        err = v.get("error") or {}
        raise StreamError(200, err.get("code"), err.get("message", "stream failed"), body=v)
    return v.get("chunk", "") if isinstance(v, dict) else ""


def agent_event(event: str, data: str) -> Tuple[str, Dict[str, Any]]:
    """A ``/v1/agent/run/stream`` event → ``(type, payload)``; raises :class:`StreamError` for
    ``event: error``."""
    v = decode(data)
    payload = v if isinstance(v, dict) else {"value": v}
    if event == "error":
        err = payload.get("error", payload)
        raise StreamError(200, err.get("code"), err.get("message", "run failed"), body=payload)
    return event, payload


def chat_chunk(data: str) -> Optional[Dict[str, Any]]:
    """A ``/v1/chat/completions`` stream event → the chunk object, ``None`` at ``[DONE]``."""
    if data == "[DONE]":
        return None
    v = decode(data)
    if isinstance(v, dict) and "error" in v and "choices" not in v:
        err = v["error"] if isinstance(v["error"], dict) else {"message": str(v["error"])}
        raise StreamError(200, err.get("code"), err.get("message", "stream failed"), body=v)
    return v
