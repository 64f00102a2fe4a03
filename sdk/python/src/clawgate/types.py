"""Typed results. Each keeps the gateway's full JSON object in ``raw`` so fields added by newer
gateways stay reachable."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional


@dataclass
class Usage:
    """Token counts of one message turn (``/api/v1/message``)."""

    input_tokens: int = 0
    output_tokens: int = 0

    @classmethod
    def from_json(cls, v: Optional[Dict[str, Any]]) -> "Usage":
        v = v or {}
        return cls(int(v.get("inputTokens") or 0), int(v.get("outputTokens") or 0))


@dataclass
class MessageResponse:
    """The answer to ``message.send``: ``text`` is the assistant's reply."""

    message_id: str
    text: str
    usage: Usage
    raw: Dict[str, Any] = field(repr=False, default_factory=dict)

    @classmethod
    def from_json(cls, v: Dict[str, Any]) -> "MessageResponse":
        return cls(v.get("messageId", ""), v.get("text", ""), Usage.from_json(v.get("usage")), v)


@dataclass
class Session:
    """A session of the default agent (``sessions.list``)."""

    id: str
    session_key: str
    label: Optional[str]
    created_at: Optional[str]
    updated_at: Optional[str]
    message_count: int
    model: Optional[str]
    raw: Dict[str, Any] = field(repr=False, default_factory=dict)

    @classmethod
    def from_json(cls, v: Dict[str, Any]) -> "Session":
        return cls(
            v.get("id", ""), v.get("sessionKey", ""), v.get("label"), v.get("createdAt"),
            v.get("updatedAt"), int(v.get("messageCount") or 0), v.get("model"), v,
        )


@dataclass
class CreatedSession:
    """The answer to ``sessions.create``; pass ``session_id`` as ``session`` to ``message.send``."""

    session_id: str
    session_key: str
    label: Optional[str]
    created_at: Optional[str]
    model: Optional[str]
    raw: Dict[str, Any] = field(repr=False, default_factory=dict)

    @classmethod
    def from_json(cls, v: Dict[str, Any]) -> "CreatedSession":
        return cls(v.get("sessionId", ""), v.get("sessionKey", ""), v.get("label"), v.get("createdAt"), v.get("model"), v)


@dataclass
class Memory:
    """One memory search hit; ``content`` is the matching text."""

    content: str
    score: float
    source: Optional[str]
    path: Optional[str]
    start_line: Optional[int]
    end_line: Optional[int]
    raw: Dict[str, Any] = field(repr=False, default_factory=dict)

    @classmethod
    def from_json(cls, v: Dict[str, Any]) -> "Memory":
        return cls(
            v.get("content", ""), float(v.get("score") or 0.0), v.get("source"), v.get("path"),
            v.get("startLine"), v.get("endLine"), v,
        )


@dataclass
class MemoryRecord:
    """Where ``memory.add`` stored a note."""

    memory_id: str
    created_at: Optional[str]
    path: Optional[str]
    raw: Dict[str, Any] = field(repr=False, default_factory=dict)

    @classmethod
    def from_json(cls, v: Dict[str, Any]) -> "MemoryRecord":
        return cls(v.get("memoryId", ""), v.get("createdAt"), v.get("path"), v)


@dataclass
class Skill:
    """A skill the default (or given) agent sees."""

    name: str
    description: str
    enabled: bool
    eligible: bool
    version: Optional[str]
    raw: Dict[str, Any] = field(repr=False, default_factory=dict)

    @classmethod
    def from_json(cls, v: Dict[str, Any]) -> "Skill":
        return cls(v.get("name", ""), v.get("description") or "", bool(v.get("enabled")), bool(v.get("eligible")), v.get("version"), v)


@dataclass
class SkillResult:
    """The answer to ``skills.execute``."""

    result: Any
    execution_time: Optional[float]
    dispatch: Optional[str]
    raw: Dict[str, Any] = field(repr=False, default_factory=dict)

    @classmethod
    def from_json(cls, v: Dict[str, Any]) -> "SkillResult":
        return cls(v.get("result"), v.get("executionTime"), v.get("dispatch"), v)


@dataclass
class GatewayStatus:
    """``GET /api/v1/status``: gateway state, model and session counts."""

    status: str
    version: str
    uptime: Optional[float]
    models: Dict[str, Any]
    sessions: Dict[str, Any]
    runs: Dict[str, Any]
    raw: Dict[str, Any] = field(repr=False, default_factory=dict)

    @classmethod
    def from_json(cls, v: Dict[str, Any]) -> "GatewayStatus":
        g = v.get("gateway") or {}
        return cls(g.get("status", ""), g.get("version", ""), g.get("uptime"), v.get("models") or {}, v.get("sessions") or {}, v.get("runs") or {}, v)


@dataclass
class AgentUsage:
    """Token counts of an agent run (seed 003's names)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    @classmethod
    def from_json(cls, v: Optional[Dict[str, Any]]) -> "AgentUsage":
        v = v or {}
        return cls(int(v.get("promptTokens") or 0), int(v.get("completionTokens") or 0), int(v.get("totalTokens") or 0))


@dataclass
class AgentRunResult:
    """The answer to ``agent.run`` (``POST /v1/agent/run``)."""

    run_id: str
    session_key: str
    response: str
    usage: AgentUsage
    raw: Dict[str, Any] = field(repr=False, default_factory=dict)

    @classmethod
    def from_json(cls, v: Dict[str, Any]) -> "AgentRunResult":
        return cls(v.get("runId", ""), v.get("sessionKey", ""), v.get("response", ""), AgentUsage.from_json(v.get("usage")), v)


@dataclass
class AgentEvent:
    """One event of ``agent.stream``: ``type`` is ``delta``, ``tool.call``, ``tool.result`` or
    ``done``; ``data`` is its JSON payload (``delta`` events carry ``data["delta"]``)."""

    type: str
    data: Dict[str, Any]

    @property
    def delta(self) -> str:
        """The new text of a ``delta`` event ("" for other events)."""
        return self.data.get("delta", "") if self.type == "delta" else ""


@dataclass
class GatewayEvent:
    """An OpenClaw protocol event received over the WebSocket (``chat``, ``agent``, ``tick``...)."""

    event: str
    payload: Any
    seq: Optional[int] = None


__all__ = [
    "AgentEvent", "AgentRunResult", "AgentUsage", "CreatedSession", "GatewayEvent", "GatewayStatus", "Memory",
    "MemoryRecord", "MessageResponse", "Session", "Skill", "SkillResult", "Usage",
]
