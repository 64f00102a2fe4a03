//! Builders for `connect.challenge` and the `hello-ok` payload.
//!
//! `hello-ok` keeps the key order of the golden 2026.9.6 frames for the fields
//! clawgate supports:
//!
//! ```json
//! {"type":"hello-ok","protocol":4,
//!  "server":{"version":"..","connId":".."},
//!  "features":{"methods":[..],"events":[..],"capabilities":[..]},
//!  "snapshot":{"presence":[..],"health":{..},"stateVersion":{"presence":n,"health":n},
//!              "uptimeMs":n,"sessionDefaults":{"defaultAgentId","mainKey","mainSessionKey","scope"?},
//!              "configPath"?,"stateDir"?,"authMode"?},
//!  "auth":{"method":"token","role":"operator","scopes":[..]},
//!  "policy":{"maxPayload":26214400,"maxBufferedBytes":52428800,"tickIntervalMs":15000,
//!            "attachments":{"maxBytes":20971520,"maxImageBytes":6291456}}}
//! ```
//!
//! Protocol 4 (OpenClaw 2026.9.x and later) always carries `auth {role, scopes}`,
//! `features {methods, events, capabilities}` and `policy` with `attachments`; `auth.method`
//! is what the real 2026.9.6 server sends beside them (its published schema lags, see
//! `docs/websocket.md`). clawgate issues no device tokens, so `auth.deviceToken` and
//! `auth.issuedAtMs` are never present.
//!
//! ```text
//! ```
//!
//! `configPath`, `stateDir` and `authMode` are sensitive and only included for
//! `operator.admin` clients (as in the golden frames).

use serde_json::{json, Map, Value};

use super::auth::AuthMode;
use super::Accepted;
use crate::ws::frames::{
    EventFrame, StateVersion, MAX_ATTACHMENT_BYTES, MAX_BUFFERED_BYTES, MAX_IMAGE_ATTACHMENT_BYTES,
    MAX_PAYLOAD_BYTES,
};
use crate::ws::scopes::{has_scope, SCOPE_ADMIN};

/// Capabilities advertised in `connect.challenge` (and in `hello-ok.features.capabilities`),
/// as the 2026.9.6 gateway does: `model-catalog-snapshot` says `models.list` answers with the
/// whole configured catalog in one snapshot.
pub const CHALLENGE_CAPABILITIES: &[&str] = &["model-catalog-snapshot"];

/// `{"type":"event","event":"connect.challenge","payload":{"nonce","ts","capabilities":[]}}`.
pub fn challenge(nonce: &str, ts: u64) -> EventFrame {
    challenge_with_capabilities(nonce, ts, CHALLENGE_CAPABILITIES)
}

/// `connect.challenge` with an explicit capability list.
pub fn challenge_with_capabilities(nonce: &str, ts: u64, capabilities: &[&str]) -> EventFrame {
    EventFrame::new(
        "connect.challenge",
        json!({"nonce": nonce, "ts": ts, "capabilities": capabilities}),
    )
}

/// `snapshot.sessionDefaults`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDefaults {
    /// Default agent id, e.g. `"main"`.
    pub default_agent_id: String,
    /// `session.mainKey`, e.g. `"main"`.
    pub main_key: String,
    /// e.g. `"agent:main:main"`.
    pub main_session_key: String,
    /// Session scope, e.g. `"per-sender"` (omitted when `None`).
    pub scope: Option<String>,
}

impl Default for SessionDefaults {
    fn default() -> Self {
        Self {
            default_agent_id: "main".into(),
            main_key: "main".into(),
            main_session_key: "agent:main:main".into(),
            scope: None,
        }
    }
}

/// Server-side inputs to `hello-ok`.
#[derive(Debug, Clone, PartialEq)]
pub struct HelloContext<'a> {
    /// Server version string.
    pub server_version: &'a str,
    /// This connection's id.
    pub conn_id: &'a str,
    /// Advertised methods (see `catalog::ADVERTISED_METHODS`).
    pub methods: &'a [&'a str],
    /// Advertised events (see `catalog::ADVERTISED_EVENTS`).
    pub events: &'a [&'a str],
    /// Advertised server capabilities (`features.capabilities`).
    pub capabilities: &'a [&'a str],
    /// The tick interval (`policy.tickIntervalMs`).
    pub tick_interval_ms: u64,
    /// Presence snapshot (array).
    pub presence: Value,
    /// Health snapshot (object).
    pub health: Value,
    /// Current state versions.
    pub state_version: StateVersion,
    /// Gateway uptime.
    pub uptime_ms: u64,
    /// Session defaults.
    pub session_defaults: SessionDefaults,
    /// Config file path (admin-only).
    pub config_path: Option<&'a str>,
    /// State directory (admin-only).
    pub state_dir: Option<&'a str>,
    /// Configured auth mode (admin-only).
    pub auth_mode: AuthMode,
}

