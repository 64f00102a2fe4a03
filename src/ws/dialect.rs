//! Classification of incoming text frames and the seeds' "simple dialect".
//!
//! Two request dialects share the socket:
//!
//! * OpenClaw: `{"type":"req","id":"<non-empty string>","method":"..","params"?:..,
//!   "traceparent"?:".."}` with no other keys (TypeBox `additionalProperties:false`), and the
//!   protocol-4 `{"type":"cancel","id"}` ([`ClientFrame::Cancel`]).
//! * Simple dialect (seed docs): `{"method":"..","params"?:..,"id":<number|string>}`
//!   with no `type` key (a `"jsonrpc"` key is tolerated). Replies are
//!   `{"id":..,"result":..}` / `{"id":..,"error":{"code","message"}}` and events
//!   `{"type":"chat.delta","data":{..}}`.
//!
//! Anything else is [`ClientFrame::Invalid`] with OpenClaw's message
//! `invalid request frame` (see [`InvalidFrame::message_with_reason`] for the
//! post-handshake `invalid request frame: <reason>` form).

use serde::Serialize;
use serde_json::{json, Map, Number, Value};

use super::frames::{ErrorCode, ErrorShape, ReqFrame};
use super::trace::{parse_traceparent, MAX_TRACEPARENT_LEN};

/// OpenClaw's message for frames that are not a valid request.
pub const INVALID_REQUEST_FRAME: &str = "invalid request frame";
/// OpenClaw's message when the first request is not `connect`.
pub const FIRST_REQUEST_MUST_BE_CONNECT: &str = "invalid handshake: first request must be connect";

/// A simple-dialect request id: a JSON number or string, echoed verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum SimpleId {
    /// Numeric id, e.g. `1`.
    Number(Number),
    /// String id.
    Text(String),
}

impl SimpleId {
    /// The id as a JSON value.
    pub fn to_value(&self) -> Value {
        match self {
            SimpleId::Number(n) => Value::Number(n.clone()),
            SimpleId::Text(s) => Value::String(s.clone()),
        }
    }

    /// A string form usable as an OpenClaw request id (numbers are rendered
    /// in decimal, strings pass through).
    pub fn as_key(&self) -> String {
        match self {
            SimpleId::Number(n) => n.to_string(),
            SimpleId::Text(s) => s.clone(),
        }
    }
}

/// A simple-dialect request.
#[derive(Debug, Clone, PartialEq)]
pub struct SimpleReq {
    /// Request id (number or string).
    pub id: SimpleId,
    /// Method name as sent (map with [`super::catalog::resolve_simple_method`]).
    pub method: String,
    /// Parameters, if any (`null` is treated as absent).
    pub params: Option<Value>,
}

/// A frame that is neither a valid OpenClaw request nor a simple-dialect request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidFrame {
    /// The frame's `id` when it was a string (so a `res` can be correlated).
    pub id: Option<String>,
    /// Why it was rejected, in AJV-like wording (e.g. `must have required property 'method'`).
    pub reason: String,
}

impl InvalidFrame {
    /// `invalid request frame` (the handshake-time message).
    pub fn message(&self) -> &'static str {
        INVALID_REQUEST_FRAME
    }

    /// `invalid request frame: <reason>` (the post-handshake message).
    pub fn message_with_reason(&self) -> String {
        format!("{INVALID_REQUEST_FRAME}: {}", self.reason)
    }

    /// The response id to use: the frame's id or `"invalid"`.
    pub fn response_id(&self) -> &str {
        self.id.as_deref().unwrap_or("invalid")
    }
}

/// Result of classifying one incoming text frame.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientFrame {
    /// A valid OpenClaw `req` frame.
    Req(ReqFrame),
    /// A valid simple-dialect request.
    Simple(SimpleReq),
    /// `{"type":"cancel","id"}`: cancel the in-flight request `id` (protocol 4; unknown ids
    /// are ignored).
    Cancel(String),
    /// Anything else.
    Invalid(InvalidFrame),
}

