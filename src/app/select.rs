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

/// The peer and delivery fields of a turn request, as OpenClaw's `agent` takes them:
/// `to` (a chat peer: its direct session, and the default delivery target), `deliver`,
/// `channel`, `replyTo`, `replyChannel`, `accountId`.
#[derive(Debug, Default, Clone)]
pub struct Routing {
    /// Send the final reply to a chat as well.
    pub deliver: bool,
    /// Channel of `to` and of the delivery.
    pub channel: Option<String>,
    /// The chat peer.
    pub to: Option<String>,
    /// Delivery target (over `to`).
    pub reply_to: Option<String>,
    /// Delivery channel (over `channel`).
    pub reply_channel: Option<String>,
    /// Account within the channel.
    pub account_id: Option<String>,
}

impl Routing {
    /// Reads the fields from a JSON object (`deliver` must be a boolean; the others strings).
    pub fn from_json(v: &serde_json::Value) -> Result<Routing, AppError> {
        let text = |key: &'static str| -> Result<Option<String>, AppError> {
            match v.get(key) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(serde_json::Value::String(s)) => {
                    Ok(Some(s.trim().to_string()).filter(|s| !s.is_empty()))
                }
                Some(_) => Err(AppError::invalid(format!("`{key}` must be a string"), key)),
            }
        };
        let deliver = match v.get("deliver") {
            None | Some(serde_json::Value::Null) => false,
            Some(serde_json::Value::Bool(b)) => *b,
            Some(_) => return Err(AppError::invalid("`deliver` must be a boolean", "deliver")),
        };
        Ok(Routing {
            deliver,
            channel: text("channel")?,
            to: text("to")?,
            reply_to: text("replyTo")?,
            reply_channel: text("replyChannel")?,
            account_id: text("accountId")?,
        })
    }

    /// The session of the `to` peer (by `session.dmScope`), when there is one.
    pub fn peer_session(&self, config: &Config, agent_id: &str) -> Option<String> {
        let to = self.to.as_deref()?;
        let channel = self.channel.as_deref().unwrap_or("direct");
        let account = self.account_id.as_deref().unwrap_or("default");
        Some(crate::channels::routing::direct_session_key(
            config, agent_id, channel, account, to,
        ))
    }

    /// Where the reply goes (`None` without `deliver`); a delivery needs a channel.
    pub fn route(&self) -> Result<Option<crate::core::run::ReplyRoute>, AppError> {
        if !self.deliver {
            return Ok(None);
        }
        let channel = self
            .reply_channel
            .as_deref()
            .or(self.channel.as_deref())
            .ok_or_else(|| {
                AppError::invalid(
                    "deliver needs a channel (`replyChannel` or `channel`)",
                    "replyChannel",
                )
            })?;
        let channel = match &self.account_id {
            Some(a) if !channel.contains(':') => format!("{channel}:{a}"),
            _ => channel.to_string(),
        };
        Ok(Some(crate::core::run::ReplyRoute {
            channel,
            to: self.reply_to.clone().or_else(|| self.to.clone()),
        }))
    }
}
