//! WhatsApp Business Cloud API wire format (Graph API).
//!
//! Inbound: Meta POSTs webhook deliveries `{object: "whatsapp_business_account", entry: [{changes:
//! [{field: "messages", value: {metadata: {phone_number_id}, contacts, messages: […]}}]}]}`
//! signed `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body under the app secret>`;
//! the subscription handshake is `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`,
//! answered with the challenge as plain text.
//! Outbound: `POST /{version}/{phone-number-id}/messages` with `{messaging_product: "whatsapp",
//! to, type, …}` — `text`, media by uploaded id (`POST /{phone-number-id}/media`, multipart),
//! `template`, and read receipts `{messaging_product, status: "read", message_id}`.
//! The Cloud API has no GIF playback flag: GIFs and `--gif-playback` videos go out as `video`
//! (an MP4), a `.gif` file as a `document`.

use super::hmac::{ct_eq, verify_hex};
use super::media::Attachment;
use super::media_in::{MediaRef, MediaRefKind};
use super::{InboundMessage, Sender};
use crate::config::ChannelKind;
use serde_json::{json, Value};

/// The signature header of webhook deliveries.
pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";
/// Longest media caption.
pub const CAPTION_LIMIT: usize = 1024;

/// Whether `header` (`sha256=<hex>`) signs `body` under `app_secret`.
pub fn verify_signature(app_secret: &str, header: Option<&str>, body: &[u8]) -> bool {
    match header.and_then(|h| h.trim().strip_prefix("sha256=")) {
        Some(sig) if !app_secret.is_empty() => verify_hex(app_secret.as_bytes(), body, sig),
        _ => false,
    }
}

/// The `hub.challenge` to echo when `hub.mode` is `subscribe` and `hub.verify_token` matches.
pub fn verify_challenge<'a>(
    mode: Option<&str>,
    token: Option<&str>,
    challenge: Option<&'a str>,
    verify_token: &str,
) -> Option<&'a str> {
    if mode != Some("subscribe") || verify_token.is_empty() {
        return None;
    }
    if !ct_eq(token.unwrap_or_default(), verify_token) {
        return None;
    }
    challenge
}

/// One inbound message of a delivery, with the phone number id it was sent to.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivered {
    /// `metadata.phone_number_id` (picks the account).
    pub phone_number_id: String,
    /// The message (`account` is filled in by the caller).
    pub msg: InboundMessage,
}

/// The text the agent sees for a message: its body, or a `<media:…>` placeholder and caption.
fn text_of(m: &Value) -> Option<String> {
    let kind = m["type"].as_str()?;
    match kind {
        "text" => m["text"]["body"].as_str().map(str::to_string),
        "image" | "video" | "audio" | "document" | "sticker" => {
            let part = &m[kind];
            let mut t = format!("<media:{kind}>");
            if let Some(name) = part["filename"].as_str() {
                t.push_str(&format!(" {name}"));
            }
            if let Some(c) = part["caption"].as_str().filter(|c| !c.trim().is_empty()) {
                t.push_str(&format!(" {c}"));
            }
            Some(t)
        }
        "button" => m["button"]["text"].as_str().map(str::to_string),
        "interactive" => m["interactive"]["button_reply"]["title"]
            .as_str()
            .or(m["interactive"]["list_reply"]["title"].as_str())
            .map(str::to_string),
        "location" => Some(format!(
            "<location: {}, {}>",
            m["location"]["latitude"], m["location"]["longitude"]
        )),
        _ => None,
    }
}

/// The file of a media message (`image`, `audio` — a voice note when `voice` —, `video`,
/// `document`, `sticker`), by its Graph media id.
fn media_of(m: &Value) -> Vec<MediaRef> {
    let Some(kind) = m["type"].as_str() else {
        return Vec::new();
    };
    let part = &m[kind];
    let k = match kind {
        "image" | "sticker" => MediaRefKind::Image,
        "audio" if part["voice"].as_bool() == Some(true) => MediaRefKind::Voice,
        "audio" => MediaRefKind::Audio,
        "video" => MediaRefKind::Video,
        "document" => MediaRefKind::Document,
        _ => return Vec::new(),
    };
    let Some(id) = part["id"].as_str() else {
        return Vec::new();
    };
    vec![MediaRef {
        kind: k,
        file: id.to_string(),
        mime: part["mime_type"].as_str().map(str::to_string),
        filename: part["filename"].as_str().map(str::to_string),
        size: part["file_size"].as_u64(),
        seconds: part["duration"].as_u64(),
    }]
}