/// Classifies one text frame.
pub fn parse_client_frame(text: &str) -> ClientFrame {
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(_) => return invalid(None, "invalid JSON"),
    };
    let Value::Object(obj) = value else {
        return invalid(None, "must be object");
    };
    let id_str = obj.get("id").and_then(Value::as_str).map(str::to_string);
    match obj.get("type") {
        Some(Value::String(t)) if t == "req" => parse_req(obj, id_str),
        Some(Value::String(t)) if t == "cancel" => match id_str {
            Some(id) if !id.is_empty() => ClientFrame::Cancel(id),
            _ => invalid(None, "'id' must be a non-empty string"),
        },
        Some(Value::String(t)) => invalid(id_str, &format!("unexpected frame type '{t}'")),
        Some(_) => invalid(id_str, "'type' must be string"),
        None => parse_simple(obj, id_str),
    }
}

fn invalid(id: Option<String>, reason: &str) -> ClientFrame {
    ClientFrame::Invalid(InvalidFrame {
        id,
        reason: reason.to_string(),
    })
}

fn parse_req(obj: Map<String, Value>, id_str: Option<String>) -> ClientFrame {
    if let Some(extra) = obj.keys().find(|k| {
        !matches!(
            k.as_str(),
            "type" | "id" | "method" | "params" | "traceparent"
        )
    }) {
        return invalid(
            id_str,
            &format!("must NOT have additional properties ('{extra}')"),
        );
    }
    let id = match obj.get("id") {
        None => return invalid(None, "must have required property 'id'"),
        Some(Value::String(s)) if s.is_empty() => {
            return invalid(None, "'id' must NOT have fewer than 1 characters")
        }
        Some(Value::String(s)) => s.clone(),
        Some(_) => return invalid(None, "'id' must be string"),
    };
    let method = match obj.get("method") {
        None => return invalid(Some(id), "must have required property 'method'"),
        Some(Value::String(s)) if s.is_empty() => {
            return invalid(Some(id), "'method' must NOT have fewer than 1 characters")
        }
        Some(Value::String(s)) => s.clone(),
        Some(_) => return invalid(Some(id), "'method' must be string"),
    };
    let traceparent = match obj.get("traceparent") {
        None => None,
        Some(Value::String(t)) if t.chars().count() > MAX_TRACEPARENT_LEN => {
            return invalid(
                Some(id),
                &format!("'traceparent' must NOT have more than {MAX_TRACEPARENT_LEN} characters"),
            )
        }
        Some(Value::String(t)) => parse_traceparent(t).map(|_| t.clone()),
        Some(_) => return invalid(Some(id), "'traceparent' must be string"),
    };
    let params = obj.get("params").filter(|p| !p.is_null()).cloned();
    ClientFrame::Req(ReqFrame {
        id,
        method,
        params,
        traceparent,
    })
}

fn parse_simple(obj: Map<String, Value>, id_str: Option<String>) -> ClientFrame {
    if let Some(extra) = obj
        .keys()
        .find(|k| !matches!(k.as_str(), "id" | "method" | "params" | "jsonrpc"))
    {
        return invalid(
            id_str,
            &format!("must NOT have additional properties ('{extra}')"),
        );
    }
    let id = match obj.get("id") {
        Some(Value::Number(n)) => SimpleId::Number(n.clone()),
        Some(Value::String(s)) if !s.is_empty() => SimpleId::Text(s.clone()),
        Some(Value::String(_)) => {
            return invalid(None, "'id' must NOT have fewer than 1 characters")
        }
        Some(_) => return invalid(None, "'id' must be number or string"),
        None => return invalid(None, "must have required property 'type'"),
    };
    let method = match obj.get("method") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::String(_)) => {
            return invalid(id_str, "'method' must NOT have fewer than 1 characters")
        }
        Some(_) => return invalid(id_str, "'method' must be string"),
        None => return invalid(id_str, "must have required property 'method'"),
    };
    let params = obj.get("params").filter(|p| !p.is_null()).cloned();
    ClientFrame::Simple(SimpleReq { id, method, params })
}

