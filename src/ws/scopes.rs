//! Method → required scope classification and per-call authorization,
//! following OpenClaw's `method-scopes.ts` / `server-methods.ts` (spec §7.3).
//!
//! Rules, in order:
//! 1. `health` is always allowed (any role, any scopes).
//! 2. Node-role-only methods require role `node`; every other method requires
//!    role `operator` (`INVALID_REQUEST "unauthorized role: <role>"`).
//! 3. `operator.admin` satisfies every scope.
//! 4. Otherwise the method's class decides: read (satisfied by read *or*
//!    write), write, approvals, pairing, admin. Explicit lists are consulted
//!    first, then the reserved admin prefixes (`config.*`, `exec.approvals.*`,
//!    `wizard.*`, `update.*`), then `exec.approval.*`/`plugin.approval.*`
//!    (approvals) and `node.pair.*`/`device.pair.*`/`pairing.*` (pairing); anything
//!    unclassified requires admin.
//!
//! A missing scope yields the error the real 2026.9.6 gateway sends (golden
//! `gateway-probe`): `FORBIDDEN "missing scope: operator.read"` with
//! `details {code:"MISSING_SCOPE", missingScope, requiredScopes}`.

use serde_json::json;

use super::frames::ErrorShape;

/// Full administrative scope; satisfies every other scope.
pub const SCOPE_ADMIN: &str = "operator.admin";
/// Read-only operator scope.
pub const SCOPE_READ: &str = "operator.read";
/// Write operator scope (also satisfies read).
pub const SCOPE_WRITE: &str = "operator.write";
/// Exec/plugin approval scope.
pub const SCOPE_APPROVALS: &str = "operator.approvals";
/// Device/node pairing scope.
pub const SCOPE_PAIRING: &str = "operator.pairing";
/// Talk-mode secrets scope.
pub const SCOPE_TALK_SECRETS: &str = "operator.talk.secrets";

/// The operator scopes clawgate knows about.
pub const KNOWN_OPERATOR_SCOPES: &[&str] = &[
    SCOPE_ADMIN,
    SCOPE_READ,
    SCOPE_WRITE,
    SCOPE_APPROVALS,
    SCOPE_PAIRING,
    SCOPE_TALK_SECRETS,
];

/// Connection role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Operator (CLI, UI, backends).
    Operator,
    /// Node (device host executing node commands).
    Node,
}

impl Role {
    /// Parses `"operator"` / `"node"`.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "operator" => Some(Role::Operator),
            "node" => Some(Role::Node),
            _ => None,
        }
    }

    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Node => "node",
        }
    }
}

/// What a method requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodClass {
    /// `health`: always allowed.
    Public,
    /// Only callable by role `node`.
    NodeOnly,
    /// Operator method requiring this scope.
    Scope(&'static str),
}

const NODE_ONLY: &[&str] = &[
    "node.invoke.result",
    "node.event",
    "node.pending.drain",
    "node.canvas.capability.refresh",
    "node.pending.pull",
    "node.pending.ack",
    "skills.bins",
];

const READ: &[&str] = &[
    "doctor.memory.status",
    "doctor.memory.dreamDiary",
    "logs.tail",
    "channels.status",
    "status",
    "usage.status",
    "usage.cost",
    "tts.status",
    "tts.providers",
    "commands.list",
    "models.list",
    "tools.catalog",
    "tools.effective",
    "agents.list",
    "agent.identity.get",
    "skills.status",
    "skills.search",
    "skills.detail",
    "voicewake.get",
    "sessions.list",
    "sessions.get",
    "sessions.preview",
    "sessions.resolve",
    "sessions.compaction.list",
    "sessions.compaction.get",
    "sessions.subscribe",
    "sessions.unsubscribe",
    "sessions.messages.subscribe",
    "sessions.messages.unsubscribe",
    "sessions.usage",
    "sessions.usage.timeseries",
    "sessions.usage.logs",
    "cron.list",
    "cron.status",
    "cron.runs",
    "memory.search",
    "memory.status",
    "browser.status",
    "gateway.identity.get",
    "system-presence",
    "last-heartbeat",
    "node.list",
    "node.describe",
    "chat.history",
    "config.get",
    "config.schema.lookup",
    "talk.config",
    "agents.files.list",
    "agents.files.get",
];

