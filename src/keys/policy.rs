//! What a key may do: its stored policy (JSON in the key's row) and its checks.

use super::scope::Scope;
use crate::config::Config;
use serde::{Deserialize, Serialize};

/// Per-key quotas (each off when absent).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Quotas {
    /// Requests a minute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests_per_minute: Option<u32>,
    /// Turns running at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrent_turns: Option<u32>,
    /// Tokens (input + output) a UTC day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens_per_day: Option<u64>,
    /// Tokens (input + output) a UTC calendar month.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens_per_month: Option<u64>,
    /// Largest request body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_body_bytes: Option<u64>,
}

/// A key's policy, as created (and stored beside the key's hash).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeyPolicy {
    /// A name for people.
    pub name: String,
    /// The app it belongs to: its sessions live under `app:<app>:`.
    pub app: String,
    /// Granted scopes (`chat`, `sessions:read`, …).
    pub scopes: Vec<String>,
    /// Agents it may use (`*` = any).
    pub agents: Vec<String>,
    /// Whether callers may name an end user (`user` / `X-Clawgate-User`).
    #[serde(default)]
    pub end_users: bool,
    /// Browser origins allowed to call with it (CORS).
    #[serde(default)]
    pub origins: Vec<String>,
    /// When it stops working (ms since epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// Its quotas.
    #[serde(default)]
    pub quotas: Quotas,
}

/// Whether `s` is a valid app name: 1–32 of `a-z 0-9 -`, starting with a letter or digit.
pub fn valid_app(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
}

impl KeyPolicy {
    /// Checks and normalises a policy being created; the error says which field is wrong.
    pub fn validate(&mut self, cfg: &Config) -> Result<Vec<Scope>, (String, &'static str)> {
        self.name = self.name.trim().to_string();
        if self.name.is_empty() || self.name.len() > 100 {
            return Err(("`name` must be 1–100 characters".into(), "name"));
        }
        self.app = self.app.trim().to_ascii_lowercase();
        if !valid_app(&self.app) {
            return Err((
                "`app` must be 1–32 characters of a-z, 0-9 and -".into(),
                "app",
            ));
        }
        let scopes = self.parsed_scopes().ok_or((
            "`scopes` must name families (chat, responses, message, sessions, memory, skills, tools, hooks), optionally with :read or :write".into(),
            "scopes",
        ))?;
        if scopes.is_empty() {
            return Err(("`scopes` must not be empty".into(), "scopes"));
        }
        self.scopes = scopes.iter().map(Scope::render).collect();
        if self.agents.is_empty() {
            return Err((
                "`agents` must name at least one agent (or `*`)".into(),
                "agents",
            ));
        }
        for a in &mut self.agents {
            *a = a.trim().to_ascii_lowercase();
            if a != "*" && cfg.agent(a).is_none() {
                return Err((format!("Unknown agent '{a}'."), "agents"));
            }
        }
        for o in &self.origins {
            if !(o.starts_with("https://") || o.starts_with("http://")) || o.ends_with('/') {
                return Err((
                    format!("origin `{o}` must be scheme://host[:port]"),
                    "origins",
                ));
            }
        }
        Ok(scopes)
    }

    /// The scopes parsed (`None` when one does not parse).
    pub fn parsed_scopes(&self) -> Option<Vec<Scope>> {
        self.scopes.iter().map(|s| Scope::parse(s)).collect()
    }

    /// Whether it may use `agent`.
    pub fn allows_agent(&self, agent: &str) -> bool {
        self.agents.iter().any(|a| a == "*" || a == agent)
    }

    /// Whether it has expired at `now_ms`.
    pub fn expired(&self, now_ms: i64) -> bool {
        self.expires_at.is_some_and(|t| t <= now_ms)
    }
}
