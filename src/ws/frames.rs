//! Typed OpenClaw gateway WebSocket frames.
//!
//! Wire shapes (one JSON object per text frame, keys omitted when absent):
//!
//! * request  `{"type":"req","id":"..","method":"..","params"?:..}`
//! * response `{"type":"res","id":"..","ok":bool,"payload"?:..,"error"?:{..}}`
//! * event    `{"type":"event","event":"..","payload"?:..,"seq"?:n,"stateVersion"?:{..}}`
//!
//! Key order matches the frames recorded from a real OpenClaw 2026.9.6
//! gateway (`type` first), so serialized output is byte-compatible with the
//! golden transcripts. Also defines the RPC error codes and the WebSocket close
//! codes/reasons the gateway uses.

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use super::dialect::{parse_client_frame, ClientFrame, InvalidFrame, SimpleId, SimpleReq};

/// A client → server request frame (`type:"req"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "req")]
pub struct ReqFrame {
    /// Correlation id (non-empty string); echoed by every response.
    pub id: String,
    /// RPC method name, e.g. `"connect"`, `"chat.send"`.
    pub method: String,
    /// Method parameters; omitted on the wire when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<Value>,
    /// A well-formed W3C `traceparent` the client sent (a malformed one is dropped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
}

/// A server → client response frame (`type:"res"`).
///
/// A method may send more than one response with the same `id` (the `agent`
/// method sends an ack then a final result).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "res")]
pub struct ResFrame {
    /// The request id this answers.
    pub id: String,
    /// Whether the call succeeded.
    pub ok: bool,
    /// Result payload (usually present when `ok`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Value>,
    /// Error (present when `!ok`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorShape>,
}

impl ResFrame {
    /// A successful response carrying `payload`.
    pub fn ok(id: impl Into<String>, payload: Value) -> Self {
        Self {
            id: id.into(),
            ok: true,
            payload: Some(payload),
            error: None,
        }
    }

    /// A failed response carrying `error`.
    pub fn err(id: impl Into<String>, error: ErrorShape) -> Self {
        Self {
            id: id.into(),
            ok: false,
            payload: None,
            error: Some(error),
        }
    }

    /// A failed response that also carries a payload (e.g. the `agent` final
    /// `{runId, status:"error", summary}` with an `UNAVAILABLE` error).
    pub fn err_with_payload(id: impl Into<String>, payload: Value, error: ErrorShape) -> Self {
        Self {
            id: id.into(),
            ok: false,
            payload: Some(payload),
            error: Some(error),
        }
    }

    /// Serializes to the JSON text sent on the socket.
    pub fn to_json(&self) -> String {
        to_json_string(self)
    }
}

/// Presence/health state versions attached to some broadcast events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StateVersion {
    /// Presence snapshot version.
    pub presence: u64,
    /// Health snapshot version.
    pub health: u64,
}

/// A server → client event frame (`type:"event"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "event", rename_all = "camelCase")]
pub struct EventFrame {
    /// Event name, e.g. `"chat"`, `"tick"`, `"connect.challenge"`.
    pub event: String,
    /// Event payload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Value>,
    /// Global broadcast sequence number; targeted events omit it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// State versions (presence/health broadcasts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_version: Option<StateVersion>,
}

impl EventFrame {
    /// A targeted (un-sequenced) event.
    pub fn new(event: impl Into<String>, payload: Value) -> Self {
        Self {
            event: event.into(),
            payload: Some(payload),
            seq: None,
            state_version: None,
        }
    }

    /// Sets the broadcast sequence number.
    pub fn with_seq(mut self, seq: u64) -> Self {
        self.seq = Some(seq);
        self
    }

    /// Sets the state versions.
    pub fn with_state_version(mut self, sv: StateVersion) -> Self {
        self.state_version = Some(sv);
        self
    }

    /// Serializes to the JSON text sent on the socket.
    pub fn to_json(&self) -> String {
        to_json_string(self)
    }
}

