//! Telegram Bot API wire types (`getMe`, `getUpdates`, `sendMessage`) and the mapping of an
//! update to an [`InboundMessage`].

use super::media_in::{MediaRef, MediaRefKind};
use super::{InboundMessage, Sender};
use crate::config::ChannelKind;
use serde::Deserialize;
use serde_json::{json, Value};

/// The `{ok, result | description}` envelope of every Bot API answer.
#[derive(Debug, Deserialize)]
pub struct ApiResponse<T> {
    /// Success flag.
    pub ok: bool,
    /// The result when `ok`.
    pub result: Option<T>,
    /// Error text when not `ok` (may quote the request, never logged verbatim with the URL).
    pub description: Option<String>,
    /// Error code when not `ok`.
    pub error_code: Option<i64>,
    /// Extra error data (`retry_after` seconds on a 429).
    pub parameters: Option<Value>,
}

/// A Telegram user.
#[derive(Debug, Clone, Deserialize)]
pub struct User {
    /// User id.
    pub id: i64,
    /// Whether it is a bot.
    #[serde(default)]
    pub is_bot: bool,
    /// First name.
    #[serde(default)]
    pub first_name: String,
    /// Last name.
    pub last_name: Option<String>,
    /// Username without `@`.
    pub username: Option<String>,
}

/// A chat.
#[derive(Debug, Clone, Deserialize)]
pub struct Chat {
    /// Chat id (negative for groups).
    pub id: i64,
    /// `private` | `group` | `supergroup` | `channel`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Group title.
    pub title: Option<String>,
}

/// A message.
#[derive(Debug, Clone, Deserialize)]
pub struct Message {
    /// Message id (unique within the chat).
    pub message_id: i64,
    /// Sender (absent for channel posts).
    pub from: Option<User>,
    /// Chat.
    pub chat: Chat,
    /// Text.
    pub text: Option<String>,
    /// Caption of a media message.
    pub caption: Option<String>,
    /// Forum topic id.
    pub message_thread_id: Option<i64>,
    /// Whether the message is in a forum topic.
    #[serde(default)]
    pub is_topic_message: bool,
    /// The message this one replies to.
    pub reply_to_message: Option<Box<Message>>,
    /// A photo, in several sizes (the last is the largest).
    pub photo: Option<Vec<FileRef>>,
    /// A voice note.
    pub voice: Option<FileRef>,
    /// An audio file.
    pub audio: Option<FileRef>,
    /// A video.
    pub video: Option<FileRef>,
    /// A round video message.
    pub video_note: Option<FileRef>,
    /// A document (any file).
    pub document: Option<FileRef>,
}

/// A file of a message (`PhotoSize`, `Voice`, `Audio`, `Video`, `Document`: the fields they
/// share).
#[derive(Debug, Clone, Deserialize)]
pub struct FileRef {
    /// The id `getFile` takes.
    pub file_id: String,
    /// Size in bytes.
    pub file_size: Option<u64>,
    /// MIME type.
    pub mime_type: Option<String>,
    /// Original file name.
    pub file_name: Option<String>,
    /// Duration in seconds.
    pub duration: Option<u64>,
}

/// The files of a message, as media references.
fn media_of(m: &Message) -> Vec<MediaRef> {
    let as_ref = |kind: MediaRefKind, f: &FileRef| MediaRef {
        kind,
        file: f.file_id.clone(),
        mime: f.mime_type.clone(),
        filename: f.file_name.clone(),
        size: f.file_size,
        seconds: f.duration,
    };
    let mut out = Vec::new();
    if let Some(largest) = m.photo.as_ref().and_then(|p| p.last()) {
        out.push(as_ref(MediaRefKind::Image, largest));
    }
    for (kind, f) in [
        (MediaRefKind::Voice, &m.voice),
        (MediaRefKind::Audio, &m.audio),
        (MediaRefKind::Video, &m.video),
        (MediaRefKind::Video, &m.video_note),
        (MediaRefKind::Document, &m.document),
    ] {
        if let Some(f) = f {
            let image_doc = kind == MediaRefKind::Document
                && f.mime_type
                    .as_deref()
                    .is_some_and(|t| t.starts_with("image/"));
            out.push(as_ref(
                if image_doc { MediaRefKind::Image } else { kind },
                f,
            ));
        }
    }
    out
}

/// One `getUpdates` item (only `message` is handled; other kinds only advance the offset).
#[derive(Debug, Clone, Deserialize)]
pub struct Update {
    /// Monotonic update id.
    pub update_id: i64,
    /// A new message.
    pub message: Option<Message>,
}

/// `getUpdates` query parameters for `offset` and a long-poll `timeout` (seconds).
pub fn get_updates_body(offset: i64, timeout_secs: u64) -> Value {
    json!({"offset": offset, "timeout": timeout_secs, "allowed_updates": ["message"]})
}