/// The messages of a (verified) webhook delivery; statuses and unknown types are skipped.
/// Group messages carry `group_id`; the bot counts as mentioned when the text names
/// `@<display phone number>` or the context mentions it.
pub fn parse_delivery(body: &Value) -> Vec<Delivered> {
    let mut out = Vec::new();
    let Some(entries) = body["entry"].as_array() else {
        return out;
    };
    for change in entries
        .iter()
        .filter_map(|e| e["changes"].as_array())
        .flatten()
    {
        if change["field"].as_str() != Some("messages") {
            continue;
        }
        let value = &change["value"];
        let phone_id = value["metadata"]["phone_number_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let display = value["metadata"]["display_phone_number"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let contacts = value["contacts"].as_array().cloned().unwrap_or_default();
        for m in value["messages"].as_array().into_iter().flatten() {
            let (Some(from), Some(text)) = (m["from"].as_str(), text_of(m)) else {
                continue;
            };
            let name = contacts
                .iter()
                .find(|c| c["wa_id"].as_str() == Some(from))
                .and_then(|c| c["profile"]["name"].as_str())
                .map(str::to_string);
            let sender_id = e164(from);
            let group = m["group_id"].as_str().map(str::to_string);
            let digits: String = display.chars().filter(char::is_ascii_digit).collect();
            let mentioned = group.is_none()
                || (!digits.is_empty() && text.contains(&format!("@{digits}")))
                || m["context"]["mentions"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(digits.as_str())));
            out.push(Delivered {
                phone_number_id: phone_id.clone(),
                msg: InboundMessage {
                    channel: ChannelKind::WhatsApp,
                    account: String::new(),
                    chat_id: group.clone().unwrap_or_else(|| sender_id.clone()),
                    sender: Sender {
                        id: sender_id,
                        username: None,
                        name,
                    },
                    text,
                    thread_id: None,
                    is_group: group.is_some(),
                    message_id: m["id"].as_str().map(str::to_string),
                    mentioned,
                    guild_id: None,
                    media: media_of(m),
                },
            });
        }
    }
    out
}

/// `+<digits>` for a WhatsApp id.
fn e164(wa_id: &str) -> String {
    format!("+{}", wa_id.trim_start_matches('+'))
}

/// The Cloud API recipient for a target: a phone number loses `+`, spaces and dashes (and an
/// OpenClaw `whatsapp:` prefix); a group id (`group:<id>`, a `…@g.us` id, more digits than
/// E.164's 15, or anything not a number) is kept.
pub fn normalize_target(to: &str) -> Recipient {
    let t = to.trim();
    let t = t.strip_prefix("whatsapp:").unwrap_or(t).trim();
    if let Some(g) = t.strip_prefix("group:") {
        return Recipient::Group(g.trim().to_string());
    }
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    let phone_like = t
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')'));
    if phone_like && !digits.is_empty() && digits.len() <= 15 {
        Recipient::Individual(digits)
    } else {
        Recipient::Group(t.to_string())
    }
}

/// Who a message goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    /// A phone number (digits only).
    Individual(String),
    /// A group id.
    Group(String),
}

/// The common part of a message body; `reply_to` quotes a message (`context.message_id`).
pub fn envelope(to: &str, reply_to: Option<&str>) -> Value {
    let (kind, id) = match normalize_target(to) {
        Recipient::Individual(n) => ("individual", n),
        Recipient::Group(g) => ("group", g),
    };
    let mut b = json!({"messaging_product": "whatsapp", "recipient_type": kind, "to": id});
    if let Some(r) = reply_to {
        b["context"] = json!({"message_id": r});
    }
    b
}

/// A text message body.
pub fn text_body(to: &str, text: &str, reply_to: Option<&str>) -> Value {
    let mut b = envelope(to, reply_to);
    b["type"] = json!("text");
    b["text"] = json!({"preview_url": false, "body": text});
    b
}

/// The Cloud API media type for an attachment (`image`, `video`, `audio`, `document`).
pub fn media_type(file: &Attachment, gif_playback: bool) -> &'static str {
    let m = file.mime.as_str();
    match m {
        "image/jpeg" | "image/png" => "image",
        "image/gif" => "document",
        _ if m.starts_with("video/") => "video",
        _ if m.starts_with("audio/") && !gif_playback => "audio",
        _ => "document",
    }
}

/// A media message body for an uploaded media id (audio takes no caption).
pub fn media_body(
    to: &str,
    kind: &str,
    media_id: &str,
    caption: &str,
    filename: &str,
    reply_to: Option<&str>,
) -> Value {
    let mut b = envelope(to, reply_to);
    let mut part = json!({"id": media_id});
    if kind != "audio" && !caption.is_empty() {
        part["caption"] = json!(caption);
    }
    if kind == "document" {
        part["filename"] = json!(filename);
    }
    b["type"] = json!(kind);
    b[kind] = part;
    b
}

