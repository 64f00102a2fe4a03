//! DM pairing (`dmPolicy: "pairing"`, OpenClaw's default): the pending requests and the
//! approved senders, without the actor or the store.
//!
//! An unknown sender's direct message is not run: the sender gets a pairing code (8
//! characters, upper case, without the ambiguous `0O1I`), valid for one hour. The code is sent
//! only when a request is created, so a sender hears it at most about once an hour; at most
//! [`MAX_PENDING_PER_CHANNEL`] requests wait per channel (more are ignored until one expires
//! or is resolved). The operator approves (`clawgate pairing approve <channel> <code>`, WS
//! `pairing.approve`) — the sender joins the account's approved list and their next message
//! runs — or rejects. The whole book is one JSON document in the kv store (`channels.pairing`).

use super::InboundMessage;
use crate::config::ChannelKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How long a pairing code is valid (OpenClaw: one hour).
pub const CODE_TTL_MS: i64 = 60 * 60 * 1000;
/// Pending requests per channel at most (OpenClaw's default).
pub const MAX_PENDING_PER_CHANNEL: usize = 3;
/// The kv key holding the [`PairingBook`].
pub const PAIRING_KEY: &str = "channels.pairing";
/// Characters of a code: upper case and digits without `0`, `O`, `1`, `I`.
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// One pending pairing request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PairingRequest {
    /// Channel id (`telegram`, …).
    pub channel: String,
    /// Account id within the channel.
    pub account_id: String,
    /// The sender's platform id.
    pub id: String,
    /// The pairing code.
    pub code: String,
    /// When it was created (ms since the epoch).
    pub created_at: i64,
    /// When it expires (ms since the epoch).
    pub expires_at: i64,
    /// The sender's username, when the platform has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The sender's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Pending requests and approved senders (by `<channel>:<account>`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PairingBook {
    /// Pending requests, oldest first.
    #[serde(default)]
    pub requests: Vec<PairingRequest>,
    /// Approved sender ids (lower-cased) per account key.
    #[serde(default)]
    pub allow_from: BTreeMap<String, Vec<String>>,
}