/// RPC error codes (`error.code`).
///
/// The spec lists the first six; `FORBIDDEN` is what the real 2026.9.6
/// gateway sends for `missing scope: ...` (golden `gateway-probe` transcript).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// Channel/account not linked.
    NotLinked,
    /// Device identity/pairing required.
    NotPaired,
    /// Agent run timed out.
    AgentTimeout,
    /// Malformed or unauthorized request.
    InvalidRequest,
    /// Unknown approval id.
    ApprovalNotFound,
    /// Temporary failure / handler error.
    Unavailable,
    /// Caller lacks a required scope.
    Forbidden,
    /// The client cancelled the request (`{"type":"cancel","id"}`, protocol 4).
    Cancelled,
}

impl ErrorCode {
    /// The wire string, e.g. `"INVALID_REQUEST"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NotLinked => "NOT_LINKED",
            ErrorCode::NotPaired => "NOT_PAIRED",
            ErrorCode::AgentTimeout => "AGENT_TIMEOUT",
            ErrorCode::InvalidRequest => "INVALID_REQUEST",
            ErrorCode::ApprovalNotFound => "APPROVAL_NOT_FOUND",
            ErrorCode::Unavailable => "UNAVAILABLE",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::Cancelled => "CANCELLED",
        }
    }
}

/// The `error` object of a failed response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorShape {
    /// Error code.
    pub code: ErrorCode,
    /// Human-readable message (stable strings; clients match on them).
    pub message: String,
    /// Structured details, e.g. `{"code":"AUTH_TOKEN_MISMATCH",...}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
    /// Whether retrying may succeed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retryable: Option<bool>,
    /// Suggested retry delay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
}

impl ErrorShape {
    /// An error with just a code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: None,
            retryable: None,
            retry_after_ms: None,
        }
    }

    /// `INVALID_REQUEST` with `message`.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, message)
    }

    /// `UNAVAILABLE` with `message`.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unavailable, message)
    }

    /// `INVALID_REQUEST "unknown method: <method>"` (golden `call-unknown-method`).
    pub fn unknown_method(method: &str) -> Self {
        Self::invalid_request(format!("unknown method: {method}"))
    }

    /// `UNAVAILABLE "<method> unavailable during gateway startup"`, retryable after 500 ms.
    pub fn unavailable_during_startup(method: &str) -> Self {
        Self::unavailable(format!("{method} unavailable during gateway startup")).retry_after(500)
    }

    /// Attaches `details`.
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// Marks the error retryable after `ms` milliseconds.
    pub fn retry_after(mut self, ms: u64) -> Self {
        self.retryable = Some(true);
        self.retry_after_ms = Some(ms);
        self
    }
}

impl std::fmt::Display for ErrorShape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for ErrorShape {}

/// Close code: policy violation (handshake/auth failures, flood guard, slow consumer).
pub const CLOSE_POLICY_VIOLATION: u16 = 1008;
/// Close code: protocol version mismatch.
pub const CLOSE_PROTOCOL_MISMATCH: u16 = 1002;
/// Close code: pre-auth frame larger than [`MAX_PREAUTH_PAYLOAD_BYTES`].
pub const CLOSE_PREAUTH_TOO_LARGE: u16 = 1009;
/// Close code: the shared token/password was rotated.
pub const CLOSE_AUTH_CHANGED: u16 = 4001;

/// Close code for a client that missed ticks (sent nothing, not even a pong, for two tick
/// intervals).
pub const CLOSE_TICK_TIMEOUT: u16 = 4000;
/// Reason sent with [`CLOSE_TICK_TIMEOUT`].
pub const REASON_TICK_TIMEOUT: &str = "tick timeout";
/// Reason sent with [`CLOSE_PROTOCOL_MISMATCH`].
pub const REASON_PROTOCOL_MISMATCH: &str = "protocol mismatch";
/// Reason sent with [`CLOSE_PREAUTH_TOO_LARGE`].
pub const REASON_PREAUTH_TOO_LARGE: &str = "preauth payload too large";
/// Reason sent with [`CLOSE_AUTH_CHANGED`].
pub const REASON_AUTH_CHANGED: &str = "gateway auth changed";
/// Reason for the unauthorized-role flood guard (1008).
pub const REASON_REPEATED_UNAUTHORIZED: &str = "repeated unauthorized calls";
/// Reason when the send buffer exceeds `maxBufferedBytes` (1008).
pub const REASON_SLOW_CONSUMER: &str = "slow consumer";
/// Reason when no `connect` arrives in time (1008).
pub const REASON_HANDSHAKE_TIMEOUT: &str = "handshake timeout";
/// Fallback reason for an invalid first frame (1008).
pub const REASON_INVALID_HANDSHAKE: &str = "invalid handshake";

