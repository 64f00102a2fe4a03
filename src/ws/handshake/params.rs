//! `ConnectParams` (spec §7.2 step 3) and its strict parsing.
//!
//! Unknown keys are rejected (OpenClaw's TypeBox schemas use
//! `additionalProperties:false`); every field the recorded 2026.9.6 CLI sends
//! (`minProtocol, maxProtocol, client{id,version,platform,deviceFamily,mode,
//! instanceId,displayName}, caps, auth{token}, role, scopes`) is accepted.
//! Errors read `invalid connect params: <AJV-like reason>`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::device::DeviceParams;

/// Allowed `client.id` values.
pub const GATEWAY_CLIENT_IDS: &[&str] = &[
    "cli",
    "openclaw-control-ui",
    "webchat-ui",
    "webchat",
    "openclaw-tui",
    "gateway-client",
    "openclaw-macos",
    "openclaw-ios",
    "openclaw-android",
    "node-host",
    "test",
    "fingerprint",
    "openclaw-probe",
];

/// Allowed `client.mode` values.
pub const GATEWAY_CLIENT_MODES: &[&str] =
    &["webchat", "cli", "ui", "backend", "node", "probe", "test"];

/// The `client` object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClientInfo {
    /// One of [`GATEWAY_CLIENT_IDS`].
    pub id: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Client version, e.g. `"2026.9.6"` or `"dev"`.
    pub version: String,
    /// Platform, e.g. `"linux"`.
    pub platform: String,
    /// Device family, e.g. `"Linux"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_family: Option<String>,
    /// Hardware model identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_identifier: Option<String>,
    /// One of [`GATEWAY_CLIENT_MODES`].
    pub mode: String,
    /// Per-process instance id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
}

/// The `auth` object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectAuth {
    /// Shared gateway token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Shared gateway password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Per-device token (not issued by clawgate; only bound into signatures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_token: Option<String>,
    /// Bootstrap/setup token (not supported; only bound into signatures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bootstrap_token: Option<String>,
}

/// `connect` request params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectParams {
    /// Lowest protocol the client speaks.
    pub min_protocol: u32,
    /// Highest protocol the client speaks.
    pub max_protocol: u32,
    /// Client description.
    pub client: ClientInfo,
    /// `"operator"` (default) or `"node"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Requested operator scopes (missing = none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// Capabilities, e.g. `["tool-events"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caps: Option<Vec<String>>,
    /// Node commands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commands: Option<Vec<String>>,
    /// Node permissions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Map<String, Value>>,
    /// Node PATH.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_env: Option<String>,
    /// Credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<ConnectAuth>,
    /// Locale, e.g. `"en-US"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// User agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// Device identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<DeviceParams>,
}

/// Parses and validates `connect` params; the error is the full response
/// message (`invalid connect params: ...`).
pub fn parse_connect_params(params: Option<&Value>) -> Result<ConnectParams, String> {
    let fail = |why: &str| format!("invalid connect params: {why}");
    let value = match params {
        Some(v @ Value::Object(_)) => v,
        _ => return Err(fail("must be object")),
    };
    let p: ConnectParams =
        serde_json::from_value(value.clone()).map_err(|e| fail(&ajv_like(&e.to_string())))?;
    if !GATEWAY_CLIENT_IDS.contains(&p.client.id.as_str()) {
        return Err(fail(
            "at /client/id: must be equal to one of the allowed values",
        ));
    }
    if !GATEWAY_CLIENT_MODES.contains(&p.client.mode.as_str()) {
        return Err(fail(
            "at /client/mode: must be equal to one of the allowed values",
        ));
    }
    for (name, v) in [
        ("version", &p.client.version),
        ("platform", &p.client.platform),
    ] {
        if v.is_empty() {
            return Err(fail(&format!(
                "at /client/{name}: must NOT have fewer than 1 characters"
            )));
        }
    }
    if p.min_protocol < 1 || p.max_protocol < 1 {
        return Err(fail("protocol versions must be >= 1"));
    }
    Ok(p)
}

/// Rewrites serde's wording into AJV's (`missing field `x`` →
/// `must have required property 'x'`), dropping line/column suffixes.
fn ajv_like(serde_msg: &str) -> String {
    let msg = serde_msg
        .split(" at line ")
        .next()
        .unwrap_or(serde_msg)
        .to_string();
    let between_ticks = |m: &str| m.split('`').nth(1).map(str::to_string);
    if msg.starts_with("missing field") {
        if let Some(f) = between_ticks(&msg) {
            return format!("must have required property '{f}'");
        }
    }
    if msg.starts_with("unknown field") {
        if let Some(f) = between_ticks(&msg) {
            return format!("must NOT have additional properties ('{f}')");
        }
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Value {
        json!({"minProtocol": 4, "maxProtocol": 4,
               "client": {"id": "cli", "version": "2026.9.6", "platform": "linux", "mode": "cli"}})
    }

    #[test]
    fn minimal_params_parse() {
        let p = parse_connect_params(Some(&base())).unwrap();
        assert_eq!(p.client.id, "cli");
        assert_eq!(p.scopes, None);
    }

    #[test]
    fn errors_are_ajv_like() {
        assert_eq!(
            parse_connect_params(None).unwrap_err(),
            "invalid connect params: must be object"
        );
        let mut v = base();
        v["extra"] = json!(1);
        assert_eq!(
            parse_connect_params(Some(&v)).unwrap_err(),
            "invalid connect params: must NOT have additional properties ('extra')"
        );
        let mut v = base();
        v.as_object_mut().unwrap().remove("client");
        assert_eq!(
            parse_connect_params(Some(&v)).unwrap_err(),
            "invalid connect params: must have required property 'client'"
        );
        let mut v = base();
        v["client"]["id"] = json!("evil");
        assert_eq!(
            parse_connect_params(Some(&v)).unwrap_err(),
            "invalid connect params: at /client/id: must be equal to one of the allowed values"
        );
        let mut v = base();
        v["client"]["mode"] = json!("root");
        assert!(parse_connect_params(Some(&v))
            .unwrap_err()
            .contains("/client/mode"));
        let mut v = base();
        v["device"] = json!({"id": "x", "publicKey": "y", "signature": "z", "signedAt": 1});
        assert_eq!(
            parse_connect_params(Some(&v)).unwrap_err(),
            "invalid connect params: must have required property 'nonce'"
        );
        let mut v = base();
        v["minProtocol"] = json!("4");
        assert!(parse_connect_params(Some(&v))
            .unwrap_err()
            .starts_with("invalid connect params: invalid type: string \"4\""));
        let mut v = base();
        v["client"]["platform"] = json!("");
        assert_eq!(
            parse_connect_params(Some(&v)).unwrap_err(),
            "invalid connect params: at /client/platform: must NOT have fewer than 1 characters"
        );
    }
}
