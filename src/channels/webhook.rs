//! The generic webhook channel's wire format (clawgate's own; OpenClaw has no equivalent).
//!
//! Inbound: `POST /channels/webhook/<account>` with a JSON [`InboundBody`], authenticated by
//! `Authorization: Bearer <secret>` or `X-Clawgate-Signature: sha256=<hex HMAC-SHA256 of the
//! raw body under the secret>` (both compared in constant time).
//! Outbound (replies and `send`): `POST <callbackUrl>` with a JSON [`callback_body`] signed the
//! same way in `X-Clawgate-Signature`; an answer `{"messageId": "…"}` names the message.

use super::hmac::{ct_eq, hex, hmac_sha256, verify_hex};
use super::{InboundMessage, Sender};
use crate::config::ChannelKind;
use serde::Deserialize;
use serde_json::{json, Value};

/// The signature header (inbound and outbound).
pub const SIGNATURE_HEADER: &str = "x-clawgate-signature";

/// One inbound message as a bridge posts it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct InboundBody {
    /// Conversation id (where replies go); defaults to `senderId`.
    pub chat_id: Option<String>,
    /// Sender id (policy and DM session keys).
    pub sender_id: String,
    /// Sender display name.
    pub sender_name: Option<String>,
    /// Sender handle.
    pub sender_username: Option<String>,
    /// Message text.
    pub text: String,
    /// Thread id, echoed on the reply.
    pub thread_id: Option<String>,
    /// A group conversation (default false).
    #[serde(default)]
    pub is_group: bool,
    /// The bridge's message id (dedupe, `replyToMode`).
    pub message_id: Option<String>,
    /// Whether the bot was addressed (groups with `requireMention`; default true).
    pub mentioned: Option<bool>,
}

/// `sha256=<hex>` for `body` under `secret`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    format!("sha256={}", hex(&hmac_sha256(secret.as_bytes(), body)))
}

/// Whether the request carries the secret (bearer) or a valid body signature.
pub fn authenticate(
    secret: &str,
    authorization: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
) -> bool {
    if let Some(token) = authorization.and_then(|a| a.strip_prefix("Bearer ")) {
        if ct_eq(token.trim(), secret) {
            return true;
        }
    }
    match signature.and_then(|s| s.trim().strip_prefix("sha256=")) {
        Some(sig) => verify_hex(secret.as_bytes(), body, sig),
        None => false,
    }
}

impl InboundBody {
    /// The normalised message; `Err` names what is missing.
    pub fn into_message(self, account: &str) -> Result<InboundMessage, &'static str> {
        if self.sender_id.trim().is_empty() {
            return Err("senderId must not be empty");
        }
        if self.text.trim().is_empty() {
            return Err("text must not be empty");
        }
        Ok(InboundMessage {
            channel: ChannelKind::Webhook,
            account: account.to_string(),
            chat_id: self
                .chat_id
                .filter(|c| !c.trim().is_empty())
                .unwrap_or_else(|| self.sender_id.clone()),
            sender: Sender {
                id: self.sender_id,
                username: self.sender_username,
                name: self.sender_name,
            },
            text: self.text,
            thread_id: self.thread_id.filter(|t| !t.trim().is_empty()),
            is_group: self.is_group,
            message_id: self.message_id.filter(|m| !m.trim().is_empty()),
            mentioned: self.mentioned.unwrap_or(true),
            guild_id: None,
            media: Vec::new(),
        })
    }
}

/// The JSON POSTed to the callback for one message.
pub fn callback_body(
    account: &str,
    message_id: &str,
    to: &str,
    text: &str,
    thread_id: Option<&str>,
    reply_to: Option<&str>,
    silent: bool,
) -> Value {
    json!({"channel": "webhook", "account": account, "messageId": message_id, "to": to,
           "text": text, "threadId": thread_id, "replyTo": reply_to, "silent": silent})
}

/// An attachment in a callback body: `{filename, mimeType, size, data}` (base64).
pub fn media_json(f: &crate::channels::media::Attachment) -> Value {
    use base64::Engine as _;
    json!({"filename": f.filename, "mimeType": f.mime, "size": f.data.len(),
           "data": base64::engine::general_purpose::STANDARD.encode(&f.data)})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_or_signature_authenticates() {
        let body = br#"{"senderId":"u","text":"hi"}"#;
        assert!(authenticate("s3cret", Some("Bearer s3cret"), None, body));
        assert!(!authenticate("s3cret", Some("Bearer nope"), None, body));
        let sig = sign("s3cret", body);
        assert!(authenticate("s3cret", None, Some(&sig), body));
        assert!(!authenticate("s3cret", None, Some(&sig), b"{}"));
        assert!(!authenticate("s3cret", None, None, body));
    }

    #[test]
    fn the_chat_defaults_to_the_sender() {
        let b: InboundBody =
            serde_json::from_value(json!({"senderId": "u1", "text": "hi"})).unwrap();
        let m = b.into_message("default").unwrap();
        assert_eq!(m.chat_id, "u1");
        assert!(!m.is_group && m.mentioned);
    }
}
