"""Python client for the clawgate gateway (OpenClaw-compatible).

``Clawgate`` (alias ``OpenClaw``) is the synchronous client, ``AsyncClawgate`` (alias
``AsyncOpenClaw``) the asyncio one; ``client.ws()`` opens a WebSocket client for OpenClaw's
protocol 4. Errors are :mod:`clawgate.errors` exceptions.
"""
from ._base import VERSION as __version__
from .async_client import AsyncClawgate, AsyncOpenClaw
from .client import Clawgate, OpenClaw
from .errors import (
    APIConnectionError, APIError, APITimeoutError, AuthenticationError, BadRequestError, ClawgateError, ConflictError,
    GatewayCallError, NotFoundError, PermissionDeniedError, RateLimitError, ServerError, StreamError,
)
from .types import (
    AgentEvent, AgentRunResult, AgentUsage, CreatedSession, GatewayEvent, GatewayStatus, Memory, MemoryRecord,
    MessageResponse, Session, Skill, SkillResult, Usage,
)
from .ws import AsyncGatewaySocket, GatewaySocket

OpenClawClient = Clawgate

__all__ = [
    "APIConnectionError", "APIError", "APITimeoutError", "AgentEvent", "AgentRunResult", "AgentUsage", "AsyncClawgate",
    "AsyncGatewaySocket", "AsyncOpenClaw", "AuthenticationError", "BadRequestError", "Clawgate", "ClawgateError",
    "ConflictError", "CreatedSession", "GatewayCallError", "GatewayEvent", "GatewaySocket", "GatewayStatus", "Memory",
    "MemoryRecord", "MessageResponse", "NotFoundError", "OpenClaw", "OpenClawClient", "PermissionDeniedError",
    "RateLimitError", "ServerError", "Session", "Skill", "SkillResult", "StreamError", "Usage", "__version__",
]
