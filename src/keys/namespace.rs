//! Session confinement: every session a key creates or addresses lives under
//! `agent:<agent>:app:<app>:` (and `…:user:<user>:` when the caller names an end user). A key
//! naming a session outside its namespace is moved inside it, so it can only ever reach its
//! own sessions: another app's session is simply not found.

use crate::core::ids::split;

/// Longest end-user name.
pub const MAX_USER: usize = 64;

/// The namespace (the part after `agent:<agent>:`) of `app`, and of its end `user`.
pub fn prefix(app: &str, user: Option<&str>) -> String {
    match user {
        Some(u) => format!("app:{app}:user:{u}:"),
        None => format!("app:{app}:"),
    }
}

/// Normalises an end-user name (lowercased; 1–64 of `A-Z a-z 0-9 . _ @ -`), or `None`.
pub fn end_user(raw: &str) -> Option<String> {
    let u = raw.trim();
    let ok = !u.is_empty()
        && u.len() <= MAX_USER
        && u.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'@' | b'-'));
    ok.then(|| u.to_ascii_lowercase())
}

/// `key` (a full `agent:<x>:<rest>` key, or a bare name) confined to `agent` and `ns`.
pub fn confine(key: &str, agent: &str, ns: &str) -> String {
    let rest = split(key).map(|(_, r)| r).unwrap_or(key);
    let rest = rest.to_ascii_lowercase();
    if rest.starts_with(ns) {
        format!("agent:{agent}:{rest}")
    } else {
        format!("agent:{agent}:{ns}{rest}")
    }
}

/// Whether `key` lies inside `ns` of one of `agents` (`*` = any agent).
pub fn owns(key: &str, agents: &[String], ns: &str) -> bool {
    split(key)
        .is_some_and(|(a, rest)| rest.starts_with(ns) && agents.iter().any(|x| x == "*" || x == a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn foreign_keys_move_inside_the_namespace() {
        let ns = prefix("shop", None);
        assert_eq!(
            confine("agent:main:app:other:x", "main", &ns),
            "agent:main:app:shop:app:other:x"
        );
        assert_eq!(
            confine("default", "main", &ns),
            "agent:main:app:shop:default"
        );
        assert_eq!(
            confine("agent:main:app:shop:a", "main", &ns),
            "agent:main:app:shop:a"
        );
        let alice = prefix("shop", Some("alice"));
        assert_eq!(
            confine("agent:main:app:shop:user:bob:x", "main", &alice),
            "agent:main:app:shop:user:alice:app:shop:user:bob:x"
        );
        assert!(owns("agent:main:app:shop:a", &["main".into()], &ns));
        assert!(!owns("agent:ops:app:shop:a", &["main".into()], &ns));
        assert!(end_user("Bad User").is_none());
        assert_eq!(end_user("Alice@x").as_deref(), Some("alice@x"));
    }
}