/// The header carrying a webhook's `secret_token` on every update Telegram POSTs.
pub const SECRET_TOKEN_HEADER: &str = "x-telegram-bot-api-secret-token";

/// `setWebhook` body: the public URL, the secret echoed back in [`SECRET_TOKEN_HEADER`], and
/// the update kinds handled.
pub fn set_webhook_body(url: &str, secret_token: &str) -> Value {
    json!({"url": url, "secret_token": secret_token, "allowed_updates": ["message"]})
}

/// Whether a webhook request's secret header matches the configured secret (constant time).
pub fn webhook_secret_ok(header: Option<&str>, secret: &str) -> bool {
    !secret.is_empty() && super::hmac::ct_eq(header.unwrap_or_default(), secret)
}

/// A chat id as the Bot API wants it: a number when numeric, else the string (`@channel`).
pub fn chat_id_value(to: &str) -> Value {
    let t = normalize_target(to);
    match t.parse::<i64>() {
        Ok(n) => json!(n),
        Err(_) => json!(t),
    }
}

/// Strips OpenClaw target prefixes (`telegram:`, `tg:`, `chat_id:`, `chat:`).
pub fn normalize_target(to: &str) -> String {
    let mut t = to.trim();
    for p in ["telegram:", "tg:", "chat_id:", "chat:"] {
        if let Some(r) = t.strip_prefix(p) {
            t = r.trim();
        }
    }
    t.to_string()
}

/// `sendMessage` body (plain text: no `parse_mode`, so nothing needs escaping).
pub fn send_message_body(
    to: &str,
    text: &str,
    thread_id: Option<&str>,
    reply_to: Option<&str>,
    silent: bool,
) -> Value {
    let mut b = json!({"chat_id": chat_id_value(to), "text": text});
    if let Some(t) = thread_id.and_then(|t| t.trim().parse::<i64>().ok()) {
        b["message_thread_id"] = json!(t);
    }
    if let Some(r) = reply_to.and_then(|r| r.trim().parse::<i64>().ok()) {
        b["reply_to_message_id"] = json!(r);
        b["allow_sending_without_reply"] = json!(true);
    }
    if silent {
        b["disable_notification"] = json!(true);
    }
    b
}

/// `reply_markup` for `--buttons`: rows of `{text, callback_data | url}` (a flat list is one
/// row; `{inline_keyboard: …}` is taken as is), checked as the Bot API would.
pub fn reply_markup(buttons: &Value) -> Result<Value, String> {
    let rows = match buttons {
        Value::Object(o) => o.get("inline_keyboard").cloned().unwrap_or(Value::Null),
        v => v.clone(),
    };
    let Value::Array(rows) = rows else {
        return Err("buttons must be a JSON array of rows of {text, callback_data|url}".into());
    };
    let rows: Vec<Value> = if rows.iter().all(Value::is_object) {
        vec![Value::Array(rows)]
    } else {
        rows
    };
    if rows.is_empty() {
        return Err("buttons must not be empty".into());
    }
    for row in &rows {
        let Some(row) = row.as_array().filter(|r| !r.is_empty()) else {
            return Err("each buttons row must be a non-empty array".into());
        };
        for b in row {
            if b["text"].as_str().is_none_or(|t| t.trim().is_empty()) {
                return Err("every button needs a non-empty `text`".into());
            }
            let data = b["callback_data"].as_str();
            let url = b["url"].as_str();
            match (data, url) {
                (Some(d), None) if !d.is_empty() && d.len() <= 64 => {}
                (Some(_), None) => {
                    return Err("`callback_data` must be 1 to 64 bytes".into());
                }
                (None, Some(u))
                    if u.starts_with("https://")
                        || u.starts_with("http://")
                        || u.starts_with("tg://") => {}
                (None, Some(_)) => return Err("button `url` must be http(s):// or tg://".into()),
                _ => {
                    return Err("every button needs exactly one of `callback_data` or `url`".into())
                }
            }
        }
    }
    Ok(json!({"inline_keyboard": rows}))
}

/// The Bot API method and file field for an attachment kind.
pub fn media_method(kind: crate::channels::media::MediaKind) -> (&'static str, &'static str) {
    use crate::channels::media::MediaKind;
    match kind {
        MediaKind::Photo => ("sendPhoto", "photo"),
        MediaKind::Animation => ("sendAnimation", "animation"),
        MediaKind::Video => ("sendVideo", "video"),
        MediaKind::Document => ("sendDocument", "document"),
    }
}

