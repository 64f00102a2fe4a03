//! Agent and session-key rules every edge shares (OpenClaw's): which agent an explicit id
//! names, and how a caller-given session key is scoped to an agent. The HTTP-only parts
//! (headers, the `model` field) stay in `http::select`.

use super::AppError;
use crate::config::{normalize_agent_id, Config};
use crate::core::SessionKey;

/// Scopes a caller-given session key to an agent as OpenClaw does: `agent:…` keys are kept,
/// `""`/`main` mean the agent's main session, anything else becomes
/// `agent:<agentId>:<lowercased key>`.
pub fn scoped_session_key(
    config: &Config,
    agent_id: &str,
    raw: Option<&str>,
) -> Result<String, AppError> {
    let raw = raw.map(str::trim).unwrap_or("");
    if raw.is_empty() || raw.eq_ignore_ascii_case("main") {
        return Ok(config.main_session_key(agent_id));
    }
    SessionKey::scoped(agent_id, &config.main_key, config.global_scope, raw)
        .map(SessionKey::into_string)
        .map_err(|e| AppError::invalid(e.to_string(), "sessionKey"))
}

/// Resolves an explicit agent id (`default` → the default agent).
pub fn agent_by_id(config: &Config, raw: Option<&str>) -> Result<String, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(config.default_agent.clone()),
        Some(s) if s.eq_ignore_ascii_case("default") => Ok(config.default_agent.clone()),
        Some(s) => {
            let id = normalize_agent_id(s)
                .ok_or_else(|| AppError::invalid(format!("invalid agent id `{s}`"), "agentId"))?;
            config
                .agent(&id)
                .map(|a| a.id.clone())
                .ok_or_else(|| AppError::invalid(format!("Unknown agent '{id}'."), "agentId"))
        }
    }
}
