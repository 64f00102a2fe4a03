//! Slack Socket Mode wire format: `apps.connections.open` (called with the app-level token,
//! answers `{ok, url}`), and the envelopes on that WebSocket — `hello`, `events_api` (an Events
//! API body under `payload`), `slash_commands`, `interactive`, `disconnect` — each envelope
//! acknowledged by sending back `{"envelope_id": …}`.

use serde_json::{json, Value};

/// The Web API method that returns a fresh WebSocket URL.
pub const OPEN_METHOD: &str = "apps.connections.open";

/// One frame received on a Socket Mode connection.
#[derive(Debug, Clone, PartialEq)]
pub enum Envelope {
    /// The connection is ready.
    Hello,
    /// Slack will close this connection (`reason`: `refresh_requested`, `warning`,
    /// `link_disabled`); open a fresh URL.
    Disconnect {
        /// Slack's reason.
        reason: String,
    },
    /// Something to acknowledge; `event` is set for `events_api` envelopes (the body of an
    /// Events API request: `event_callback`, …).
    Ack {
        /// The id to send back.
        envelope_id: String,
        /// The Events API body, for `events_api`.
        payload: Option<Value>,
    },
    /// Anything else (ignored).
    Other,
}

/// Classifies a text frame.
pub fn parse(frame: &Value) -> Envelope {
    match frame["type"].as_str() {
        Some("hello") => Envelope::Hello,
        Some("disconnect") => Envelope::Disconnect {
            reason: frame["reason"].as_str().unwrap_or_default().to_string(),
        },
        Some(kind) => match frame["envelope_id"].as_str() {
            Some(id) => Envelope::Ack {
                envelope_id: id.to_string(),
                payload: (kind == "events_api").then(|| frame["payload"].clone()),
            },
            None => Envelope::Other,
        },
        None => Envelope::Other,
    }
}

/// The acknowledgement of envelope `id`.
pub fn ack(id: &str) -> String {
    json!({ "envelope_id": id }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_are_classified_and_acked_by_id() {
        assert_eq!(
            parse(&json!({"type": "hello", "num_connections": 1})),
            Envelope::Hello
        );
        assert_eq!(
            parse(&json!({"type": "disconnect", "reason": "refresh_requested"})),
            Envelope::Disconnect {
                reason: "refresh_requested".into()
            }
        );
        let ev = json!({"type": "events_api", "envelope_id": "e1",
            "payload": {"type": "event_callback", "event": {"type": "message"}}});
        let Envelope::Ack {
            envelope_id,
            payload,
        } = parse(&ev)
        else {
            panic!("ack expected")
        };
        assert_eq!(envelope_id, "e1");
        assert_eq!(payload.unwrap()["event"]["type"], "message");
        let slash = json!({"type": "slash_commands", "envelope_id": "e2", "payload": {}});
        assert!(matches!(parse(&slash), Envelope::Ack { payload: None, .. }));
        assert_eq!(ack("e1"), r#"{"envelope_id":"e1"}"#);
    }
}