/// A `template` from a `--card`: `{name, language, components?}` or `{template: {…}}`;
/// `language` may be a code string (`"en_US"`).
pub fn template(card: &Value) -> Result<Value, String> {
    let t = card.get("template").unwrap_or(card);
    let name = t["name"].as_str().filter(|n| !n.trim().is_empty());
    let language = match &t["language"] {
        Value::String(code) => Some(json!({"code": code})),
        Value::Object(o) if o.get("code").is_some_and(Value::is_string) => {
            Some(t["language"].clone())
        }
        _ => None,
    };
    let (Some(name), Some(language)) = (name, language) else {
        return Err(
            "a WhatsApp card is a message template: {\"name\": …, \"language\": \"en_US\", \"components\"?: […]}"
                .into(),
        );
    };
    let mut out = json!({"name": name, "language": language});
    if let Some(c) = t.get("components") {
        if !c.is_array() {
            return Err("template components must be an array".into());
        }
        out["components"] = c.clone();
    }
    Ok(out)
}

/// A template message body.
pub fn template_body(to: &str, template: &Value) -> Value {
    let mut b = envelope(to, None);
    b["type"] = json!("template");
    b["template"] = template.clone();
    b
}

/// A read receipt for an inbound message.
pub fn read_body(message_id: &str) -> Value {
    json!({"messaging_product": "whatsapp", "status": "read", "message_id": message_id})
}

/// The message id of a send answer (`messages[0].id`).
pub fn sent_id(answer: &Value) -> Option<String> {
    answer["messages"][0]["id"].as_str().map(str::to_string)
}

/// The Graph API error message of an answer, never the token.
pub fn error_of(answer: &Value, status: u16) -> String {
    match answer["error"]["message"].as_str() {
        Some(m) => format!("HTTP {status}: {m}"),
        None => format!("HTTP {status}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::hmac::{hex, hmac_sha256};

    #[test]
    fn signatures_and_the_handshake_are_exact() {
        let body = br#"{"object":"whatsapp_business_account"}"#;
        let sig = format!("sha256={}", hex(&hmac_sha256(b"app-secret", body)));
        assert!(verify_signature("app-secret", Some(&sig), body));
        assert!(!verify_signature("other", Some(&sig), body));
        assert!(!verify_signature("app-secret", None, body));
        assert!(!verify_signature("", Some(&sig), body));
        assert_eq!(
            verify_challenge(Some("subscribe"), Some("vt"), Some("42"), "vt"),
            Some("42")
        );
        assert_eq!(
            verify_challenge(Some("subscribe"), Some("no"), Some("42"), "vt"),
            None
        );
        assert_eq!(
            verify_challenge(Some("x"), Some("vt"), Some("42"), "vt"),
            None
        );
    }

    #[test]
    fn deliveries_become_messages() {
        let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [
            {"field": "messages", "value": {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "15550001111", "phone_number_id": "PN1"},
             "contacts": [{"profile": {"name": "Ada"}, "wa_id": "15551234567"}],
             "messages": [
               {"from": "15551234567", "id": "wamid.1", "timestamp": "1", "type": "text", "text": {"body": "hi"}},
               {"from": "15551234567", "id": "wamid.2", "timestamp": "1", "type": "image",
                "image": {"id": "M1", "mime_type": "image/jpeg", "caption": "look"}},
               {"from": "15551234567", "id": "wamid.3", "type": "reaction", "reaction": {}}
             ]}},
            {"field": "messages", "value": {"metadata": {"phone_number_id": "PN1"}, "statuses": [{"id": "x"}]}}
        ]}]});
        let got = parse_delivery(&body);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].phone_number_id, "PN1");
        assert_eq!(got[0].msg.chat_id, "+15551234567");
        assert_eq!(got[0].msg.sender.name.as_deref(), Some("Ada"));
        assert_eq!(got[1].msg.text, "<media:image> look");
        assert!(!got[0].msg.is_group && got[0].msg.mentioned);
    }

    #[test]
    fn targets_and_bodies() {
        assert_eq!(
            normalize_target("+1 555-123-4567"),
            Recipient::Individual("15551234567".into())
        );
        assert_eq!(
            normalize_target("group:ABC"),
            Recipient::Group("ABC".into())
        );
        assert_eq!(
            normalize_target("120363040000000001"),
            Recipient::Group("120363040000000001".into())
        );
        let b = text_body("+15551234567", "hi", Some("wamid.1"));
        assert_eq!(
            b,
            json!({"messaging_product": "whatsapp", "recipient_type": "individual",
                   "to": "15551234567", "type": "text", "text": {"preview_url": false, "body": "hi"},
                   "context": {"message_id": "wamid.1"}})
        );
        assert!(template(&json!({"name": "hello_world", "language": "en_US"})).is_ok());
        assert!(template(&json!({"blocks": []})).is_err());
    }
}
