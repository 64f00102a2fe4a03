//! Chat channels without the actors: the normalised inbound message, access policy, session
//! key mapping, reply chunking, signatures, and each platform's wire types.
//!
//! The connector actors live in `actors/channels/`; HTTP ingress handlers (Slack events, the
//! webhook channel) live in `crate::http::channels`. Everything here is pure or does one
//! outbound HTTP call, so it can be unit-tested without a running gateway.

pub mod bluebubbles;
pub mod chunk;
pub mod discord;
pub mod hmac;
pub mod http_out;
pub mod media;
pub mod media_in;
pub mod multipart;
mod outbound;
pub mod pairing;
pub mod policy;
pub mod retry;
pub mod routing;
pub mod signal;
pub mod slack;
pub mod slack_socket;
pub mod stored;
pub mod telegram;
pub mod webhook;
pub mod whatsapp;

use crate::config::ChannelKind;

pub use outbound::{Deliver, DeliveryError, DeliveryReceipt, Outbound, KNOWN_CHANNELS};

/// The silent reply token: a reply that is exactly this (ignoring whitespace) is not sent.
pub const SILENT_REPLY_TOKEN: &str = "NO_REPLY";

/// Who sent an inbound message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sender {
    /// Platform user id.
    pub id: String,
    /// Username / handle without `@`, when the platform has one.
    pub username: Option<String>,
    /// Display name.
    pub name: Option<String>,
}

impl Sender {
    /// The best human label (`name`, else `@username`, else the id).
    pub fn label(&self) -> String {
        self.name
            .clone()
            .or_else(|| self.username.as_ref().map(|u| format!("@{u}")))
            .unwrap_or_else(|| self.id.clone())
    }
}

/// One inbound chat message, normalised across platforms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMessage {
    /// Platform.
    pub channel: ChannelKind,
    /// Account id on that platform.
    pub account: String,
    /// Chat / channel / conversation id (where the reply goes).
    pub chat_id: String,
    /// Sender.
    pub sender: Sender,
    /// Text.
    pub text: String,
    /// Thread (Slack `thread_ts`) or topic (Telegram `message_thread_id`).
    pub thread_id: Option<String>,
    /// A group/channel conversation rather than a direct message.
    pub is_group: bool,
    /// Platform message id (dedupe, reply quoting).
    pub message_id: Option<String>,
    /// The bot was mentioned (group mention gating).
    pub mentioned: bool,
    /// Discord guild id (guild rules).
    pub guild_id: Option<String>,
    /// Files attached to the message (downloaded once the message is accepted; see
    /// [`media_in`]).
    pub media: Vec<media_in::MediaRef>,
}

/// Whether a final reply is the silent token (nothing is sent).
pub fn is_silent_reply(text: &str) -> bool {
    let t = text.trim();
    t.is_empty() || t == SILENT_REPLY_TOKEN
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_silent_token_and_empty_replies_are_silent() {
        assert!(is_silent_reply("NO_REPLY"));
        assert!(is_silent_reply("  NO_REPLY\n"));
        assert!(is_silent_reply(""));
        assert!(!is_silent_reply("NO_REPLY is what I would say"));
    }
}
