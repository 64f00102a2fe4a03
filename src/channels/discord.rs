//! Discord wire format: Gateway opcodes and payloads (HELLO, heartbeat, IDENTIFY, RESUME,
//! dispatch), `MESSAGE_CREATE` normalisation, and REST message bodies.

use super::media_in::{MediaRef, MediaRefKind};
use super::{InboundMessage, Sender};
use crate::config::ChannelKind;
use serde_json::{json, Value};

/// Dispatch (an event with `t` and `s`).
pub const OP_DISPATCH: u64 = 0;
/// Heartbeat (both directions).
pub const OP_HEARTBEAT: u64 = 1;
/// Identify.
pub const OP_IDENTIFY: u64 = 2;
/// Resume.
pub const OP_RESUME: u64 = 6;
/// The server asks for a reconnect (resume).
pub const OP_RECONNECT: u64 = 7;
/// The session is invalid (`d`: resumable).
pub const OP_INVALID_SESSION: u64 = 9;
/// Hello (`d.heartbeat_interval`).
pub const OP_HELLO: u64 = 10;
/// Heartbeat acknowledged.
pub const OP_HEARTBEAT_ACK: u64 = 11;

/// GUILDS | GUILD_MESSAGES | DIRECT_MESSAGES | MESSAGE_CONTENT.
pub const INTENTS: u64 = 1 | (1 << 9) | (1 << 12) | (1 << 15);
/// `SUPPRESS_NOTIFICATIONS` message flag (silent sends).
pub const FLAG_SUPPRESS_NOTIFICATIONS: u64 = 1 << 12;
/// Close code: authentication failed (do not retry blindly).
pub const CLOSE_AUTHENTICATION_FAILED: u16 = 4004;

/// `IDENTIFY`.
pub fn identify(token: &str) -> Value {
    json!({"op": OP_IDENTIFY, "d": {"token": token, "intents": INTENTS,
        "properties": {"os": std::env::consts::OS, "browser": "clawgate", "device": "clawgate"}}})
}

/// `RESUME`.
pub fn resume(token: &str, session_id: &str, seq: Option<u64>) -> Value {
    json!({"op": OP_RESUME, "d": {"token": token, "session_id": session_id, "seq": seq}})
}

/// A heartbeat with the last sequence number seen.
pub fn heartbeat(seq: Option<u64>) -> Value {
    json!({"op": OP_HEARTBEAT, "d": seq})
}

/// Where a send goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A channel (guild channel, thread, or existing DM channel).
    Channel(String),
    /// A user: a DM channel is opened first.
    User(String),
}

/// Parses `channel:<id>`, `user:<id>`, `discord:<id>`, `<@id>` or a bare channel id.
pub fn parse_target(to: &str) -> Target {
    let t = to.trim().trim_start_matches("discord:");
    if let Some(u) = t.strip_prefix("user:") {
        return Target::User(u.trim().to_string());
    }
    if let Some(u) = t.strip_prefix("<@").and_then(|r| r.strip_suffix('>')) {
        return Target::User(u.trim_start_matches('!').to_string());
    }
    Target::Channel(t.trim_start_matches("channel:").trim().to_string())
}

/// `POST /channels/{id}/messages` body.
pub fn create_message_body(text: &str, reply_to: Option<&str>, silent: bool) -> Value {
    let mut b = json!({"content": text, "allowed_mentions": {"parse": ["users"]}});
    if let Some(r) = reply_to {
        b["message_reference"] = json!({"message_id": r, "fail_if_not_exists": false});
    }
    if silent {
        b["flags"] = json!(FLAG_SUPPRESS_NOTIFICATIONS);
    }
    b
}

/// Maps a `MESSAGE_CREATE` payload to an inbound message; `None` for bots and empty content.
pub fn normalize(account: &str, bot_id: Option<&str>, d: &Value) -> Option<InboundMessage> {
    let author = &d["author"];
    if author["bot"].as_bool() == Some(true) {
        return None;
    }
    let author_id = author["id"].as_str()?;
    if bot_id == Some(author_id) {
        return None;
    }
    let media = media_of(d);
    let text = d["content"].as_str().unwrap_or_default();
    if text.trim().is_empty() && media.is_empty() {
        return None;
    }
    let guild = d["guild_id"].as_str().map(str::to_string);
    let mentioned = bot_id.is_some_and(|b| {
        text.contains(&format!("<@{b}>"))
            || text.contains(&format!("<@!{b}>"))
            || d["mentions"]
                .as_array()
                .is_some_and(|m| m.iter().any(|u| u["id"].as_str() == Some(b)))
    });
    Some(InboundMessage {
        channel: ChannelKind::Discord,
        account: account.to_string(),
        chat_id: d["channel_id"].as_str()?.to_string(),
        sender: Sender {
            id: author_id.to_string(),
            username: author["username"].as_str().map(str::to_string),
            name: author["global_name"].as_str().map(str::to_string),
        },
        text: text.to_string(),
        thread_id: None,
        is_group: guild.is_some(),
        message_id: d["id"].as_str().map(str::to_string),
        mentioned,
        guild_id: guild,
        media,
    })
}