const WRITE: &[&str] = &[
    "browser.navigate",
    "browser.screenshot",
    "browser.snapshot",
    "browser.act",
    "message.action",
    "send",
    "poll",
    "agent",
    "agent.wait",
    "wake",
    "talk.mode",
    "talk.speak",
    "tts.enable",
    "tts.disable",
    "tts.convert",
    "tts.setProvider",
    "voicewake.set",
    "node.invoke",
    "chat.send",
    "chat.abort",
    "sessions.create",
    "sessions.send",
    "sessions.steer",
    "sessions.abort",
    "sessions.compaction.branch",
    "doctor.memory.backfillDreamDiary",
    "doctor.memory.resetDreamDiary",
    "doctor.memory.resetGroundedShortTerm",
    "doctor.memory.repairDreamingArtifacts",
    "doctor.memory.dedupeDreamDiary",
    "push.test",
    "node.pending.enqueue",
];

const ADMIN: &[&str] = &[
    "channels.logout",
    "agents.create",
    "agents.update",
    "agents.delete",
    "skills.install",
    "skills.update",
    "secrets.reload",
    "secrets.resolve",
    "cron.add",
    "cron.update",
    "cron.remove",
    "cron.run",
    "memory.index",
    "sessions.patch",
    "sessions.reset",
    "sessions.delete",
    "sessions.compact",
    "sessions.compaction.restore",
    "connect",
    "chat.inject",
    "web.login.start",
    "web.login.wait",
    "set-heartbeats",
    "system-event",
    "agents.files.set",
];

const PAIRING: &[&str] = &["device.token.rotate", "device.token.revoke", "node.rename"];

const ADMIN_PREFIXES: &[&str] = &["config.", "exec.approvals.", "wizard.", "update.", "keys."];
const APPROVAL_PREFIXES: &[&str] = &["exec.approval.", "plugin.approval."];
const PAIRING_PREFIXES: &[&str] = &["node.pair.", "device.pair.", "pairing."];

/// Classifies `method` (exact lists first, then prefixes, else admin).
pub fn classify(method: &str) -> MethodClass {
    if method == "health" {
        return MethodClass::Public;
    }
    if NODE_ONLY.contains(&method) {
        return MethodClass::NodeOnly;
    }
    if READ.contains(&method) {
        return MethodClass::Scope(SCOPE_READ);
    }
    if WRITE.contains(&method) {
        return MethodClass::Scope(SCOPE_WRITE);
    }
    if ADMIN.contains(&method) {
        return MethodClass::Scope(SCOPE_ADMIN);
    }
    if PAIRING.contains(&method) {
        return MethodClass::Scope(SCOPE_PAIRING);
    }
    let has = |prefixes: &[&str]| prefixes.iter().any(|p| method.starts_with(p));
    if has(ADMIN_PREFIXES) {
        return MethodClass::Scope(SCOPE_ADMIN);
    }
    if has(APPROVAL_PREFIXES) {
        return MethodClass::Scope(SCOPE_APPROVALS);
    }
    if has(PAIRING_PREFIXES) {
        return MethodClass::Scope(SCOPE_PAIRING);
    }
    MethodClass::Scope(SCOPE_ADMIN)
}

/// Whether `granted` satisfies `required` (admin satisfies all; write satisfies read).
pub fn has_scope<S: AsRef<str>>(granted: &[S], required: &str) -> bool {
    let has = |s: &str| granted.iter().any(|g| g.as_ref() == s);
    if has(SCOPE_ADMIN) || has(required) {
        return true;
    }
    required == SCOPE_READ && has(SCOPE_WRITE)
}

/// `INVALID_REQUEST "unauthorized role: <role>"`.
pub fn unauthorized_role(role: Role) -> ErrorShape {
    ErrorShape::invalid_request(format!("unauthorized role: {}", role.as_str()))
}

/// `FORBIDDEN "missing scope: <scope>"` with the golden `details`.
pub fn missing_scope(scope: &str) -> ErrorShape {
    ErrorShape::new(
        super::frames::ErrorCode::Forbidden,
        format!("missing scope: {scope}"),
    )
    .with_details(json!({
        "code": "MISSING_SCOPE",
        "missingScope": scope,
        "requiredScopes": [scope],
    }))
}