/// Largest accepted frame before the handshake completes.
pub const MAX_PREAUTH_PAYLOAD_BYTES: usize = 64 * 1024;
/// Largest accepted frame after the handshake (`policy.maxPayload`).
pub const MAX_PAYLOAD_BYTES: usize = 26_214_400;
/// Send-buffer limit before a client is a slow consumer (`policy.maxBufferedBytes`).
pub const MAX_BUFFERED_BYTES: usize = 52_428_800;
/// Default keepalive `tick` interval (`policy.tickIntervalMs`; protocol 4 ticks every 15 s).
pub const TICK_INTERVAL_MS: u64 = 15_000;
/// Largest attachment accepted on `chat.send`/`agent` (`policy.attachments.maxBytes`, 20 MiB).
pub const MAX_ATTACHMENT_BYTES: usize = 20 * 1024 * 1024;
/// Largest image attachment (`policy.attachments.maxImageBytes`, 6 MiB).
pub const MAX_IMAGE_ATTACHMENT_BYTES: usize = 6 * 1024 * 1024;
/// Tick intervals a client may stay silent (no frame, no pong) before it is closed with
/// [`CLOSE_TICK_TIMEOUT`].
pub const MISSED_TICKS_BEFORE_CLOSE: u32 = 2;
/// Handshake timeout: close if no `connect` within this time.
pub const HANDSHAKE_TIMEOUT_MS: u64 = 10_000;
/// Maximum close-reason length in bytes used by [`truncate_close_reason`].
pub const MAX_CLOSE_REASON_BYTES: usize = 120;

/// A close instruction for the connection actor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseDirective {
    /// WebSocket close code.
    pub code: u16,
    /// Close reason (already truncated to fit a control frame).
    pub reason: String,
}

impl CloseDirective {
    /// Builds a directive, truncating `reason` with [`truncate_close_reason`].
    pub fn new(code: u16, reason: &str) -> Self {
        Self {
            code,
            reason: truncate_close_reason(reason),
        }
    }

    /// 1008 with `reason`.
    pub fn policy(reason: &str) -> Self {
        Self::new(CLOSE_POLICY_VIOLATION, reason)
    }

    /// `4000 tick timeout`.
    pub fn tick_timeout() -> Self {
        Self::new(CLOSE_TICK_TIMEOUT, REASON_TICK_TIMEOUT)
    }

    /// 1002 `protocol mismatch`.
    pub fn protocol_mismatch() -> Self {
        Self::new(CLOSE_PROTOCOL_MISMATCH, REASON_PROTOCOL_MISMATCH)
    }

    /// 1009 `preauth payload too large`.
    pub fn preauth_too_large() -> Self {
        Self::new(CLOSE_PREAUTH_TOO_LARGE, REASON_PREAUTH_TOO_LARGE)
    }

    /// 4001 `gateway auth changed`.
    pub fn auth_changed() -> Self {
        Self::new(CLOSE_AUTH_CHANGED, REASON_AUTH_CHANGED)
    }
}

/// Truncates a close reason to [`MAX_CLOSE_REASON_BYTES`] on a char boundary
/// (WebSocket control frames carry at most 123 reason bytes).
pub fn truncate_close_reason(reason: &str) -> String {
    if reason.len() <= MAX_CLOSE_REASON_BYTES {
        return reason.to_string();
    }
    let mut end = MAX_CLOSE_REASON_BYTES;
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    reason[..end].to_string()
}

