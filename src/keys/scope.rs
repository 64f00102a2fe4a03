//! Which endpoint family a route belongs to, and whether a key's scopes allow a request.
//!
//! Families: `chat` (`/v1/chat/completions`, `/v1/models`), `responses` (`/v1/responses…`),
//! `message` (`/api/v1/message…`), `sessions` (`/api/v1/sessions…`, `/v1/sessions…`,
//! `/sessions/…`), `memory` (`/api/v1/memory…`), `skills` (`/api/v1/skills…`), `tools`
//! (`/tools/invoke`), `hooks`. A scope is a family (read and write) or `family:read` /
//! `family:write`. Every other route (status, config, channels, metrics, keys, usage, audit,
//! agent runs) is the owner's only.

use serde::{Deserialize, Serialize};

/// An endpoint family a key can be granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// `/v1/chat/completions` (and `/v1/models`).
    Chat,
    /// `/v1/responses` (HTTP and WebSocket mode).
    Responses,
    /// `/api/v1/message`.
    Message,
    /// Session lists, history, deletion.
    Sessions,
    /// `/api/v1/memory`.
    Memory,
    /// `/api/v1/skills`.
    Skills,
    /// `/tools/invoke`.
    Tools,
    /// Hook-like triggers.
    Hooks,
}

impl Family {
    /// Every family.
    pub const ALL: [Family; 8] = [
        Family::Chat,
        Family::Responses,
        Family::Message,
        Family::Sessions,
        Family::Memory,
        Family::Skills,
        Family::Tools,
        Family::Hooks,
    ];

    /// Its name in scopes.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Chat => "chat",
            Family::Responses => "responses",
            Family::Message => "message",
            Family::Sessions => "sessions",
            Family::Memory => "memory",
            Family::Skills => "skills",
            Family::Tools => "tools",
            Family::Hooks => "hooks",
        }
    }

    fn parse(s: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// One granted scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Scope {
    /// The family.
    pub family: Family,
    /// Reads allowed.
    pub read: bool,
    /// Writes allowed (turns, creation, deletion).
    pub write: bool,
}

impl Scope {
    /// Parses `family`, `family:read` or `family:write`.
    pub fn parse(s: &str) -> Option<Scope> {
        let s = s.trim().to_ascii_lowercase();
        let (name, access) = match s.split_once(':') {
            Some((n, a)) => (n.to_string(), Some(a.to_string())),
            None => (s, None),
        };
        let family = Family::parse(&name)?;
        let (read, write) = match access.as_deref() {
            None => (true, true),
            Some("read") => (true, false),
            Some("write") => (false, true),
            Some(_) => return None,
        };
        Some(Scope {
            family,
            read,
            write,
        })
    }

    /// Its text form.
    pub fn render(&self) -> String {
        match (self.read, self.write) {
            (true, true) => self.family.as_str().to_string(),
            (true, false) => format!("{}:read", self.family.as_str()),
            _ => format!("{}:write", self.family.as_str()),
        }
    }
}

/// What a request needs: one of these families, read or write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    /// Families any one of which grants the request.
    pub families: &'static [Family],
    /// A write (anything but a read).
    pub write: bool,
}

/// What a request to `path` with `method` needs; `None` for owner-only routes.
pub fn need(method: &str, path: &str) -> Option<Need> {
    let read = method == "GET" || method == "HEAD";
    let n = |families: &'static [Family], write: bool| Some(Need { families, write });
    if path == "/v1/chat/completions" {
        return n(&[Family::Chat], true);
    }
    if path == "/v1/models" || path.starts_with("/v1/models/") {
        return n(&[Family::Chat, Family::Responses], false);
    }
    if path == "/v1/responses" {
        // The WebSocket upgrade is a GET that runs turns.
        return n(&[Family::Responses], true);
    }
    if path.starts_with("/v1/responses/") {
        return n(&[Family::Responses], !read);
    }
    if path.starts_with("/api/v1/message") {
        return n(&[Family::Message], true);
    }
    if path.starts_with("/api/v1/sessions")
        || path.starts_with("/v1/sessions")
        || path.starts_with("/sessions/")
    {
        return n(&[Family::Sessions], !read);
    }
    if path.starts_with("/api/v1/memory/search") {
        return n(&[Family::Memory], false);
    }
    if path.starts_with("/api/v1/memory") {
        return n(&[Family::Memory], !read);
    }
    if path.starts_with("/api/v1/skills") {
        return n(&[Family::Skills], !read);
    }
    if path == "/tools/invoke" {
        return n(&[Family::Tools], true);
    }
    None
}

/// Whether `scopes` grant `need`.
pub fn allows(scopes: &[Scope], need: Need) -> bool {
    scopes
        .iter()
        .any(|s| need.families.contains(&s.family) && if need.write { s.write } else { s.read })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_only_reaches_chat_and_models() {
        let scopes = [Scope::parse("chat").unwrap()];
        let ok = |m, p| need(m, p).is_some_and(|n| allows(&scopes, n));
        assert!(ok("POST", "/v1/chat/completions"));
        assert!(ok("GET", "/v1/models"));
        assert!(!ok("POST", "/tools/invoke"));
        assert!(!ok("GET", "/v1/sessions"));
        assert!(!ok("GET", "/status"));
        assert!(need("GET", "/api/v1/keys").is_none());
    }

    #[test]
    fn read_scopes_do_not_write() {
        let scopes = [Scope::parse("sessions:read").unwrap()];
        assert!(allows(&scopes, need("GET", "/v1/sessions").unwrap()));
        assert!(!allows(&scopes, need("DELETE", "/v1/sessions/x").unwrap()));
        assert!(Scope::parse("sessions:admin").is_none());
        assert_eq!(Scope::parse("memory:read").unwrap().render(), "memory:read");
    }
}