/// Authorizes one call. Does not check that the method exists (the
/// dispatcher answers `unknown method: <m>` for that).
pub fn authorize<S: AsRef<str>>(role: Role, scopes: &[S], method: &str) -> Result<(), ErrorShape> {
    match classify(method) {
        MethodClass::Public => Ok(()),
        MethodClass::NodeOnly if role == Role::Node => Ok(()),
        MethodClass::NodeOnly => Err(unauthorized_role(role)),
        MethodClass::Scope(_) if role != Role::Operator => Err(unauthorized_role(role)),
        MethodClass::Scope(required) if has_scope(scopes, required) => Ok(()),
        MethodClass::Scope(required) => Err(missing_scope(required)),
    }
}

/// Who may receive a broadcast event (protocol 4: broadcasts are scope-gated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventGate {
    /// Every connected client (keepalive, presence, shutdown, health).
    Open,
    /// Only clients holding this scope (`operator.read` is also satisfied by write/admin).
    Scope(&'static str),
    /// An event family clawgate does not know: nobody receives it (fail closed).
    Unknown,
}

/// The gate of broadcast `event`: `agent`, `chat` and tool events, session and cron events
/// need read (or higher); approval events need approvals; pairing events need pairing;
/// keepalive/presence/health/shutdown are open; anything else fails closed.
pub fn event_gate(event: &str) -> EventGate {
    match event {
        "connect.challenge" | "tick" | "presence" | "shutdown" | "health" | "heartbeat"
        | "update.available" => EventGate::Open,
        "exec.approval.requested"
        | "exec.approval.resolved"
        | "plugin.approval.requested"
        | "plugin.approval.resolved" => EventGate::Scope(SCOPE_APPROVALS),
        "device.pair.requested"
        | "device.pair.resolved"
        | "node.pair.requested"
        | "node.pair.resolved" => EventGate::Scope(SCOPE_PAIRING),
        "agent"
        | "chat"
        | "task"
        | "sessions.changed"
        | "session.message"
        | "session.tool"
        | "skills.changed"
        | "cron"
        | "config.changed"
        | "talk.mode"
        | "node.presence"
        | "channel.delivery.failed" => EventGate::Scope(SCOPE_READ),
        _ => EventGate::Unknown,
    }
}

/// Scope a client needs to receive broadcast `event`, if it is a known, guarded event.
pub fn event_required_scope(event: &str) -> Option<&'static str> {
    match event_gate(event) {
        EventGate::Scope(s) => Some(s),
        EventGate::Open | EventGate::Unknown => None,
    }
}