/// Builds the `hello-ok` payload for an accepted connection.
pub fn hello_ok(accepted: &Accepted, ctx: &HelloContext<'_>) -> Value {
    let admin = has_scope(&accepted.scopes, SCOPE_ADMIN);
    let d = &ctx.session_defaults;
    let mut defaults = Map::new();
    defaults.insert("defaultAgentId".into(), json!(d.default_agent_id));
    defaults.insert("mainKey".into(), json!(d.main_key));
    defaults.insert("mainSessionKey".into(), json!(d.main_session_key));
    if let Some(scope) = &d.scope {
        defaults.insert("scope".into(), json!(scope));
    }

    let mut snapshot = Map::new();
    snapshot.insert("presence".into(), ctx.presence.clone());
    snapshot.insert("health".into(), ctx.health.clone());
    snapshot.insert(
        "stateVersion".into(),
        json!({"presence": ctx.state_version.presence, "health": ctx.state_version.health}),
    );
    snapshot.insert("uptimeMs".into(), json!(ctx.uptime_ms));
    snapshot.insert("sessionDefaults".into(), Value::Object(defaults));
    if admin {
        if let Some(p) = ctx.config_path {
            snapshot.insert("configPath".into(), json!(p));
        }
        if let Some(s) = ctx.state_dir {
            snapshot.insert("stateDir".into(), json!(s));
        }
        snapshot.insert("authMode".into(), json!(ctx.auth_mode.as_str()));
    }

    json!({
        "type": "hello-ok",
        "protocol": accepted.protocol,
        "server": {"version": ctx.server_version, "connId": ctx.conn_id},
        "features": {"methods": ctx.methods, "events": ctx.events, "capabilities": ctx.capabilities},
        "snapshot": Value::Object(snapshot),
        "auth": {
            "method": accepted.auth_method.as_str(),
            "role": accepted.role.as_str(),
            "scopes": accepted.scopes,
        },
        "policy": {
            "maxPayload": MAX_PAYLOAD_BYTES,
            "maxBufferedBytes": MAX_BUFFERED_BYTES,
            "tickIntervalMs": ctx.tick_interval_ms,
            "attachments": {
                "maxBytes": MAX_ATTACHMENT_BYTES,
                "maxImageBytes": MAX_IMAGE_ATTACHMENT_BYTES,
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ws::handshake::ClientInfo;
    use crate::ws::scopes::Role;

    fn accepted(scopes: &[&str]) -> Accepted {
        Accepted {
            protocol: 4,
            role: Role::Operator,
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            client: ClientInfo {
                id: "cli".into(),
                display_name: None,
                version: "2026.9.6".into(),
                platform: "linux".into(),
                device_family: Some("Linux".into()),
                model_identifier: None,
                mode: "cli".into(),
                instance_id: None,
            },
            device_id: None,
            auth_method: AuthMode::Token,
            caps: vec![],
        }
    }

    fn ctx() -> HelloContext<'static> {
        HelloContext {
            server_version: "0.1.0",
            conn_id: "c-1",
            methods: &["health", "status"],
            events: &["connect.challenge", "tick"],
            capabilities: &["model-catalog-snapshot"],
            tick_interval_ms: 15_000,
            presence: json!([]),
            health: json!({"ok": true}),
            state_version: StateVersion {
                presence: 1,
                health: 3,
            },
            uptime_ms: 43177,
            session_defaults: SessionDefaults {
                scope: Some("per-sender".into()),
                ..SessionDefaults::default()
            },
            config_path: Some("/etc/clawgate.json"),
            state_dir: Some("/var/lib/clawgate"),
            auth_mode: AuthMode::Token,
        }
    }

    #[test]
    fn challenge_shape() {
        assert_eq!(
            challenge("n-1", 1795257604866).to_json(),
            r#"{"type":"event","event":"connect.challenge","payload":{"nonce":"n-1","ts":1795257604866,"capabilities":["model-catalog-snapshot"]}}"#
        );
        assert_eq!(
            challenge_with_capabilities("n", 1, &["model-catalog-snapshot"])
                .payload
                .unwrap()["capabilities"],
            json!(["model-catalog-snapshot"])
        );
    }

    #[test]
    fn hello_ok_read_client_omits_sensitive_fields() {
        let v = hello_ok(&accepted(&["operator.read"]), &ctx());
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            concat!(
                r#"{"type":"hello-ok","protocol":4,"server":{"version":"0.1.0","connId":"c-1"},"#,
                r#""features":{"methods":["health","status"],"events":["connect.challenge","tick"],"capabilities":["model-catalog-snapshot"]},"#,
                r#""snapshot":{"presence":[],"health":{"ok":true},"stateVersion":{"presence":1,"health":3},"#,
                r#""uptimeMs":43177,"sessionDefaults":{"defaultAgentId":"main","mainKey":"main","#,
                r#""mainSessionKey":"agent:main:main","scope":"per-sender"}},"#,
                r#""auth":{"method":"token","role":"operator","scopes":["operator.read"]},"#,
                r#""policy":{"maxPayload":26214400,"maxBufferedBytes":52428800,"tickIntervalMs":15000,"#,
                r#""attachments":{"maxBytes":20971520,"maxImageBytes":6291456}}}"#
            )
        );
    }

    #[test]
    fn hello_ok_admin_includes_paths_and_auth_mode() {
        let v = hello_ok(&accepted(&["operator.admin"]), &ctx());
        let keys: Vec<&str> = v["snapshot"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "presence",
                "health",
                "stateVersion",
                "uptimeMs",
                "sessionDefaults",
                "configPath",
                "stateDir",
                "authMode"
            ]
        );
        assert_eq!(v["snapshot"]["authMode"], "token");
        assert_eq!(v["snapshot"]["configPath"], "/etc/clawgate.json");
        let top: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            top,
            ["type", "protocol", "server", "features", "snapshot", "auth", "policy"]
        );
    }
}
