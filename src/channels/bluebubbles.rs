//! iMessage through a BlueBubbles server: its REST API and webhook payloads.
//!
//! Every REST call carries the server password as `?password=…`. Send text:
//! `POST /api/v1/message/text` `{chatGuid, tempGuid, message, method}` (a reply adds
//! `selectedMessageGuid`); attachments: `POST /api/v1/message/attachment` (multipart
//! `attachment`, `chatGuid`, `tempGuid`, `name`, `method`); reachability: `GET /api/v1/ping`.
//! Answers are `{status, message, data}`.
//! Inbound: the server POSTs webhooks `{type: "new-message", data: {guid, text, isFromMe,
//! handle: {address}, chats: [{guid, style}], attachments: [{guid, mimeType, transferName,
//! totalBytes}]}}`; each attachment becomes a [`MediaRef`] by its guid, downloaded with
//! `GET /api/v1/attachment/{guid}/download?password=…`.
//! BlueBubbles does not sign them, so (as in OpenClaw) the webhook URL must carry the password:
//! `?password=…` or an `X-Password` header, compared in constant time.
//! Chats are GUIDs: `iMessage;-;+15551234567` (direct), `iMessage;+;chat123…` (group).

use super::hmac::ct_eq;
use super::media_in::{self, MediaRef};
use super::{InboundMessage, Sender};
use crate::config::ChannelKind;
use serde_json::{json, Value};

/// The header that may carry the password on webhooks.
pub const PASSWORD_HEADER: &str = "x-password";

/// Whether a webhook carries the server password (query or header).
pub fn authenticate(password: &str, query: Option<&str>, header: Option<&str>) -> bool {
    if password.is_empty() {
        return false;
    }
    [query, header]
        .into_iter()
        .flatten()
        .any(|given| ct_eq(given, password))
}

/// The chat GUID for a target: a GUID (`…;-;…` / `…;+;…`) is kept, `chat_guid:` dropped,
/// anything else (a phone number or an email) becomes a direct iMessage chat.
pub fn chat_guid(to: &str) -> String {
    let t = to.trim();
    let t = ["imessage:", "bluebubbles:", "imsg:", "chat_guid:"]
        .iter()
        .fold(t, |t, p| t.strip_prefix(p).unwrap_or(t))
        .trim();
    if t.contains(";-;") || t.contains(";+;") {
        t.to_string()
    } else {
        format!("iMessage;-;{t}")
    }
}

/// The message of a `new-message` webhook; `None` for other events and our own messages.
/// A group message counts as mentioning the bot when its text names `@<name>` (iMessage has
/// no mention metadata); `name` is the account's display name.
pub fn parse_webhook(body: &Value, name: Option<&str>) -> Option<InboundMessage> {
    if body["type"].as_str() != Some("new-message") {
        return None;
    }
    let d = &body["data"];
    if d["isFromMe"].as_bool() == Some(true) {
        return None;
    }
    let sender = d["handle"]["address"].as_str()?.to_string();
    let chat = d["chats"][0]["guid"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| chat_guid(&sender));
    let is_group = chat.contains(";+;") || d["chats"][0]["style"].as_i64() == Some(43);
    let mut text = d["text"].as_str().unwrap_or_default().trim().to_string();
    let media = media_of(d);
    for a in d["attachments"].as_array().into_iter().flatten() {
        let kind = a["mimeType"]
            .as_str()
            .and_then(|m| m.split('/').next())
            .unwrap_or("file");
        let tag = format!(
            "<media:{kind}> {}",
            a["transferName"].as_str().unwrap_or_default()
        );
        text = format!("{} {text}", tag.trim_end()).trim().to_string();
    }
    if text.is_empty() {
        return None;
    }
    let mentioned = !is_group
        || name.is_some_and(|n| {
            text.to_lowercase()
                .contains(&format!("@{}", n.to_lowercase()))
        });
    Some(InboundMessage {
        channel: ChannelKind::IMessage,
        account: String::new(),
        chat_id: chat,
        sender: Sender {
            id: sender,
            username: None,
            name: None,
        },
        text,
        thread_id: None,
        is_group,
        message_id: d["guid"].as_str().map(str::to_string),
        mentioned,
        guild_id: None,
        media,
    })
}

