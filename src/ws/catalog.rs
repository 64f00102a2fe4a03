//! What clawgate advertises in `hello-ok.features`, and the simple dialect's
//! method-name mapping.
//!
//! Only methods clawgate actually implements are advertised (OpenClaw
//! 2026.9.6 advertises 466; clients must not assume more than this list).

use super::scopes::{SCOPE_READ, SCOPE_WRITE};

/// Methods advertised in `hello-ok.features.methods`.
pub const ADVERTISED_METHODS: &[&str] = &[
    "health",
    "status",
    "models.list",
    "agent",
    "agent.wait",
    "chat.send",
    "chat.history",
    "chat.abort",
    "sessions.list",
    "sessions.get",
    "sessions.create",
    "sessions.patch",
    "sessions.reset",
    "sessions.delete",
    "sessions.subscribe",
    "sessions.unsubscribe",
    "wake",
    "system-event",
    "config.get",
    "config.set",
    "config.apply",
    "config.patch",
    "last-heartbeat",
    "logs.tail",
    "channels.status",
    "system-presence",
    "send",
    "pairing.list",
    "pairing.approve",
    "pairing.reject",
    "poll",
    "node.invoke",
    "cron.list",
    "cron.status",
    "cron.add",
    "cron.update",
    "cron.remove",
    "cron.run",
    "cron.runs",
    "skills.status",
    "exec.approval.list",
    "exec.approval.get",
    "exec.approval.resolve",
    "memory.search",
    "memory.status",
    "memory.index",
    "browser.status",
    "browser.navigate",
    "browser.screenshot",
    "browser.snapshot",
    "browser.act",
    "keys.create",
    "keys.list",
    "keys.revoke",
    "keys.rotate",
    "keys.usage",
    "keys.audit",
];

/// Events advertised in `hello-ok.features.events`.
pub const ADVERTISED_EVENTS: &[&str] = &[
    "connect.challenge",
    "agent",
    "chat",
    "sessions.changed",
    "presence",
    "tick",
    "shutdown",
    "health",
    "heartbeat",
    "cron",
    "skills.changed",
    "config.changed",
    "channel.delivery.failed",
    "exec.approval.requested",
    "exec.approval.resolved",
];

/// Scopes granted to simple-dialect clients that authenticated with the
/// shared secret on the HTTP upgrade (the dialect has no scope negotiation).
pub const SIMPLE_DIALECT_SCOPES: &[&str] = &[SCOPE_READ, SCOPE_WRITE];

/// Capabilities listed in the simple dialect's `connected` event.
pub const SIMPLE_DIALECT_CAPABILITIES: &[&str] = &["chat", "channels"];

/// Whether `method` is implemented (and advertised) by clawgate.
pub fn is_advertised_method(method: &str) -> bool {
    ADVERTISED_METHODS.contains(&method)
}

/// What a simple-dialect method name maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimpleTarget {
    /// `chat.run {message, sessionKey, options}`: start a chat run and stream
    /// `chat.delta` (new chunk) / `chat.done` simple events.
    ChatRun,
    /// `channel.list`: the channel entries of `channels.status`.
    ChannelList,
    /// `channel.status {channelId}`: one channel from `channels.status`.
    ChannelStatus,
    /// An OpenClaw method (`session.list` → `sessions.list`, `system.status`
    /// → `status`, or an OpenClaw name used directly).
    Method(&'static str),
}

impl SimpleTarget {
    /// The OpenClaw method whose scope requirement applies.
    pub fn authz_method(self) -> &'static str {
        match self {
            SimpleTarget::ChatRun => "chat.send",
            SimpleTarget::ChannelList | SimpleTarget::ChannelStatus => "channels.status",
            SimpleTarget::Method(m) => m,
        }
    }
}

/// Resolves a simple-dialect method name; `None` means unknown method.
pub fn resolve_simple_method(name: &str) -> Option<SimpleTarget> {
    let target = match name {
        "chat.run" => SimpleTarget::ChatRun,
        "channel.list" => SimpleTarget::ChannelList,
        "channel.status" => SimpleTarget::ChannelStatus,
        "session.list" => SimpleTarget::Method("sessions.list"),
        "session.get" => SimpleTarget::Method("sessions.get"),
        "system.status" => SimpleTarget::Method("status"),
        other => {
            let idx = ADVERTISED_METHODS.iter().position(|m| *m == other)?;
            SimpleTarget::Method(ADVERTISED_METHODS[idx])
        }
    };
    Some(target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ws::scopes::{classify, MethodClass};

    #[test]
    fn advertised_lists() {
        assert_eq!(ADVERTISED_METHODS.len(), 57);
        assert_eq!(ADVERTISED_EVENTS.len(), 15);
        assert!(is_advertised_method("chat.send"));
        assert!(!is_advertised_method("no.such.method"));
        assert!(!is_advertised_method("chat.run"));
        let mut m = ADVERTISED_METHODS.to_vec();
        m.sort_unstable();
        m.dedup();
        assert_eq!(m.len(), ADVERTISED_METHODS.len(), "no duplicates");
    }

    #[test]
    fn every_advertised_method_answers_and_every_advertised_event_is_gated() {
        for m in ADVERTISED_METHODS {
            assert!(crate::ws::rpc::handler(m).is_some(), "{m} has no handler");
        }
        for e in ADVERTISED_EVENTS {
            assert_ne!(
                crate::ws::scopes::event_gate(e),
                crate::ws::scopes::EventGate::Unknown,
                "{e} would fail closed"
            );
        }
    }

    #[test]
    fn every_advertised_method_is_classified() {
        for m in ADVERTISED_METHODS {
            assert_ne!(classify(m), MethodClass::NodeOnly, "{m}");
        }
    }

    #[test]
    fn simple_mapping() {
        assert_eq!(
            resolve_simple_method("chat.run"),
            Some(SimpleTarget::ChatRun)
        );
        assert_eq!(
            resolve_simple_method("session.list"),
            Some(SimpleTarget::Method("sessions.list"))
        );
        assert_eq!(
            resolve_simple_method("session.get"),
            Some(SimpleTarget::Method("sessions.get"))
        );
        assert_eq!(
            resolve_simple_method("system.status"),
            Some(SimpleTarget::Method("status"))
        );
        assert_eq!(
            resolve_simple_method("channel.list"),
            Some(SimpleTarget::ChannelList)
        );
        assert_eq!(
            resolve_simple_method("channel.status"),
            Some(SimpleTarget::ChannelStatus)
        );
        assert_eq!(
            resolve_simple_method("chat.abort"),
            Some(SimpleTarget::Method("chat.abort"))
        );
        assert_eq!(
            resolve_simple_method("sessions.list"),
            Some(SimpleTarget::Method("sessions.list"))
        );
        assert_eq!(
            resolve_simple_method("browser.screenshot"),
            Some(SimpleTarget::Method("browser.screenshot"))
        );
        assert_eq!(resolve_simple_method("browser.nope"), None);
        assert_eq!(SimpleTarget::ChatRun.authz_method(), "chat.send");
        assert_eq!(
            SimpleTarget::ChannelStatus.authz_method(),
            "channels.status"
        );
        assert_eq!(SimpleTarget::Method("status").authz_method(), "status");
    }
}