fn to_json_string<T: Serialize>(value: &T) -> String {
    // Serializing these plain data types cannot fail (no non-string map keys).
    serde_json::to_string(value).unwrap_or_else(|_| String::from("{}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn res_ok_matches_golden_key_order() {
        let f = ResFrame::ok("2:abc", json!({"models": []}));
        assert_eq!(
            f.to_json(),
            r#"{"type":"res","id":"2:abc","ok":true,"payload":{"models":[]}}"#
        );
    }

    #[test]
    fn res_unknown_method_is_byte_identical_to_golden() {
        let golden = r#"{"type":"res","id":"2:8c98eff1-8075-4f78-9462-70ccba15f59b","ok":false,"error":{"code":"INVALID_REQUEST","message":"unknown method: no.such.method"}}"#;
        let f = ResFrame::err(
            "2:8c98eff1-8075-4f78-9462-70ccba15f59b",
            ErrorShape::unknown_method("no.such.method"),
        );
        assert_eq!(f.to_json(), golden);
        let back: ResFrame = serde_json::from_str(golden).unwrap();
        assert_eq!(back, f);
    }

    #[test]
    fn error_shape_optional_fields() {
        let e = ErrorShape::unavailable_during_startup("chat.send");
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({"code":"UNAVAILABLE","message":"chat.send unavailable during gateway startup",
                   "retryable":true,"retryAfterMs":500})
        );
        assert_eq!(
            e.to_string(),
            "UNAVAILABLE: chat.send unavailable during gateway startup"
        );
    }

    #[test]
    fn error_codes_wire_names() {
        for (c, s) in [
            (ErrorCode::NotLinked, "NOT_LINKED"),
            (ErrorCode::NotPaired, "NOT_PAIRED"),
            (ErrorCode::AgentTimeout, "AGENT_TIMEOUT"),
            (ErrorCode::InvalidRequest, "INVALID_REQUEST"),
            (ErrorCode::ApprovalNotFound, "APPROVAL_NOT_FOUND"),
            (ErrorCode::Unavailable, "UNAVAILABLE"),
            (ErrorCode::Forbidden, "FORBIDDEN"),
        ] {
            assert_eq!(serde_json::to_value(c).unwrap(), json!(s));
            assert_eq!(c.as_str(), s);
        }
    }

    #[test]
    fn event_frame_matches_golden_shapes() {
        let e = EventFrame::new("tick", json!({"ts": 1}));
        assert_eq!(
            e.to_json(),
            r#"{"type":"event","event":"tick","payload":{"ts":1}}"#
        );
        let e = EventFrame::new("health", json!({"ok": true}))
            .with_seq(1)
            .with_state_version(StateVersion {
                presence: 1,
                health: 3,
            });
        assert_eq!(
            e.to_json(),
            r#"{"type":"event","event":"health","payload":{"ok":true},"seq":1,"stateVersion":{"presence":1,"health":3}}"#
        );
    }

    #[test]
    fn req_frame_roundtrip_and_params_omitted() {
        let golden = r#"{"type":"req","id":"2:09743dc9","method":"health"}"#;
        let r: ReqFrame = serde_json::from_str(golden).unwrap();
        assert_eq!(r.params, None);
        assert_eq!(serde_json::to_string(&r).unwrap(), golden);
        let with = r#"{"type":"req","id":"2:x","method":"sessions.list","params":{"limit":3}}"#;
        let r: ReqFrame = serde_json::from_str(with).unwrap();
        assert_eq!(r.params, Some(json!({"limit": 3})));
        assert_eq!(serde_json::to_string(&r).unwrap(), with);
    }

    #[test]
    fn close_directives() {
        assert_eq!(
            CloseDirective::protocol_mismatch(),
            CloseDirective {
                code: 1002,
                reason: "protocol mismatch".into()
            }
        );
        assert_eq!(CloseDirective::auth_changed().code, 4001);
        assert_eq!(
            CloseDirective::auth_changed().reason,
            "gateway auth changed"
        );
        assert_eq!(CloseDirective::preauth_too_large().code, 1009);
        assert_eq!(CloseDirective::policy("slow consumer").code, 1008);
    }

    #[test]
    fn close_reason_truncation_respects_char_boundaries() {
        let long = "é".repeat(100); // 200 bytes
        let t = truncate_close_reason(&long);
        assert!(t.len() <= MAX_CLOSE_REASON_BYTES);
        assert_eq!(t.len(), 120);
        assert_eq!(truncate_close_reason("short"), "short");
    }
}