/// Whether a client holding `scopes` may receive `event` (unknown events: never).
pub fn can_receive_event<S: AsRef<str>>(scopes: &[S], event: &str) -> bool {
    match event_gate(event) {
        EventGate::Open => true,
        EventGate::Scope(s) => has_scope(scopes, s),
        EventGate::Unknown => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ws::frames::ErrorCode;

    #[test]
    fn classification_table() {
        let table: &[(&str, MethodClass)] = &[
            ("health", MethodClass::Public),
            ("status", MethodClass::Scope(SCOPE_READ)),
            ("models.list", MethodClass::Scope(SCOPE_READ)),
            ("sessions.get", MethodClass::Scope(SCOPE_READ)),
            ("config.get", MethodClass::Scope(SCOPE_READ)),
            ("config.schema.lookup", MethodClass::Scope(SCOPE_READ)),
            ("system-presence", MethodClass::Scope(SCOPE_READ)),
            ("agent", MethodClass::Scope(SCOPE_WRITE)),
            ("chat.send", MethodClass::Scope(SCOPE_WRITE)),
            (
                "doctor.memory.resetDreamDiary",
                MethodClass::Scope(SCOPE_WRITE),
            ),
            ("sessions.patch", MethodClass::Scope(SCOPE_ADMIN)),
            ("cron.add", MethodClass::Scope(SCOPE_ADMIN)),
            ("system-event", MethodClass::Scope(SCOPE_ADMIN)),
            ("config.set", MethodClass::Scope(SCOPE_ADMIN)),
            ("config.patch", MethodClass::Scope(SCOPE_ADMIN)),
            ("exec.approvals.get", MethodClass::Scope(SCOPE_ADMIN)),
            ("wizard.start", MethodClass::Scope(SCOPE_ADMIN)),
            ("update.run", MethodClass::Scope(SCOPE_ADMIN)),
            ("exec.approval.resolve", MethodClass::Scope(SCOPE_APPROVALS)),
            ("plugin.approval.list", MethodClass::Scope(SCOPE_APPROVALS)),
            ("node.pair.approve", MethodClass::Scope(SCOPE_PAIRING)),
            ("device.pair.list", MethodClass::Scope(SCOPE_PAIRING)),
            ("device.token.rotate", MethodClass::Scope(SCOPE_PAIRING)),
            ("node.rename", MethodClass::Scope(SCOPE_PAIRING)),
            ("node.invoke.result", MethodClass::NodeOnly),
            ("skills.bins", MethodClass::NodeOnly),
            ("no.such.method", MethodClass::Scope(SCOPE_ADMIN)),
        ];
        for (m, want) in table {
            assert_eq!(classify(m), *want, "{m}");
        }
    }

    #[test]
    fn golden_probe_missing_scope_error() {
        let none: [&str; 0] = [];
        let err = authorize(Role::Operator, &none, "status").unwrap_err();
        assert_eq!(
            serde_json::to_string(&err).unwrap(),
            r#"{"code":"FORBIDDEN","message":"missing scope: operator.read","details":{"code":"MISSING_SCOPE","missingScope":"operator.read","requiredScopes":["operator.read"]}}"#
        );
        assert!(authorize(Role::Operator, &none, "health").is_ok());
    }

    #[test]
    fn scope_hierarchy() {
        assert!(authorize(Role::Operator, &["operator.write"], "chat.history").is_ok());
        assert!(authorize(Role::Operator, &["operator.read"], "chat.history").is_ok());
        let e = authorize(Role::Operator, &["operator.read"], "chat.send").unwrap_err();
        assert_eq!(e.message, "missing scope: operator.write");
        assert_eq!(e.code, ErrorCode::Forbidden);
        let e = authorize(Role::Operator, &["operator.write"], "sessions.delete").unwrap_err();
        assert_eq!(e.message, "missing scope: operator.admin");
        let e = authorize(Role::Operator, &["operator.write"], "exec.approval.list").unwrap_err();
        assert_eq!(e.message, "missing scope: operator.approvals");
        assert!(authorize(Role::Operator, &["operator.pairing"], "device.pair.list").is_ok());
        for m in [
            "cron.add",
            "exec.approval.get",
            "node.pair.list",
            "chat.send",
            "status",
        ] {
            assert!(
                authorize(Role::Operator, &["operator.admin"], m).is_ok(),
                "{m}"
            );
        }
    }

    #[test]
    fn role_checks() {
        let e = authorize(Role::Operator, &["operator.admin"], "node.event").unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidRequest);
        assert_eq!(e.message, "unauthorized role: operator");
        let e = authorize(Role::Node, &["operator.admin"], "status").unwrap_err();
        assert_eq!(e.message, "unauthorized role: node");
        let none: [&str; 0] = [];
        assert!(authorize(Role::Node, &none, "node.pending.pull").is_ok());
        assert!(authorize(Role::Node, &none, "health").is_ok());
        assert_eq!(Role::parse("node"), Some(Role::Node));
        assert_eq!(Role::parse("admin"), None);
    }

    #[test]
    fn event_guards() {
        assert!(can_receive_event(&["operator.write"], "sessions.changed"));
        assert!(!can_receive_event(&[] as &[&str], "sessions.changed"));
        assert!(!can_receive_event(&[] as &[&str], "chat"));
        assert!(!can_receive_event(&[] as &[&str], "agent"));
        assert!(can_receive_event(&["operator.write"], "agent"));
        assert!(can_receive_event(&[] as &[&str], "tick"));
        assert!(!can_receive_event(&["operator.admin"], "no.such.family"));
        assert!(!can_receive_event(
            &["operator.read"],
            "exec.approval.requested"
        ));
        assert!(can_receive_event(
            &["operator.admin"],
            "device.pair.requested"
        ));
        assert_eq!(
            event_required_scope("node.pair.resolved"),
            Some(SCOPE_PAIRING)
        );
    }
}
