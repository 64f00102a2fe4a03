//! HTTP webhooks (`POST <hooks.path>/wake`, `/agent`, `/<mapping>`): what a request asks for
//! ([`HookAction`]), the policies applied to it, and how it is carried out. The HTTP edge
//! (auth, body, statuses) is `crate::http::hooks`.
//!
//! - [`template`]: `{{payload.x}}` templates of mappings; [`mapping`]: matching and presets.
//! - [`policy`]: agent and session-key policy (`allowedAgentIds`, `allowRequestSessionKey`,
//!   `allowedSessionKeyPrefixes`, `agent:` rebinding).
//! - [`replay`]: idempotency-key dedupe; [`external`]: the untrusted-content wrapper.
//! - [`dispatch`]: waking the main session, running the isolated turn, delivering its reply
//!   (or posting `Hook <name>: <summary>` to the main session).

pub mod dispatch;
pub mod external;
pub mod mapping;
pub mod policy;
pub mod replay;
pub mod template;

use crate::auth::RateLimiter;
use crate::config::{RateLimitConfig, WakeMode};
use serde_json::Value;
use std::time::Duration;

/// Wake the main session.
#[derive(Debug, Clone, PartialEq)]
pub struct WakeAction {
    /// The system event text (trimmed, non-empty).
    pub text: String,
    /// When the heartbeat runs.
    pub mode: WakeMode,
}

/// Run an isolated agent turn, as requested (before policy).
#[derive(Debug, Clone, PartialEq)]
pub struct AgentAction {
    /// The message (trimmed, non-empty).
    pub message: String,
    /// Name for summaries (`Hook`).
    pub name: String,
    /// Explicit agent id.
    pub agent_id: Option<String>,
    /// Requested session key.
    pub session_key: Option<String>,
    /// Whether the key came from a configured mapping (allowed without
    /// `allowRequestSessionKey`) rather than the request body.
    pub session_key_from_mapping: bool,
    /// Wake mode for the summary event.
    pub wake_mode: WakeMode,
    /// Deliver the reply to a channel.
    pub deliver: bool,
    /// Delivery channel (`last` by default).
    pub channel: String,
    /// Delivery target.
    pub to: Option<String>,
    /// Model override.
    pub model: Option<String>,
    /// Thinking level.
    pub thinking: Option<String>,
    /// Timeout in whole seconds.
    pub timeout_seconds: Option<u64>,
    /// Skip the untrusted-content wrapper.
    pub allow_unsafe_external_content: bool,
    /// External content source label (`webhook`, `gmail`).
    pub source: &'static str,
}

/// What a hook request asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum HookAction {
    /// Queue a system event.
    Wake(WakeAction),
    /// Run an agent turn.
    Agent(AgentAction),
}

/// Hook state shared by the HTTP workers: the failed-token limiter and the replay cache.
pub struct HookState {
    /// 20 failures per 60 s per client IP, 60 s lockout, loopback not exempt.
    pub limiter: RateLimiter,
    /// Idempotency-key dedupe.
    pub replay: replay::ReplayCache,
}

impl Default for HookState {
    fn default() -> Self {
        HookState {
            limiter: RateLimiter::new(RateLimitConfig {
                max_attempts: 20,
                window: Duration::from_secs(60),
                lockout: Duration::from_secs(60),
                exempt_loopback: false,
            }),
            replay: replay::ReplayCache::default(),
        }
    }
}

fn str_field<'a>(body: &'a Value, key: &str) -> Option<&'a str> {
    body.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Parses a `/wake` body.
pub fn parse_wake(body: &Value) -> Result<WakeAction, String> {
    let text = str_field(body, "text").ok_or("text required")?;
    let mode = match body.get("mode").and_then(Value::as_str) {
        Some("next-heartbeat") => WakeMode::NextHeartbeat,
        _ => WakeMode::Now,
    };
    Ok(WakeAction {
        text: text.to_string(),
        mode,
    })
}

/// The `channel must be …` message.
pub fn channel_error(extra: &[String]) -> String {
    let mut all: Vec<String> = crate::channels::KNOWN_CHANNELS
        .iter()
        .map(|s| s.to_string())
        .collect();
    all.extend(
        extra
            .iter()
            .filter(|c| !all.contains(c))
            .cloned()
            .collect::<Vec<_>>(),
    );
    format!("channel must be {}", all.join("|"))
}

