//! Slack wire format: Events API request signatures (`v0:<ts>:<body>` HMAC-SHA256 under the
//! signing secret, 5-minute clock window), the `url_verification` handshake, message events,
//! and `chat.postMessage` bodies.

use super::hmac::verify_hex;
use super::media_in::{MediaRef, MediaRefKind};
use super::{InboundMessage, Sender};
use crate::config::ChannelKind;
use serde_json::{json, Value};

/// Requests older (or newer) than this are refused (Slack's replay window).
pub const MAX_CLOCK_SKEW_SECS: i64 = 300;
/// Timestamp header.
pub const TIMESTAMP_HEADER: &str = "x-slack-request-timestamp";
/// Signature header.
pub const SIGNATURE_HEADER: &str = "x-slack-signature";

/// Why a request signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureError {
    /// Headers missing or malformed.
    Missing,
    /// Outside the replay window.
    Stale,
    /// Wrong signature.
    Mismatch,
}

/// Verifies Slack's `X-Slack-Signature` for `body` at `now` (Unix seconds).
pub fn verify(
    signing_secret: &str,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), SignatureError> {
    let ts = timestamp.ok_or(SignatureError::Missing)?.trim();
    let ts_num: i64 = ts.parse().map_err(|_| SignatureError::Missing)?;
    let sig = signature
        .and_then(|s| s.trim().strip_prefix("v0="))
        .ok_or(SignatureError::Missing)?;
    if (now - ts_num).abs() > MAX_CLOCK_SKEW_SECS {
        return Err(SignatureError::Stale);
    }
    let mut base = format!("v0:{ts}:").into_bytes();
    base.extend_from_slice(body);
    if verify_hex(signing_secret.as_bytes(), &base, sig) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// What an Events API request asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// Echo `challenge`.
    UrlVerification {
        /// The value to echo.
        challenge: String,
    },
    /// An event (`event_callback`).
    Event(Value),
    /// Anything else (acknowledged, ignored).
    Other,
}

/// Classifies a (verified) request body.
pub fn parse(body: &Value) -> Payload {
    match body["type"].as_str() {
        Some("url_verification") => Payload::UrlVerification {
            challenge: body["challenge"].as_str().unwrap_or_default().to_string(),
        },
        Some("event_callback") => Payload::Event(body["event"].clone()),
        _ => Payload::Other,
    }
}

/// Maps a `message` / `app_mention` event to an inbound message; `None` for bot posts, edits
/// and other subtypes.
pub fn normalize(account: &str, bot_user_id: Option<&str>, ev: &Value) -> Option<InboundMessage> {
    let kind = ev["type"].as_str()?;
    if kind != "message" && kind != "app_mention" {
        return None;
    }
    if ev.get("bot_id").is_some_and(|b| !b.is_null()) {
        return None;
    }
    match ev["subtype"].as_str() {
        None | Some("file_share") | Some("thread_broadcast") => {}
        Some(_) => return None,
    }
    let user = ev["user"].as_str()?;
    if bot_user_id == Some(user) {
        return None;
    }
    let media = media_of(ev);
    let text = ev["text"].as_str().unwrap_or_default().to_string();
    if text.trim().is_empty() && media.is_empty() {
        return None;
    }
    let channel = ev["channel"].as_str()?.to_string();
    let ts = ev["ts"].as_str().map(str::to_string);
    let thread = ev["thread_ts"]
        .as_str()
        .filter(|t| Some(*t) != ts.as_deref())
        .map(str::to_string);
    let is_group = ev["channel_type"].as_str() != Some("im");
    let mentioned =
        kind == "app_mention" || bot_user_id.is_some_and(|b| text.contains(&format!("<@{b}>")));
    Some(InboundMessage {
        channel: ChannelKind::Slack,
        account: account.to_string(),
        chat_id: channel,
        sender: Sender {
            id: user.to_string(),
            username: None,
            name: None,
        },
        text,
        thread_id: thread,
        is_group,
        message_id: ts,
        mentioned,
        guild_id: None,
        media: media_of(ev),
    })
}

