"""The gateway's endpoints as :class:`~clawgate._base.Spec` builders, shared by the sync and
async clients so both send exactly the same requests."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from ._base import Spec, drop_none, seg
from .types import (
    AgentRunResult, CreatedSession, GatewayStatus, Memory, MemoryRecord, MessageResponse, Session, Skill,
    SkillResult,
)


def message_send(text: str, session: Optional[str], model: Optional[str]) -> Spec:
    return Spec("POST", "/api/v1/message", drop_none({"text": text, "session": session, "model": model}),
                parse=MessageResponse.from_json, envelope=True)


def message_stream(text: str, session: Optional[str], model: Optional[str]) -> Spec:
    return Spec("POST", "/api/v1/message/stream", drop_none({"text": text, "session": session, "model": model}))


def sessions_list(limit: Optional[int]) -> Spec:
    return Spec("GET", "/api/v1/sessions", params=drop_none({"limit": limit}), envelope=True,
                parse=lambda v: [Session.from_json(s) for s in (v or {}).get("sessions", [])])


def sessions_create(label: Optional[str], model: Optional[str]) -> Spec:
    return Spec("POST", "/api/v1/sessions", drop_none({"label": label, "model": model}), envelope=True,
                parse=CreatedSession.from_json)


def sessions_delete(session_id: str) -> Spec:
    return Spec("DELETE", f"/api/v1/sessions/{seg(session_id)}", envelope=True,
                parse=lambda v: bool((v or {}).get("deleted")))


def memory_search(query: str, limit: Optional[int], min_score: Optional[float], agent_id: Optional[str]) -> Spec:
    return Spec("GET", "/api/v1/memory/search", envelope=True,
                params=drop_none({"query": query, "limit": limit, "minScore": min_score, "agentId": agent_id}),
                parse=lambda v: [Memory.from_json(m) for m in (v or {}).get("results", [])])


def memory_add(content: str, tags: Optional[List[str]], type: Optional[str]) -> Spec:
    return Spec("POST", "/api/v1/memory", drop_none({"content": content, "tags": tags, "type": type}), envelope=True,
                parse=MemoryRecord.from_json)


def skills_list(agent_id: Optional[str]) -> Spec:
    return Spec("GET", "/api/v1/skills", params=drop_none({"agentId": agent_id}), envelope=True,
                parse=lambda v: [Skill.from_json(s) for s in (v or {}).get("skills", [])])


def skills_execute(name: str, args: Any, session: Optional[str], agent_id: Optional[str]) -> Spec:
    body = drop_none({"args": args if args is not None else {}, "session": session, "agentId": agent_id})
    return Spec("POST", f"/api/v1/skills/{seg(name)}/execute", body, envelope=True, parse=SkillResult.from_json)


def status() -> Spec:
    return Spec("GET", "/api/v1/status", envelope=True, parse=GatewayStatus.from_json)


def config_get(path: str) -> Spec:
    return Spec("GET", "/api/v1/config/" + "/".join(seg(p) for p in path.split(".") if p), envelope=True)


def agent_body(message: str, session_key: Optional[str], agent_id: Optional[str], options: Optional[Dict[str, Any]],
               stream: bool = False) -> Dict[str, Any]:
    body = drop_none({"message": message, "sessionKey": session_key, "agentId": agent_id, "options": options})
    if stream:
        body["stream"] = True
    return body


def agent_run(message: str, session_key: Optional[str], agent_id: Optional[str], options: Optional[Dict[str, Any]]) -> Spec:
    return Spec("POST", "/v1/agent/run", agent_body(message, session_key, agent_id, options), parse=AgentRunResult.from_json)


def agent_stream(message: str, session_key: Optional[str], agent_id: Optional[str], options: Optional[Dict[str, Any]]) -> Spec:
    return Spec("POST", "/v1/agent/run/stream", agent_body(message, session_key, agent_id, options, True))


def chat(body: Dict[str, Any]) -> Spec:
    return Spec("POST", "/v1/chat/completions", body)