/// `{"id":..,"result":..}`.
pub fn simple_result(id: &SimpleId, result: Value) -> Value {
    json!({"id": id.to_value(), "result": result})
}

/// `{"id":..,"error":{"code":..,"message":..}}`.
pub fn simple_error(id: &SimpleId, code: &str, message: &str) -> Value {
    json!({"id": id.to_value(), "error": {"code": code, "message": message}})
}

/// Maps an OpenClaw [`ErrorShape`] to a simple-dialect error; the code is the
/// lower-cased OpenClaw code (`INVALID_REQUEST` → `invalid_request`, the same
/// spelling the seed uses for HTTP errors).
pub fn simple_error_from_shape(id: &SimpleId, error: &ErrorShape) -> Value {
    simple_error(id, &simple_error_code(error.code), &error.message)
}

/// Lower-snake simple-dialect spelling of an error code.
pub fn simple_error_code(code: ErrorCode) -> String {
    code.as_str().to_ascii_lowercase()
}

/// `{"type":<kind>,"data":<data>}` — a simple-dialect event.
pub fn simple_event(kind: &str, data: Value) -> Value {
    json!({"type": kind, "data": data})
}

/// `{"type":"connected","data":{"clientId","gatewayVersion","capabilities"}}`,
/// sent to simple-dialect clients once they are accepted.
pub fn simple_connected(client_id: &str, gateway_version: &str, capabilities: &[&str]) -> Value {
    simple_event(
        "connected",
        json!({"clientId": client_id, "gatewayVersion": gateway_version, "capabilities": capabilities}),
    )
}

/// `{"type":"chat.delta","data":{"sessionKey","delta","runId"}}` — `delta` is the
/// new chunk only (simple dialect), unlike OpenClaw's full-text `chat` deltas.
pub fn simple_chat_delta(session_key: &str, run_id: &str, delta: &str) -> Value {
    simple_event(
        "chat.delta",
        json!({"sessionKey": session_key, "delta": delta, "runId": run_id}),
    )
}