/// The files of a `file_share` message (downloaded with the bot token).
fn media_of(ev: &Value) -> Vec<MediaRef> {
    let files = ev["files"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    files
        .iter()
        .filter_map(|f| {
            let url = f["url_private_download"]
                .as_str()
                .or(f["url_private"].as_str())?;
            let mime = f["mimetype"].as_str().map(str::to_string);
            let kind = match mime.as_deref().unwrap_or_default() {
                t if t.starts_with("image/") => MediaRefKind::Image,
                t if t.starts_with("audio/") && f["subtype"].as_str() == Some("slack_audio") => {
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
                filename: f["name"].as_str().map(str::to_string),
                size: f["size"].as_u64(),
                seconds: f["duration_ms"].as_u64().map(|ms| ms / 1000),
            })
        })
        .collect()
}

/// Strips OpenClaw target prefixes (`slack:`, `channel:`, `user:`).
pub fn normalize_target(to: &str) -> String {
    let mut t = to.trim();
    for p in ["slack:", "channel:", "user:"] {
        if let Some(r) = t.strip_prefix(p) {
            t = r.trim();
        }
    }
    t.to_string()
}

/// `chat.postMessage` body; a quoted message becomes the thread (`thread_ts`).
pub fn post_message_body(
    to: &str,
    text: &str,
    thread_id: Option<&str>,
    reply_to: Option<&str>,
) -> Value {
    let mut b = json!({"channel": normalize_target(to), "text": text});
    if let Some(t) = thread_id.or(reply_to) {
        b["thread_ts"] = json!(t);
    }
    b
}

/// `blocks` for `--card`: an array of blocks, `{blocks: [...]}`, or one block object.
pub fn card_blocks(card: &Value) -> Result<Value, String> {
    let blocks = match card {
        Value::Array(_) => card.clone(),
        Value::Object(o) if o.contains_key("blocks") => o["blocks"].clone(),
        Value::Object(o) if o.contains_key("type") => Value::Array(vec![card.clone()]),
        _ => Value::Null,
    };
    match blocks {
        Value::Array(a) if !a.is_empty() && a.iter().all(|b| b["type"].is_string()) => {
            Ok(Value::Array(a))
        }
        _ => Err("a Slack card must be Block Kit blocks: [{\"type\": …}, …]".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::hmac::{hex, hmac_sha256};

    fn sign(secret: &str, ts: &str, body: &str) -> String {
        format!(
            "v0={}",
            hex(&hmac_sha256(
                secret.as_bytes(),
                format!("v0:{ts}:{body}").as_bytes()
            ))
        )
    }

    #[test]
    fn signatures_are_checked_with_a_replay_window() {
        let body = r#"{"type":"url_verification"}"#;
        let sig = sign("sec", "1000", body);
        assert_eq!(
            verify("sec", Some("1000"), Some(&sig), body.as_bytes(), 1100),
            Ok(())
        );
        assert_eq!(
            verify("sec", Some("1000"), Some(&sig), body.as_bytes(), 2000),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify("other", Some("1000"), Some(&sig), body.as_bytes(), 1000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify("sec", None, Some(&sig), body.as_bytes(), 1000),
            Err(SignatureError::Missing)
        );
    }

    #[test]
    fn message_events_are_normalised_and_bots_skipped() {
        let ev = json!({"type": "message", "channel": "C1", "user": "U1", "text": "hi <@UBOT>",
            "ts": "2.0", "thread_ts": "1.0", "channel_type": "channel"});
        let m = normalize("default", Some("UBOT"), &ev).unwrap();
        assert!(m.is_group && m.mentioned);
        assert_eq!(m.thread_id.as_deref(), Some("1.0"));
        let bot =
            json!({"type": "message", "channel": "C1", "user": "U1", "text": "x", "bot_id": "B1"});
        assert!(normalize("default", None, &bot).is_none());
        let edit = json!({"type": "message", "subtype": "message_changed", "channel": "C1"});
        assert!(normalize("default", None, &edit).is_none());
    }

    #[test]
    fn shared_files_become_media_references() {
        let ev = json!({"type": "message", "subtype": "file_share", "channel": "D1",
            "channel_type": "im", "user": "U1", "text": "", "ts": "3.0", "files": [
            {"id": "F1", "name": "a.png", "mimetype": "image/png", "size": 10,
             "url_private_download": "https://files.slack.com/a.png"},
            {"id": "F2", "name": "v.m4a", "mimetype": "audio/mp4", "subtype": "slack_audio",
             "duration_ms": 4200, "url_private": "https://files.slack.com/v.m4a"}]});
        let m = normalize("default", Some("UBOT"), &ev).unwrap();
        assert_eq!(m.media.len(), 2);
        assert_eq!(m.media[0].kind, MediaRefKind::Image);
        assert_eq!(m.media[0].file, "https://files.slack.com/a.png");
        assert_eq!(m.media[1].kind, MediaRefKind::Voice);
        assert_eq!(m.media[1].seconds, Some(4));
        let empty = json!({"type": "message", "channel": "D1", "user": "U1", "text": " "});
        assert!(normalize("default", None, &empty).is_none());
    }
}