/// A fresh random code.
pub fn new_code() -> String {
    uuid::Uuid::new_v4()
        .as_bytes()
        .iter()
        .take(8)
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

impl PairingBook {
    /// Drops expired requests; whether any was dropped.
    pub fn prune(&mut self, now: i64) -> bool {
        let before = self.requests.len();
        self.requests.retain(|r| r.expires_at > now);
        self.requests.len() != before
    }

    /// Whether the sender of `m` was approved on account `account_key`.
    pub fn is_approved(&self, account_key: &str, m: &InboundMessage) -> bool {
        self.allow_from
            .get(account_key)
            .is_some_and(|list| super::policy::sender_allowed(list, m))
    }

    /// Records a request for the sender of `m` on `account_key`; the new code, or `None` when
    /// the sender already has an unexpired request or the channel has too many waiting.
    pub fn request(
        &mut self,
        m: &InboundMessage,
        now: i64,
        code: impl FnOnce() -> String,
    ) -> Option<String> {
        self.prune(now);
        let channel = m.channel.as_str();
        let id = m.sender.id.to_ascii_lowercase();
        let account = m.account.to_ascii_lowercase();
        if self
            .requests
            .iter()
            .any(|r| r.channel == channel && r.account_id == account && r.id == id)
        {
            return None;
        }
        if self
            .requests
            .iter()
            .filter(|r| r.channel == channel)
            .count()
            >= MAX_PENDING_PER_CHANNEL
        {
            return None;
        }
        let mut code = code();
        while self.requests.iter().any(|r| r.code == code) {
            code = new_code();
        }
        self.requests.push(PairingRequest {
            channel: channel.to_string(),
            account_id: account,
            id,
            code: code.clone(),
            created_at: now,
            expires_at: now + CODE_TTL_MS,
            username: m.sender.username.clone(),
            name: m.sender.name.clone(),
        });
        Some(code)
    }

    /// Unexpired requests of `channel` (all channels when `None`), of `account` if given.
    pub fn pending(
        &self,
        channel: Option<ChannelKind>,
        account: Option<&str>,
        now: i64,
    ) -> Vec<PairingRequest> {
        self.requests
            .iter()
            .filter(|r| r.expires_at > now)
            .filter(|r| channel.is_none_or(|c| r.channel == c.as_str()))
            .filter(|r| account.is_none_or(|a| r.account_id.eq_ignore_ascii_case(a)))
            .cloned()
            .collect()
    }

    /// Removes the unexpired request with `code` on `channel` (and `account` if given); with
    /// `approve`, its sender joins the account's approved list. The request, if found.
    pub fn resolve(
        &mut self,
        channel: ChannelKind,
        code: &str,
        account: Option<&str>,
        approve: bool,
        now: i64,
    ) -> Option<PairingRequest> {
        self.prune(now);
        let code = code.trim().to_ascii_uppercase();
        let at = self.requests.iter().position(|r| {
            r.channel == channel.as_str()
                && r.code == code
                && account.is_none_or(|a| r.account_id.eq_ignore_ascii_case(a))
        })?;
        let r = self.requests.remove(at);
        if approve {
            let list = self
                .allow_from
                .entry(format!("{}:{}", r.channel, r.account_id))
                .or_default();
            if !list.contains(&r.id) {
                list.push(r.id.clone());
            }
        }
        Some(r)
    }
}

/// The line naming the sender's id, as OpenClaw words it per channel.
fn id_line(kind: ChannelKind, id: &str) -> String {
    match kind {
        ChannelKind::Signal => format!("Your Signal number: {id}"),
        ChannelKind::WhatsApp => format!("Your WhatsApp phone number: {id}"),
        ChannelKind::IMessage => format!("Your iMessage sender id: {id}"),
        ChannelKind::Webhook => format!("Your sender id: {id}"),
        k => format!("Your {} user id: {id}", k.label()),
    }
}

/// The reply an unknown sender gets (OpenClaw's text, naming clawgate).
pub fn challenge_text(kind: ChannelKind, sender_id: &str, code: &str) -> String {
    [
        "clawgate: access not configured.".to_string(),
        String::new(),
        id_line(kind, sender_id),
        String::new(),
        format!("Pairing code: {code}"),
        String::new(),
        "Ask the bot owner to approve with:".to_string(),
        format!("clawgate pairing approve {} {code}", kind.as_str()),
    ]
    .join("\n")
}

/// What an approved sender is told with `--notify`.
pub const APPROVED_TEXT: &str = "✅ clawgate access approved. Send a message to start chatting.";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::Sender;

    fn dm(sender: &str) -> InboundMessage {
        InboundMessage {
            channel: ChannelKind::Telegram,
            account: "default".into(),
            chat_id: sender.into(),
            sender: Sender {
                id: sender.into(),
                username: Some("ada".into()),
                name: None,
            },
            text: "hi".into(),
            thread_id: None,
            is_group: false,
            message_id: None,
            mentioned: false,
            guild_id: None,
            media: Vec::new(),
        }
    }

    #[test]
    fn codes_use_the_unambiguous_alphabet() {
        for _ in 0..50 {
            let c = new_code();
            assert_eq!(c.len(), 8);
            assert!(c.chars().all(|ch| ALPHABET.contains(&(ch as u8))), "{c}");
        }
    }

    #[test]
    fn one_code_per_sender_until_it_expires_and_a_cap_per_channel() {
        let mut b = PairingBook::default();
        assert_eq!(
            b.request(&dm("1"), 0, || "AAAA2222".into()).as_deref(),
            Some("AAAA2222")
        );
        assert_eq!(b.request(&dm("1"), 1000, new_code), None, "no second code");
        assert!(b.request(&dm("2"), 0, new_code).is_some());
        assert!(b.request(&dm("3"), 0, new_code).is_some());
        assert_eq!(b.request(&dm("4"), 0, new_code), None, "three wait at most");
        // An hour later every code has expired: a new one is issued.
        let later = CODE_TTL_MS + 1;
        assert!(b.pending(None, None, later).is_empty());
        assert!(b.request(&dm("1"), later, new_code).is_some());
        assert_eq!(b.requests.len(), 1);
    }

    #[test]
    fn approve_adds_the_sender_and_reject_does_not() {
        let mut b = PairingBook::default();
        let code = b.request(&dm("42"), 0, new_code).unwrap();
        b.request(&dm("7"), 0, || "BBBB3333".into()).unwrap();
        assert!(!b.is_approved("telegram:default", &dm("42")));
        assert_eq!(b.resolve(ChannelKind::Slack, &code, None, true, 1), None);
        let r = b
            .resolve(ChannelKind::Telegram, &code.to_lowercase(), None, true, 1)
            .unwrap();
        assert_eq!(r.id, "42");
        assert!(b.is_approved("telegram:default", &dm("42")));
        assert!(b
            .resolve(ChannelKind::Telegram, "BBBB3333", None, false, 1)
            .is_some());
        assert!(!b.is_approved("telegram:default", &dm("7")));
        assert!(b.requests.is_empty());
        // An expired code cannot be approved.
        let late = b.request(&dm("9"), 0, new_code).unwrap();
        assert_eq!(
            b.resolve(ChannelKind::Telegram, &late, None, true, CODE_TTL_MS),
            None
        );
    }

    #[test]
    fn the_challenge_follows_openclaws_shape() {
        let t = challenge_text(ChannelKind::Telegram, "42", "ABCD2345");
        assert!(t.starts_with("clawgate: access not configured.\n\nYour Telegram user id: 42\n"));
        assert!(t.contains("Pairing code: ABCD2345"));
        assert!(t.ends_with("clawgate pairing approve telegram ABCD2345"));
    }
}
