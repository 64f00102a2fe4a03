//! Agent, backend-model and session-key selection shared by the OpenAI-compatible endpoints
//! (OpenClaw's `http-utils.ts` rules).

use crate::config::{normalize_agent_id, Config, ModelRef};
use crate::core::SessionKey;
use crate::error::GatewayError;
use actix_web::HttpRequest;

/// Message for a `model` that is neither an agent target nor a configured backend model.
pub const INVALID_MODEL: &str = "Invalid `model`. Use `openclaw` or `openclaw/<agentId>`.";

/// What the `model` field and headers selected.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    /// Agent id.
    pub agent_id: String,
    /// Backend model override.
    pub model_override: Option<ModelRef>,
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

fn known_agent(config: &Config, raw: &str) -> Result<String, GatewayError> {
    let id =
        normalize_agent_id(raw).ok_or_else(|| GatewayError::bad_param(INVALID_MODEL, "model"))?;
    if config.agent(&id).is_none() {
        return Err(GatewayError::bad_param(
            format!("Unknown agent '{id}'."),
            "model",
        ));
    }
    Ok(id)
}

/// Resolves the agent (`x-openclaw-agent-id` > `model` > default) and backend model
/// (`x-openclaw-model`, or a `model` naming a configured `provider/model`, the seeds' form).
pub fn select(
    config: &Config,
    req: &HttpRequest,
    model: Option<&str>,
) -> Result<Selection, GatewayError> {
    let model = model.map(str::trim).unwrap_or("");
    let mut agent_from_model = None;
    let mut model_override = None;
    let lower = model.to_ascii_lowercase();
    if model.is_empty() || lower == "openclaw" || lower == "openclaw/default" {
        // default agent
    } else if let Some(rest) = lower
        .strip_prefix("openclaw/")
        .or_else(|| lower.strip_prefix("openclaw:"))
        .or_else(|| lower.strip_prefix("agent:"))
    {
        agent_from_model = Some(known_agent(config, rest)?);
    } else if let Some(r) =
        ModelRef::parse(model).filter(|r| config.providers.contains_key(&r.provider))
    {
        model_override = Some(r);
    } else {
        return Err(GatewayError::bad_param(INVALID_MODEL, "model"));
    }
    let agent_id =
        match header(req, "x-openclaw-agent-id").or_else(|| header(req, "x-openclaw-agent")) {
            Some(h) => {
                let id = normalize_agent_id(h)
                    .ok_or_else(|| GatewayError::bad_request(format!("Unknown agent '{h}'.")))?;
                if config.agent(&id).is_none() {
                    return Err(GatewayError::bad_request(format!("Unknown agent '{id}'.")));
                }
                id
            }
            None => agent_from_model.unwrap_or_else(|| config.default_agent.clone()),
        };
    let agent = config
        .agent(&agent_id)
        .ok_or_else(|| GatewayError::Internal("default agent missing".into()))?;
    if let Some(raw) = header(req, "x-openclaw-model") {
        model_override = match config.resolve_model_override(agent, raw) {
            Err(()) => {
                return Err(GatewayError::bad_param(
                    "Invalid `x-openclaw-model`.",
                    "x-openclaw-model",
                ))
            }
            Ok(None) => {
                return Err(GatewayError::bad_param(
                    format!("Model '{raw}' is not allowed for agent '{agent_id}'."),
                    "x-openclaw-model",
                ))
            }
            Ok(Some(r)) => Some(r),
        };
    } else if let Some(r) = &model_override {
        if config.resolve_model_override(agent, &r.to_string()) != Ok(Some(r.clone())) {
            return Err(GatewayError::bad_param(
                format!("Model '{r}' is not allowed for agent '{agent_id}'."),
                "model",
            ));
        }
    }
    Ok(Selection {
        agent_id,
        model_override,
    })
}

/// Session key: `x-openclaw-session-key` (verbatim) > `user` → `agent:<id>:<prefix>-user:<user>`
/// > a fresh `agent:<id>:<prefix>:<uuid>`.
pub fn session_key(req: &HttpRequest, agent_id: &str, user: Option<&str>, prefix: &str) -> String {
    if let Some(k) = header(req, "x-openclaw-session-key") {
        return k.to_string();
    }
    match user.map(str::trim).filter(|u| !u.is_empty()) {
        Some(u) => SessionKey::for_user(agent_id, prefix, u),
        None => SessionKey::fresh(agent_id, prefix),
    }
    .into_string()
}

/// The ingress channel (`x-openclaw-message-channel`, default `webchat`).
pub fn message_channel(req: &HttpRequest) -> String {
    header(req, "x-openclaw-message-channel")
        .unwrap_or("webchat")
        .to_string()
}

pub use crate::app::select::{agent_by_id, scoped_session_key};