/// Maps an update to an inbound message; `None` for non-text updates, bots and channel posts.
pub fn normalize(account: &str, bot_username: Option<&str>, u: &Update) -> Option<InboundMessage> {
    let m = u.message.as_ref()?;
    let from = m.from.as_ref()?;
    if from.is_bot {
        return None;
    }
    let media = media_of(m);
    let mut text = m
        .text
        .clone()
        .or_else(|| m.caption.clone())
        .unwrap_or_default();
    if let Some(first) = media.first() {
        let tag = format!("<media:{}>", first.kind.label().replace(' ', "_"));
        text = if text.trim().is_empty() {
            tag
        } else {
            format!("{tag} {text}")
        };
    }
    if text.trim().is_empty() {
        return None;
    }
    let is_group = matches!(m.chat.kind.as_str(), "group" | "supergroup");
    if !is_group && m.chat.kind != "private" {
        return None;
    }
    let mentioned = bot_username.is_some_and(|b| {
        let tag = format!("@{}", b.to_ascii_lowercase());
        text.to_ascii_lowercase().contains(&tag)
            || m.reply_to_message
                .as_ref()
                .and_then(|r| r.from.as_ref())
                .and_then(|f| f.username.as_deref())
                .is_some_and(|u| u.eq_ignore_ascii_case(b))
    });
    let name = match &from.last_name {
        Some(l) => format!("{} {l}", from.first_name),
        None => from.first_name.clone(),
    };
    Some(InboundMessage {
        channel: ChannelKind::Telegram,
        account: account.to_string(),
        chat_id: m.chat.id.to_string(),
        sender: Sender {
            id: from.id.to_string(),
            username: from.username.clone(),
            name: Some(name).filter(|n| !n.trim().is_empty()),
        },
        text,
        thread_id: m
            .message_thread_id
            .filter(|_| m.is_topic_message)
            .map(|t| t.to_string()),
        is_group,
        message_id: Some(m.message_id.to_string()),
        mentioned,
        guild_id: None,
        media,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(v: Value) -> Update {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_private_text_message_is_normalised() {
        let u = update(
            json!({"update_id": 7, "message": {"message_id": 3, "date": 0,
            "from": {"id": 42, "is_bot": false, "first_name": "Ada", "username": "ada"},
            "chat": {"id": 42, "type": "private"}, "text": "hi"}}),
        );
        let m = normalize("default", Some("bot"), &u).unwrap();
        assert_eq!(m.chat_id, "42");
        assert_eq!(m.sender.username.as_deref(), Some("ada"));
        assert!(!m.is_group);
        assert_eq!(m.message_id.as_deref(), Some("3"));
    }

    #[test]
    fn group_mentions_and_topics_are_detected() {
        let u = update(
            json!({"update_id": 8, "message": {"message_id": 4, "date": 0,
            "from": {"id": 1, "is_bot": false, "first_name": "B"},
            "chat": {"id": -100, "type": "supergroup"}, "text": "hey @ClawBot",
            "message_thread_id": 9, "is_topic_message": true}}),
        );
        let m = normalize("default", Some("clawbot"), &u).unwrap();
        assert!(m.is_group && m.mentioned);
        assert_eq!(m.thread_id.as_deref(), Some("9"));
    }

    #[test]
    fn bots_and_non_text_updates_are_skipped() {
        let bot = update(
            json!({"update_id": 1, "message": {"message_id": 1, "date": 0,
            "from": {"id": 1, "is_bot": true, "first_name": "B"},
            "chat": {"id": 1, "type": "private"}, "text": "x"}}),
        );
        assert!(normalize("default", None, &bot).is_none());
        assert!(normalize("default", None, &update(json!({"update_id": 2}))).is_none());
    }

    #[test]
    fn buttons_become_an_inline_keyboard_or_a_clear_error() {
        let flat =
            json!([{"text": "Yes", "callback_data": "y"}, {"text": "Docs", "url": "https://x"}]);
        let m = reply_markup(&flat).unwrap();
        assert_eq!(m["inline_keyboard"][0][1]["url"], "https://x");
        let rows =
            json!([[{"text": "A", "callback_data": "a"}], [{"text": "B", "callback_data": "b"}]]);
        assert_eq!(
            reply_markup(&rows).unwrap()["inline_keyboard"][1][0]["text"],
            "B"
        );
        assert!(reply_markup(&json!([{"text": "x"}])).is_err());
        assert!(reply_markup(&json!("x")).is_err());
        assert!(reply_markup(&json!([{"text": "x", "url": "file:///etc"}])).is_err());
    }

    #[test]
    fn send_bodies_carry_thread_reply_and_silence() {
        let b = send_message_body("telegram:-100", "t", Some("5"), Some("6"), true);
        assert_eq!(b["chat_id"], -100);
        assert_eq!(b["message_thread_id"], 5);
        assert_eq!(b["reply_to_message_id"], 6);
        assert_eq!(b["disable_notification"], true);
        assert_eq!(
            send_message_body("@chan", "t", None, None, false)["chat_id"],
            "@chan"
        );
    }
}
