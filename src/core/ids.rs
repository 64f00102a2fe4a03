//! Typed identifiers and the one parser/formatter of session keys.
//!
//! A session key names one conversation: `agent:<agentId>:<rest>` (the agent owns it), or
//! `global` when `session.scope` is global. Every part of the gateway that builds or splits
//! a key does it here, so the format has exactly one definition.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a caller-given session key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed session key `{0}`")]
pub struct MalformedKey(pub String);

/// A session key (`agent:main:main`, `agent:ops:telegram:direct:42`, `global`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionKey(String);

impl SessionKey {
    /// The key `global` (all agents share one session under `session.scope: global`).
    pub const GLOBAL: &'static str = "global";

    /// `agent:<agent>:<rest>`, with `rest` taken verbatim.
    pub fn under(agent: &str, rest: &str) -> SessionKey {
        SessionKey(format!("agent:{agent}:{rest}"))
    }

    /// The agent's main session: `agent:<agent>:<main_key>`.
    pub fn main(agent: &str, main_key: &str) -> SessionKey {
        SessionKey::under(agent, main_key)
    }

    /// One session per end user of a surface: `agent:<agent>:<surface>-user:<user lowercased>`.
    pub fn for_user(agent: &str, surface: &str, user: &str) -> SessionKey {
        SessionKey(format!(
            "agent:{agent}:{surface}-user:{}",
            user.to_lowercase()
        ))
    }

    /// A fresh one-off session: `agent:<agent>:<surface>:<uuid>`.
    pub fn fresh(agent: &str, surface: &str) -> SessionKey {
        SessionKey(format!("agent:{agent}:{surface}:{}", uuid::Uuid::now_v7()))
    }

    /// A key read back from storage or produced by this module earlier (not re-validated).
    pub fn from_trusted(raw: impl Into<String>) -> SessionKey {
        SessionKey(raw.into())
    }

    /// Validates an explicit `agent:<id>:<rest>` key (or `global`).
    pub fn parse(raw: &str) -> Result<SessionKey, MalformedKey> {
        if raw == Self::GLOBAL {
            return Ok(SessionKey(raw.to_string()));
        }
        match split(raw) {
            Some((owner, rest))
                if crate::config::normalize_agent_id(owner).is_some() && !rest.is_empty() =>
            {
                Ok(SessionKey(raw.to_string()))
            }
            _ => Err(MalformedKey(raw.to_string())),
        }
    }

    /// Scopes a caller-given key to `agent` the way OpenClaw does: `agent:…` keys are kept
    /// (validated), `""`/`main` mean `main_key`, `global` is kept when `global_scope`, anything
    /// else becomes `agent:<agent>:<key lowercased>`.
    pub fn scoped(
        agent: &str,
        main_key: &str,
        global_scope: bool,
        raw: &str,
    ) -> Result<SessionKey, MalformedKey> {
        let raw = raw.trim();
        if raw.is_empty() || raw.eq_ignore_ascii_case("main") {
            return Ok(SessionKey::main(agent, main_key));
        }
        if raw == Self::GLOBAL && global_scope {
            return Ok(SessionKey(raw.to_string()));
        }
        if raw.starts_with("agent:") {
            return SessionKey::parse(raw);
        }
        Ok(SessionKey::under(agent, &raw.to_lowercase()))
    }

    /// The same key owned by another agent (`agent:<x>:<rest>` → `agent:<agent>:<rest>`);
    /// a key that is not agent-scoped is put under `agent` whole.
    pub fn reowned(&self, agent: &str) -> SessionKey {
        match split(&self.0) {
            Some((_, rest)) => SessionKey::under(agent, rest),
            None => SessionKey::under(agent, &self.0),
        }
    }

    /// The owning agent, for `agent:<id>:…` keys.
    pub fn agent(&self) -> Option<&str> {
        split(&self.0).map(|(a, _)| a)
    }

    /// What follows `agent:<id>:`.
    pub fn rest(&self) -> Option<&str> {
        split(&self.0).map(|(_, r)| r)
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// Splits `agent:<id>:<rest>` into `(id, rest)`; `None` for any other shape.
pub fn split(raw: &str) -> Option<(&str, &str)> {
    raw.strip_prefix("agent:")?.split_once(':')
}

/// The agent named by an `agent:<id>:…` key, if it is one.
pub fn agent_of(raw: &str) -> Option<&str> {
    split(raw).map(|(a, _)| a)
}

impl fmt::Display for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for SessionKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<SessionKey> for String {
    fn from(k: SessionKey) -> String {
        k.0
    }
}

impl PartialEq<str> for SessionKey {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

/// A new run id: `prefix` followed by a time-ordered UUID (`run_0193…`, `chatcmpl_0193…`).
pub fn new_run_id(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::now_v7())
}

/// Who presented a credential: the key idempotency caches and stored runs are scoped by, so
/// two clients using the same idempotency key never see or overwrite each other's runs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CredentialId(String);

impl CredentialId {
    /// A credential id from its stable name (`token`, `password`, `device:<id>`, `none`).
    pub fn new(raw: impl Into<String>) -> CredentialId {
        CredentialId(raw.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CredentialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_and_splits_keys() {
        assert_eq!(SessionKey::main("main", "main").as_str(), "agent:main:main");
        let k = SessionKey::for_user("ops", "openai", "Alice");
        assert_eq!(k.as_str(), "agent:ops:openai-user:alice");
        assert_eq!(k.agent(), Some("ops"));
        assert_eq!(k.rest(), Some("openai-user:alice"));
        assert!(SessionKey::fresh("main", "openresponses")
            .as_str()
            .starts_with("agent:main:openresponses:"));
        assert_eq!(split("agent:a:b:c"), Some(("a", "b:c")));
        assert_eq!(split("hook:x"), None);
        assert_eq!(
            SessionKey::from_trusted("agent:main:x")
                .reowned("hooks")
                .as_str(),
            "agent:hooks:x"
        );
    }

    #[test]
    fn scopes_caller_keys_like_openclaw() {
        let s = |raw| SessionKey::scoped("main", "main", false, raw).map(String::from);
        assert_eq!(s("").unwrap(), "agent:main:main");
        assert_eq!(s("MAIN").unwrap(), "agent:main:main");
        assert_eq!(s("Work").unwrap(), "agent:main:work");
        assert_eq!(s("agent:ops:X").unwrap(), "agent:ops:X");
        assert!(s("agent:ops").is_err());
        assert!(s("agent::x").is_err());
        assert_eq!(s("global").unwrap(), "agent:main:global");
        assert_eq!(
            SessionKey::scoped("main", "main", true, "global")
                .unwrap()
                .as_str(),
            "global"
        );
    }
}