/// `{"type":"chat.done","data":{"sessionKey","runId","usage"?}}`.
pub fn simple_chat_done(session_key: &str, run_id: &str, usage: Option<Value>) -> Value {
    let mut data = json!({"sessionKey": session_key, "runId": run_id});
    if let Some(u) = usage {
        data["usage"] = u;
    }
    simple_event("chat.done", data)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv(text: &str) -> InvalidFrame {
        match parse_client_frame(text) {
            ClientFrame::Invalid(i) => i,
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    #[test]
    fn golden_openclaw_req_is_req() {
        let f = parse_client_frame(
            r#"{"type": "req", "id": "2:cdf9af03", "method": "health", "params": {}}"#,
        );
        assert_eq!(
            f,
            ClientFrame::Req(ReqFrame {
                id: "2:cdf9af03".into(),
                method: "health".into(),
                params: Some(json!({})),
                traceparent: None,
            })
        );
        let f = parse_client_frame(r#"{"type":"req","id":"3","method":"status"}"#);
        assert!(matches!(f, ClientFrame::Req(ReqFrame { params: None, .. })));
    }

    #[test]
    fn seed_simple_dialect_numeric_and_string_ids() {
        let f = parse_client_frame(
            r#"{"method":"chat.run","params":{"message":"Hello, AI!","sessionKey":"session-123"},"id":1}"#,
        );
        let ClientFrame::Simple(s) = f else {
            panic!("not simple")
        };
        assert_eq!(s.id, SimpleId::Number(1.into()));
        assert_eq!(s.method, "chat.run");
        assert_eq!(s.params.unwrap()["sessionKey"], "session-123");
        let ClientFrame::Simple(s) = parse_client_frame(r#"{"method":"session.list","id":"a"}"#)
        else {
            panic!()
        };
        assert_eq!(s.id, SimpleId::Text("a".into()));
        assert_eq!(s.params, None);
        assert!(matches!(
            parse_client_frame(r#"{"jsonrpc":"2.0","method":"x","id":2}"#),
            ClientFrame::Simple(_)
        ));
    }

    #[test]
    fn invalid_frames_have_reasons_and_ids() {
        assert_eq!(inv("not json").reason, "invalid JSON");
        assert_eq!(inv("[1]").reason, "must be object");
        assert_eq!(inv("[1]").message(), "invalid request frame");
        let i = inv(r#"{"type":"req","id":"7"}"#);
        assert_eq!(i.id.as_deref(), Some("7"));
        assert_eq!(
            i.message_with_reason(),
            "invalid request frame: must have required property 'method'"
        );
        let i = inv(r#"{"type":"req","id":"7","method":"x","extra":1}"#);
        assert_eq!(i.reason, "must NOT have additional properties ('extra')");
        assert_eq!(
            inv(r#"{"type":"req","id":"","method":"x"}"#).response_id(),
            "invalid"
        );
        assert_eq!(
            inv(r#"{"type":"req","id":5,"method":"x"}"#).reason,
            "'id' must be string"
        );
        assert_eq!(
            inv(r#"{"type":"event","event":"x"}"#).reason,
            "unexpected frame type 'event'"
        );
        assert_eq!(
            inv(r#"{"method":"x"}"#).reason,
            "must have required property 'type'"
        );
        assert_eq!(
            inv(r#"{"method":"x","id":true}"#).reason,
            "'id' must be number or string"
        );
        assert_eq!(
            inv(r#"{"id":1}"#).reason,
            "must have required property 'method'"
        );
        assert_eq!(inv(r#"{"method":"","id":1}"#).id, None);
    }

    #[test]
    fn simple_reply_shapes() {
        let id = SimpleId::Number(1.into());
        assert_eq!(
            serde_json::to_string(&simple_result(&id, json!({"ok":true}))).unwrap(),
            r#"{"id":1,"result":{"ok":true}}"#
        );
        let sid = SimpleId::Text("x".into());
        assert_eq!(
            serde_json::to_string(&simple_error(&sid, "invalid_request", "bad")).unwrap(),
            r#"{"id":"x","error":{"code":"invalid_request","message":"bad"}}"#
        );
        let e = ErrorShape::unknown_method("nope");
        assert_eq!(
            simple_error_from_shape(&id, &e),
            json!({"id":1,"error":{"code":"invalid_request","message":"unknown method: nope"}})
        );
        assert_eq!(id.as_key(), "1");
        assert_eq!(sid.as_key(), "x");
    }

    #[test]
    fn simple_event_shapes_match_seed() {
        assert_eq!(
            serde_json::to_string(&simple_chat_delta("session-123", "run-456", "Hello!")).unwrap(),
            r#"{"type":"chat.delta","data":{"sessionKey":"session-123","delta":"Hello!","runId":"run-456"}}"#
        );
        assert_eq!(
            simple_chat_done("s", "r", Some(json!({"totalTokens":30}))),
            json!({"type":"chat.done","data":{"sessionKey":"s","runId":"r","usage":{"totalTokens":30}}})
        );
        assert_eq!(
            simple_chat_done("s", "r", None),
            json!({"type":"chat.done","data":{"sessionKey":"s","runId":"r"}})
        );
        assert_eq!(
            serde_json::to_string(&simple_connected("c1", "0.1.0", &["chat"])).unwrap(),
            r#"{"type":"connected","data":{"clientId":"c1","gatewayVersion":"0.1.0","capabilities":["chat"]}}"#
        );
    }
}
