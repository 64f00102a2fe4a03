//! Signal wire format: the signal-cli REST API (`bbernhard/signal-cli-rest-api`, normal mode).
//!
//! Receive: `GET /v1/receive/{number}?timeout=<s>` answers a JSON array of
//! `{envelope: {sourceNumber, sourceUuid, sourceName, timestamp, dataMessage: {message,
//! groupInfo: {groupId}, attachments: [{id, contentType, filename, size}], mentions:
//! [{number, uuid}]}}, account}`; sync, receipt and typing envelopes carry no `dataMessage`
//! and are skipped. Each attachment becomes a [`MediaRef`] by its id, downloaded with
//! `GET /v1/attachments/{id}`.
//! Send: `POST /v2/send` `{message, number, recipients: [...], base64_attachments: [...]}` →
//! `201 {timestamp}`. A group is addressed as `group.<base64 of the received groupId>`.
//! There is no inbound webhook: the connector polls, so nothing reaches the gateway from
//! outside without its own request.

use super::media::Attachment;
use super::media_in::{self, MediaRef};
use super::{InboundMessage, Sender};
use crate::config::ChannelKind;
use base64::Engine as _;
use serde_json::{json, Value};

/// The send recipient of a received group id.
pub fn group_recipient(group_id: &str) -> String {
    format!(
        "group.{}",
        base64::engine::general_purpose::STANDARD.encode(group_id.as_bytes())
    )
}

/// The recipient for a target: `signal:` dropped, `group:<id>` → `group.<base64>`, `group.…`
/// and numbers kept.
pub fn normalize_target(to: &str) -> String {
    let t = to.trim();
    let t = t.strip_prefix("signal:").unwrap_or(t).trim();
    match t.strip_prefix("group:") {
        Some(g) if g.starts_with("group.") => g.to_string(),
        Some(g) => group_recipient(g.trim()),
        None => t.to_string(),
    }
}

/// The messages of one receive answer, for the bot number `account`.
pub fn parse_receive(v: &Value, account: &str) -> Vec<InboundMessage> {
    let mut out = Vec::new();
    for item in v.as_array().into_iter().flatten() {
        let env = &item["envelope"];
        let dm = &env["dataMessage"];
        if !dm.is_object() {
            continue;
        }
        let Some(sender) = env["sourceNumber"]
            .as_str()
            .or(env["source"].as_str())
            .or(env["sourceUuid"].as_str())
        else {
            continue;
        };
        if sender == account {
            continue;
        }
        let mut text = dm["message"].as_str().unwrap_or_default().to_string();
        let media = media_of(dm);
        for a in dm["attachments"].as_array().into_iter().flatten() {
            let kind = a["contentType"]
                .as_str()
                .and_then(|c| c.split('/').next())
                .unwrap_or("file");
            let name = a["filename"].as_str().unwrap_or_default();
            let tag = format!("<media:{kind}> {name}");
            text = if text.is_empty() {
                tag.trim_end().to_string()
            } else {
                format!("{} {text}", tag.trim_end())
            };
        }
        if text.trim().is_empty() {
            continue;
        }
        let group = dm["groupInfo"]["groupId"].as_str().map(group_recipient);
        let uuid = env["account"].as_str().unwrap_or_default();
        let mentioned = group.is_none()
            || dm["mentions"].as_array().is_some_and(|a| {
                a.iter().any(|m| {
                    m["number"].as_str() == Some(account)
                        || (!uuid.is_empty() && m["uuid"].as_str() == Some(uuid))
                })
            });
        out.push(InboundMessage {
            channel: ChannelKind::Signal,
            account: String::new(),
            chat_id: group.clone().unwrap_or_else(|| sender.to_string()),
            sender: Sender {
                id: sender.to_string(),
                username: None,
                name: env["sourceName"].as_str().map(str::to_string),
            },
            text,
            thread_id: None,
            is_group: group.is_some(),
            message_id: env["timestamp"]
                .as_i64()
                .or(dm["timestamp"].as_i64())
                .map(|t| t.to_string()),
            mentioned,
            guild_id: None,
            media,
        });
    }
    out
}

/// The attachments of a data message, by their signal-cli attachment id.
fn media_of(dm: &Value) -> Vec<MediaRef> {
    let list = dm["attachments"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    list.iter()
        .filter_map(|a| {
            let id = a["id"].as_str().filter(|id| !id.is_empty())?;
            let mime = a["contentType"].as_str().map(str::to_ascii_lowercase);
            let voice = a["voiceNote"].as_bool() == Some(true);
            Some(MediaRef {
                kind: media_in::kind_of(mime.as_deref().unwrap_or_default(), voice),
                file: id.to_string(),
                mime,
                filename: a["filename"].as_str().map(str::to_string),
                size: a["size"].as_u64(),
                seconds: None,
            })
        })
        .collect()
}

/// A `/v2/send` body.
pub fn send_body(account: &str, to: &str, text: &str, media: Option<&Attachment>) -> Value {
    let mut b = json!({"message": text, "number": account,
                       "recipients": [normalize_target(to)], "text_mode": "normal"});
    if let Some(f) = media {
        let data = base64::engine::general_purpose::STANDARD.encode(&f.data);
        b["base64_attachments"] = json!([format!(
            "data:{};filename={};base64,{data}",
            f.mime,
            f.filename.replace([';', ','], "_")
        )]);
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receive_answers_become_messages() {
        let v = json!([
            {"envelope": {"source": "+15557654321", "sourceNumber": "+15557654321", "sourceName": "Ada",
              "timestamp": 1700000000001i64, "dataMessage": {"timestamp": 1700000000001i64, "message": "hi"}},
             "account": "+15550001111"},
            {"envelope": {"sourceNumber": "+15557654321", "timestamp": 2,
              "receiptMessage": {"isDelivery": true}}, "account": "+15550001111"},
            {"envelope": {"sourceNumber": "+15557654321", "timestamp": 3, "dataMessage": {
              "message": "all", "groupInfo": {"groupId": "Z3JwMQ==", "type": "DELIVER"},
              "mentions": [{"number": "+15550001111", "start": 0, "length": 1}],
              "attachments": [{"contentType": "image/png", "filename": "a.png", "id": "x"}]}}}
        ]);
        let got = parse_receive(&v, "+15550001111");
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].chat_id, "+15557654321");
        assert_eq!(got[0].message_id.as_deref(), Some("1700000000001"));
        assert!(got[1].is_group && got[1].mentioned);
        assert_eq!(got[1].chat_id, group_recipient("Z3JwMQ=="));
        assert_eq!(got[1].text, "<media:image> a.png all");
        assert!(got[0].media.is_empty());
        assert_eq!(got[1].media.len(), 1);
        assert_eq!(got[1].media[0].kind, media_in::MediaRefKind::Image);
        assert_eq!(got[1].media[0].file, "x");
        assert_eq!(got[1].media[0].filename.as_deref(), Some("a.png"));
    }

    #[test]
    fn send_bodies() {
        let b = send_body("+1", "signal:+2", "hi", None);
        assert_eq!(b["recipients"], json!(["+2"]));
        let f = Attachment {
            filename: "a.png".into(),
            mime: "image/png".into(),
            data: bytes::Bytes::from_static(b"xy"),
        };
        let b = send_body("+1", "group:g1", "", Some(&f));
        assert_eq!(b["recipients"], json!([group_recipient("g1")]));
        assert_eq!(
            b["base64_attachments"],
            json!(["data:image/png;filename=a.png;base64,eHk="])
        );
    }
}