/// The attachments of a message (their CDN URLs).
fn media_of(d: &Value) -> Vec<MediaRef> {
    let list = d["attachments"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    list.iter()
        .filter_map(|a| {
            let url = a["url"].as_str()?;
            let mime = a["content_type"]
                .as_str()
                .map(|t| t.split(';').next().unwrap_or_default().trim().to_string());
            let kind = match mime.as_deref().unwrap_or_default() {
                t if t.starts_with("image/") => MediaRefKind::Image,
                t if t.starts_with("audio/") && a["duration_secs"].is_number() => {
                    MediaRefKind::Voice
                }
                t if t.starts_with("audio/") => MediaRefKind::Audio,
                t if t.starts_with("video/") => MediaRefKind::Video,
                _ => MediaRefKind::Document,
            };
            Some(MediaRef {
                kind,
                file: url.to_string(),
                mime,
                filename: a["filename"].as_str().map(str::to_string),
                size: a["size"].as_u64(),
                seconds: a["duration_secs"].as_f64().map(|s| s.round() as u64),
            })
        })
        .collect()
}

/// `embeds` for `--card`: an array of embeds, `{embeds: [...]}`, or one embed object.
pub fn card_embeds(card: &Value) -> Result<Value, String> {
    let embeds = match card {
        Value::Array(_) => card.clone(),
        Value::Object(o) if o.contains_key("embeds") => o["embeds"].clone(),
        Value::Object(_) => Value::Array(vec![card.clone()]),
        _ => Value::Null,
    };
    match embeds {
        Value::Array(a) if !a.is_empty() && a.len() <= 10 && a.iter().all(Value::is_object) => {
            Ok(Value::Array(a))
        }
        _ => Err("a Discord card must be 1 to 10 embed objects".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(parse_target("channel:123"), Target::Channel("123".into()));
        assert_eq!(parse_target("123"), Target::Channel("123".into()));
        assert_eq!(parse_target("user:9"), Target::User("9".into()));
        assert_eq!(parse_target("<@!9>"), Target::User("9".into()));
    }

    #[test]
    fn guild_messages_detect_mentions_and_bots_are_skipped() {
        let d = json!({"id": "m1", "channel_id": "c1", "guild_id": "g1", "content": "<@42> hi",
            "author": {"id": "u1", "username": "ada"}, "mentions": [{"id": "42"}]});
        let m = normalize("default", Some("42"), &d).unwrap();
        assert!(m.is_group && m.mentioned);
        assert_eq!(m.guild_id.as_deref(), Some("g1"));
        let bot = json!({"id": "m2", "channel_id": "c1", "content": "x",
            "author": {"id": "b", "bot": true}});
        assert!(normalize("default", Some("42"), &bot).is_none());
    }

    #[test]
    fn intents_and_silent_flags() {
        assert_eq!(INTENTS, 37377);
        let b = create_message_body("t", Some("5"), true);
        assert_eq!(b["flags"], 4096);
        assert_eq!(b["message_reference"]["message_id"], "5");
    }

    #[test]
    fn attachments_become_media_references_even_without_text() {
        let d = json!({"id": "m1", "channel_id": "c1", "content": "",
            "author": {"id": "u1", "username": "ada"}, "attachments": [
            {"id": "a1", "filename": "cat.jpg", "content_type": "image/jpeg", "size": 2048,
             "url": "https://cdn.discordapp.com/attachments/1/2/cat.jpg"},
            {"id": "a2", "filename": "voice-message.ogg", "content_type": "audio/ogg",
             "duration_secs": 2.6, "size": 900, "url": "https://cdn.discordapp.com/v.ogg"}]});
        let m = normalize("default", Some("bot"), &d).unwrap();
        assert_eq!(m.text, "");
        assert_eq!(m.media[0].kind, MediaRefKind::Image);
        assert_eq!(m.media[0].mime.as_deref(), Some("image/jpeg"));
        assert_eq!(m.media[1].kind, MediaRefKind::Voice);
        assert_eq!(m.media[1].seconds, Some(3));
        let nothing = json!({"id": "m2", "channel_id": "c1", "content": "  ",
            "author": {"id": "u1"}});
        assert!(normalize("default", None, &nothing).is_none());
    }
}