/// Checks a delivery channel against the known and registered channel ids.
pub fn check_channel(channel: &str, registered: &[String]) -> Result<String, String> {
    let c = channel.trim().to_ascii_lowercase();
    if crate::channels::KNOWN_CHANNELS.contains(&c.as_str()) || registered.contains(&c) {
        Ok(c)
    } else {
        Err(channel_error(registered))
    }
}

/// Parses an `/agent` body (OpenClaw's defaults: name `Hook`, wake `now`, deliver unless
/// `false`, channel `last`).
pub fn parse_agent(body: &Value, registered_channels: &[String]) -> Result<AgentAction, String> {
    let message = str_field(body, "message").ok_or("message required")?;
    let channel = match body.get("channel") {
        None | Some(Value::Null) => "last".to_string(),
        Some(Value::String(s)) if s.trim().is_empty() => "last".to_string(),
        Some(Value::String(s)) => check_channel(s, registered_channels)?,
        Some(_) => return Err(channel_error(registered_channels)),
    };
    let model = match body.get("model") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_str()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .ok_or("model required")?
                .to_string(),
        ),
    };
    let timeout_seconds = body
        .get("timeoutSeconds")
        .and_then(Value::as_f64)
        .filter(|s| *s > 0.0)
        .map(|s| s.floor() as u64)
        .filter(|s| *s > 0);
    Ok(AgentAction {
        message: message.to_string(),
        name: str_field(body, "name").unwrap_or("Hook").to_string(),
        agent_id: str_field(body, "agentId").map(str::to_string),
        session_key: str_field(body, "sessionKey").map(str::to_string),
        session_key_from_mapping: false,
        wake_mode: match body.get("wakeMode").and_then(Value::as_str) {
            Some("next-heartbeat") => WakeMode::NextHeartbeat,
            _ => WakeMode::Now,
        },
        deliver: body.get("deliver") != Some(&Value::Bool(false)),
        channel,
        to: str_field(body, "to").map(str::to_string),
        model,
        thinking: str_field(body, "thinking").map(str::to_string),
        timeout_seconds,
        allow_unsafe_external_content: false,
        source: "webhook",
    })
}

/// Collapses control characters and whitespace in a hook name and caps its length.
pub fn sanitize_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let capped: String = cleaned.chars().take(80).collect();
    if capped.is_empty() {
        "Hook".into()
    } else {
        capped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn agent_defaults_follow_openclaw() {
        let a = parse_agent(&json!({"message": " Do it "}), &[]).unwrap();
        assert_eq!(a.message, "Do it");
        assert_eq!(a.name, "Hook");
        assert_eq!(a.wake_mode, WakeMode::Now);
        assert!(a.deliver);
        assert_eq!(a.channel, "last");
        assert!(
            !parse_agent(&json!({"message": "x", "deliver": false}), &[])
                .unwrap()
                .deliver
        );
    }

    #[test]
    fn agent_validation_messages() {
        let e = |v: Value| parse_agent(&v, &[]).unwrap_err();
        assert_eq!(e(json!({"message": "  "})), "message required");
        assert!(e(json!({"message": "x", "channel": "sms"}))
            .starts_with("channel must be last|telegram|"));
        assert_eq!(e(json!({"message": "x", "model": ""})), "model required");
        let a = parse_agent(&json!({"message": "x", "timeoutSeconds": 2.7}), &[]).unwrap();
        assert_eq!(a.timeout_seconds, Some(2));
    }

    #[test]
    fn wake_text_is_trimmed_and_required() {
        assert_eq!(parse_wake(&json!({"text": " Ping "})).unwrap().text, "Ping");
        assert_eq!(
            parse_wake(&json!({"text": ""})).unwrap_err(),
            "text required"
        );
        assert_eq!(
            parse_wake(&json!({"text": "x", "mode": "next-heartbeat"}))
                .unwrap()
                .mode,
            WakeMode::NextHeartbeat
        );
    }

    #[test]
    fn names_are_sanitized() {
        assert_eq!(sanitize_name("E\nmail\u{7}  box"), "E mail box");
        assert_eq!(sanitize_name("\n"), "Hook");
    }
}