/// The attachments of a message, by their BlueBubbles guid (downloaded with
/// `GET /api/v1/attachment/{guid}/download`).
fn media_of(d: &Value) -> Vec<MediaRef> {
    let list = d["attachments"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    list.iter()
        .filter_map(|a| {
            let guid = a["guid"].as_str().filter(|g| !g.is_empty())?;
            let mime = a["mimeType"].as_str().map(str::to_ascii_lowercase);
            let voice = a["uti"].as_str() == Some("com.apple.coreaudio-format");
            Some(MediaRef {
                kind: media_in::kind_of(mime.as_deref().unwrap_or_default(), voice),
                file: guid.to_string(),
                mime,
                filename: a["transferName"].as_str().map(str::to_string),
                size: a["totalBytes"].as_u64(),
                seconds: None,
            })
        })
        .collect()
}

/// A `message/text` body.
pub fn text_body(to: &str, text: &str, temp_guid: &str, reply_to: Option<&str>) -> Value {
    let mut b = json!({"chatGuid": chat_guid(to), "tempGuid": temp_guid, "message": text,
                       "method": "apple-script"});
    if let Some(r) = reply_to {
        b["selectedMessageGuid"] = json!(r);
        b["method"] = json!("private-api");
    }
    b
}

/// The message GUID of an answer (`data.guid`), else `tempGuid`.
pub fn sent_guid(answer: &Value, temp_guid: &str) -> String {
    answer["data"]["guid"]
        .as_str()
        .unwrap_or(temp_guid)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhooks_need_the_password() {
        assert!(authenticate("pw", Some("pw"), None));
        assert!(authenticate("pw", None, Some("pw")));
        assert!(!authenticate("pw", Some("nope"), None));
        assert!(!authenticate("", Some(""), None));
    }

    #[test]
    fn new_messages_are_normalised() {
        let dm = json!({"type": "new-message", "data": {"guid": "g1", "text": "hi", "isFromMe": false,
            "handle": {"address": "+15551234567"}, "chats": [{"guid": "iMessage;-;+15551234567", "style": 45}]}});
        let m = parse_webhook(&dm, None).unwrap();
        assert_eq!(m.chat_id, "iMessage;-;+15551234567");
        assert!(!m.is_group && m.mentioned);
        let mine = json!({"type": "new-message", "data": {"isFromMe": true, "text": "x",
            "handle": {"address": "+1"}}});
        assert!(parse_webhook(&mine, None).is_none());
        let grp = json!({"type": "new-message", "data": {"guid": "g2", "text": "@Claw help",
            "handle": {"address": "+1"}, "chats": [{"guid": "iMessage;+;chat42", "style": 43}]}});
        let g = parse_webhook(&grp, Some("claw")).unwrap();
        assert!(g.is_group && g.mentioned);
        assert!(!parse_webhook(&grp, None).unwrap().mentioned);
        let voice = json!({"type": "new-message", "data": {"guid": "g3", "text": "",
            "handle": {"address": "+1"}, "attachments": [{"guid": "at_1", "mimeType": "audio/x-caf",
            "uti": "com.apple.coreaudio-format", "transferName": "Audio Message.caf", "totalBytes": 9}]}});
        let v = parse_webhook(&voice, None).unwrap();
        assert_eq!(v.media.len(), 1);
        assert_eq!(v.media[0].kind, media_in::MediaRefKind::Voice);
        assert_eq!(
            (v.media[0].file.as_str(), v.media[0].size),
            ("at_1", Some(9))
        );
    }

    #[test]
    fn targets_become_chat_guids() {
        assert_eq!(chat_guid("+15551234567"), "iMessage;-;+15551234567");
        assert_eq!(chat_guid("iMessage;+;chat42"), "iMessage;+;chat42");
        assert_eq!(chat_guid("chat_guid:SMS;-;+1"), "SMS;-;+1");
    }
}
