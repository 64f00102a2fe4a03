"""Exceptions raised by the clients.

Every failed HTTP answer becomes an :class:`APIError` subclass chosen by status. The gateway
answers errors in three shapes (the ``/api/v1`` envelope ``{"success": false, "error": {code,
message}}``, seed 003's ``{"error": {code, message, type, param}}`` and OpenAI's ``{"error":
{message, type, param, code}}``); all three are read into ``code`` and ``message``.
"""
from __future__ import annotations

from typing import Any, Optional


class ClawgateError(Exception):
    """Base class of everything this package raises."""


class APIConnectionError(ClawgateError):
    """The gateway could not be reached (refused, reset, DNS)."""


class APITimeoutError(APIConnectionError):
    """The request did not complete within the client's timeout."""


class APIError(ClawgateError):
    """The gateway answered with an error status.

    Attributes:
        status: the HTTP status code.
        code: the machine-readable error code (``unauthorized``, ``not_found``, ...), if any.
        message: the human-readable message.
        retry_after: seconds the gateway asked to wait (``Retry-After``), if it said.
        body: the decoded JSON body (or the raw text when it was not JSON).
    """

    def __init__(self, status: int, code: Optional[str], message: str, *, retry_after: Optional[float] = None, body: Any = None):
        super().__init__(f"{status} {code or 'error'}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after
        self.body = body


class BadRequestError(APIError):
    """400: the request was malformed or named something invalid."""


class AuthenticationError(APIError):
    """401: missing or wrong token/password."""


class PermissionDeniedError(APIError):
    """403: authenticated, but not allowed (e.g. deleting a main session)."""


class NotFoundError(APIError):
    """404: no such session, skill, model or path."""


class ConflictError(APIError):
    """409: the resource is in a state that forbids the operation (e.g. a disabled skill)."""


class RateLimitError(APIError):
    """429: over a rate or concurrency limit; ``retry_after`` says when to come back."""


class ServerError(APIError):
    """5xx: the gateway or its model upstream failed."""


class StreamError(APIError):
    """A stream reported a failure after it had started (status 200, error event)."""


class GatewayCallError(ClawgateError):
    """A WebSocket ``call`` answered ``ok: false``.

    Attributes:
        code: OpenClaw's error code (``INVALID_REQUEST``, ``UNAVAILABLE``, ...).
        message: the message.
        details: the error's ``details`` object, if any.
    """

    def __init__(self, code: str, message: str, details: Any = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details = details


_BY_STATUS = {400: BadRequestError, 401: AuthenticationError, 403: PermissionDeniedError, 404: NotFoundError, 409: ConflictError, 429: RateLimitError}


def error_from_response(status: int, body: Any, retry_after: Optional[float]) -> APIError:
    """Builds the exception for an error answer with ``status`` and decoded ``body``."""
    code, message = None, f"HTTP {status}"
    err = body.get("error") if isinstance(body, dict) else None
    if isinstance(err, dict):
        code = err.get("code") or err.get("type")
        message = err.get("message") or message
    elif isinstance(err, str):
        message = err
    elif isinstance(body, str) and body:
        message = body
    cls = _BY_STATUS.get(status, ServerError if status >= 500 else APIError)
    return cls(status, code, message, retry_after=retry_after, body=body)
