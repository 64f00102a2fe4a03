//! The stored form of one [`SendText`]: JSON, with an attachment's bytes in base64, so a row
//! written before a crash is sent unchanged after the restart.

use super::super::SendText;
use crate::channels::media::Attachment;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

#[derive(Serialize, Deserialize)]
struct StoredMedia {
    filename: String,
    mime: String,
    data: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    to: String,
    text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    thread_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reply_to: Option<String>,
    #[serde(default)]
    silent: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    media: Option<StoredMedia>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    markup: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    card: Option<Value>,
    #[serde(default)]
    gif_playback: bool,
}

/// `m` as the row's payload.
pub fn encode(m: &SendText) -> String {
    let s = Stored {
        to: m.to.clone(),
        text: m.text.clone(),
        thread_id: m.thread_id.clone(),
        reply_to: m.reply_to.clone(),
        silent: m.silent,
        media: m.media.as_ref().map(|a| StoredMedia {
            filename: a.filename.clone(),
            mime: a.mime.clone(),
            data: B64.encode(&a.data),
        }),
        markup: m.markup.clone(),
        card: m.card.clone(),
        gif_playback: m.gif_playback,
    };
    serde_json::to_string(&s).unwrap_or_default()
}

/// A row's payload back as a [`SendText`] (`None`: unreadable, never sent).
pub fn decode(payload: &str) -> Option<SendText> {
    let s: Stored = serde_json::from_str(payload).ok()?;
    let media = match s.media {
        Some(m) => Some(Attachment {
            filename: m.filename,
            mime: m.mime,
            data: B64.decode(m.data).ok()?.into(),
        }),
        None => None,
    };
    Some(SendText {
        to: s.to,
        text: s.text,
        thread_id: s.thread_id,
        reply_to: s.reply_to,
        silent: s.silent,
        media,
        markup: s.markup,
        card: s.card,
        gif_playback: s.gif_playback,
        idempotency_key: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_with_an_attachment_survives_the_round_trip() {
        let m = SendText {
            to: "42".into(),
            text: "caption".into(),
            thread_id: Some("7".into()),
            reply_to: None,
            silent: true,
            media: Some(Attachment {
                filename: "a.png".into(),
                mime: "image/png".into(),
                data: vec![0u8, 1, 2, 255].into(),
            }),
            markup: Some(serde_json::json!({"inline_keyboard": []})),
            card: None,
            gif_playback: false,
            idempotency_key: Some("dropped".into()),
        };
        let back = decode(&encode(&m)).unwrap();
        assert_eq!(back.media, m.media);
        assert_eq!(back.text, "caption");
        assert_eq!(back.thread_id.as_deref(), Some("7"));
        assert!(back.silent);
        assert_eq!(back.markup, m.markup);
        assert_eq!(back.idempotency_key, None, "set per attempt, not stored");
        assert!(decode("not json").is_none());
    }
}
