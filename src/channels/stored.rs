//! The normalised inbound message as the durable inbox stores it (JSON), and the id that
//! identifies a platform redelivery.

use super::{InboundMessage, Sender};
use crate::config::ChannelKind;
use serde_json::{json, Value};

/// The inbox id of `msg`: `<chat>:<platform message id>` (a redelivery repeats it), or a
/// fresh unique id when the platform gave none (such messages cannot be deduplicated).
pub fn inbox_id(msg: &InboundMessage) -> String {
    match &msg.message_id {
        Some(id) => format!("{}:{id}", msg.chat_id),
        None => format!("local:{}", uuid::Uuid::now_v7()),
    }
}

/// `msg` as JSON.
pub fn to_json(msg: &InboundMessage) -> String {
    json!({
        "channel": msg.channel.as_str(),
        "account": msg.account,
        "chatId": msg.chat_id,
        "sender": {"id": msg.sender.id, "username": msg.sender.username, "name": msg.sender.name},
        "text": msg.text,
        "threadId": msg.thread_id,
        "isGroup": msg.is_group,
        "messageId": msg.message_id,
        "mentioned": msg.mentioned,
        "guildId": msg.guild_id,
        "media": msg.media,
    })
    .to_string()
}

/// A message stored by [`to_json`]; `None` when the row is unreadable.
pub fn from_json(s: &str) -> Option<InboundMessage> {
    let v: Value = serde_json::from_str(s).ok()?;
    let text = |v: &Value| v.as_str().map(str::to_string);
    Some(InboundMessage {
        channel: ChannelKind::parse(v["channel"].as_str()?)?,
        account: text(&v["account"])?,
        chat_id: text(&v["chatId"])?,
        sender: Sender {
            id: text(&v["sender"]["id"])?,
            username: text(&v["sender"]["username"]),
            name: text(&v["sender"]["name"]),
        },
        text: text(&v["text"])?,
        thread_id: text(&v["threadId"]),
        is_group: v["isGroup"].as_bool().unwrap_or(false),
        message_id: text(&v["messageId"]),
        mentioned: v["mentioned"].as_bool().unwrap_or(false),
        guild_id: text(&v["guildId"]),
        // Files are fetched again when a stored message is replayed.
        media: serde_json::from_value(v["media"].clone()).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> InboundMessage {
        InboundMessage {
            channel: ChannelKind::Telegram,
            account: "default".into(),
            chat_id: "-100".into(),
            sender: Sender {
                id: "42".into(),
                username: Some("ada".into()),
                name: None,
            },
            text: "hi \"there\"\n".into(),
            thread_id: Some("7".into()),
            is_group: true,
            message_id: Some("9".into()),
            mentioned: true,
            guild_id: None,
            media: Vec::new(),
        }
    }

    #[test]
    fn a_stored_message_reads_back_the_same() {
        let m = sample();
        assert_eq!(from_json(&to_json(&m)), Some(m));
        assert_eq!(from_json("{}"), None);
    }

    #[test]
    fn the_inbox_id_names_chat_and_message() {
        let mut m = sample();
        assert_eq!(inbox_id(&m), "-100:9");
        m.message_id = None;
        assert_ne!(
            inbox_id(&m),
            inbox_id(&m),
            "no platform id: unique each time"
        );
    }
}
