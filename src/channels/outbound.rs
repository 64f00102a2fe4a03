//! The channel delivery interface.
//!
//! Producers (hooks, cron) call [`Outbound::deliver`] with a [`Deliver`] message. A channel
//! subsystem registers one actor that handles [`Deliver`] (and the channel ids it serves) with
//! [`Outbound::register`]; until then every delivery fails with
//! [`DeliveryError::NoConnector`], and producers fall back as OpenClaw does (hooks post a
//! `Hook <name>: …` system event to the main session).

use super::media::RichContent;
use actix::prelude::*;
use std::sync::{Arc, RwLock};

/// Channel ids (and aliases) OpenClaw accepts in `channel` fields, plus `last`.
pub const KNOWN_CHANNELS: &[&str] = &[
    "last",
    "telegram",
    "whatsapp",
    "discord",
    "slack",
    "signal",
    "imessage",
    "imsg",
    "googlechat",
    "irc",
    "matrix",
    "msteams",
    "teams",
    "mattermost",
    "bluebubbles",
    "feishu",
    "line",
    "nextcloud-talk",
    "nostr",
    "qqbot",
    "synology-chat",
    "tlon",
    "twitch",
    "zalo",
    "zalouser",
    "webhook",
];

/// Send text to a chat: the one delivery message, used by `clawgate message send` / WS `send`,
/// hook replies and cron announcements alike.
#[derive(Debug, Clone, PartialEq, Eq, Message)]
#[rtype(result = "Result<DeliveryReceipt, DeliveryError>")]
pub struct Deliver {
    /// Channel id (`telegram`, `slack`, …), `<channel>:<account>`, an account id, or `last`
    /// (the session's last route).
    pub channel: String,
    /// Channel-specific target (`channel:C123`, `@group`, a chat id); `None` = the account's
    /// `defaultTo`.
    pub to: Option<String>,
    /// The text (chunked to the platform's limit).
    pub text: String,
    /// Thread / topic to post in.
    pub thread_id: Option<String>,
    /// Message to quote (first chunk only).
    pub reply_to: Option<String>,
    /// No notification (Telegram `disable_notification`, Discord suppress-notifications).
    pub silent: bool,
    /// Attachments, buttons, card (see [`super::media`]); empty for plain text.
    pub rich: RichContent,
    /// With channel `last`: the session whose last route is used (`None`: the default
    /// agent's main session).
    pub session_key: Option<String>,
}

impl Deliver {
    /// Plain text to `channel` (and `to`), no thread, quote or silence.
    pub fn text(channel: impl Into<String>, to: Option<String>, text: impl Into<String>) -> Self {
        Deliver {
            channel: channel.into(),
            to,
            text: text.into(),
            thread_id: None,
            reply_to: None,
            silent: false,
            rich: RichContent::default(),
            session_key: None,
        }
    }
}

/// What a successful [`Deliver`] sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryReceipt {
    /// `<channel>` id the message went out on.
    pub channel: String,
    /// The resolved target.
    pub to: String,
    /// Platform message ids, one per chunk (those sent so far when `queued`).
    pub message_ids: Vec<String>,
    /// The outbox id when the message could not be sent at once and waits for a retry
    /// (`None`: everything was sent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queued: Option<String>,
}

/// Why a [`Deliver`] did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// No channel connector is running in this gateway.
    #[error("no channel is configured to deliver to `{0}`")]
    NoConnector(String),
    /// No such channel or account.
    #[error("unknown channel: {0}")]
    UnknownChannel(String),
    /// The account is disabled, not configured, or its connector is not running.
    #[error("channel {0} is not connected")]
    NotConnected(String),
    /// No `to`, no `defaultTo`, or `last` could not be resolved.
    #[error("no target: {0}")]
    NoTarget(String),
    /// The content cannot be sent on this channel (a card on Telegram, an oversized file, a
    /// refused media URL).
    #[error("{0}")]
    Unsupported(String),
    /// The platform refused or the request failed (a permanent error: retrying cannot help).
    #[error("delivery failed: {0}")]
    Failed(String),
    /// A send failed in a way worth retrying (rate limit, 5xx, network error, timeout); the
    /// platform's own retry-after in ms when it gave one. The outbox retries these; callers
    /// see them only as a queued receipt.
    #[error("delivery failed: {error}")]
    Transient {
        /// What happened (free of secrets).
        error: String,
        /// The platform's retry-after (ms).
        retry_after_ms: Option<u64>,
    },
}

impl DeliveryError {
    /// A transient failure without a platform hint.
    pub fn transient(error: impl Into<String>) -> DeliveryError {
        DeliveryError::Transient {
            error: error.into(),
            retry_after_ms: None,
        }
    }
}

#[derive(Clone)]
struct Registered {
    channels: Arc<[String]>,
    recipient: Recipient<Deliver>,
}

/// Cheap, cloneable handle every producer holds; a channel subsystem registers itself once.
#[derive(Clone, Default)]
pub struct Outbound {
    inner: Arc<RwLock<Option<Registered>>>,
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbound")
            .field("channels", &self.channels())
            .finish()
    }
}

impl Outbound {
    /// Registers the actor that sends messages for `channels`.
    pub fn register(&self, channels: Vec<String>, recipient: Recipient<Deliver>) {
        if let Ok(mut g) = self.inner.write() {
            *g = Some(Registered {
                channels: channels.into(),
                recipient,
            });
        }
    }

    /// Channel ids a connector serves right now.
    pub fn channels(&self) -> Vec<String> {
        self.inner
            .read()
            .ok()
            .and_then(|g| g.as_ref().map(|r| r.channels.to_vec()))
            .unwrap_or_default()
    }

    /// Delivers `msg` through the registered connector.
    pub async fn deliver(&self, msg: Deliver) -> Result<DeliveryReceipt, DeliveryError> {
        let reg = self.inner.read().ok().and_then(|g| g.clone());
        let Some(reg) = reg else {
            return Err(DeliveryError::NoConnector(msg.channel));
        };
        if msg.channel != "last" && !reg.channels.contains(&msg.channel) {
            return Err(DeliveryError::UnknownChannel(msg.channel));
        }
        let channel = msg.channel.clone();
        reg.recipient
            .send(msg)
            .await
            .map_err(|e| DeliveryError::Failed(format!("{channel}: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Echo;
    impl Actor for Echo {
        type Context = Context<Self>;
    }
    impl Handler<Deliver> for Echo {
        type Result = Result<DeliveryReceipt, DeliveryError>;
        fn handle(&mut self, msg: Deliver, _: &mut Context<Self>) -> Self::Result {
            Ok(DeliveryReceipt {
                message_ids: vec![format!("{}:{}", msg.channel, msg.text)],
                channel: msg.channel,
                to: msg.to.unwrap_or_default(),
                queued: None,
            })
        }
    }

    #[actix_web::test]
    async fn without_a_connector_delivery_fails_clearly() {
        let o = Outbound::default();
        let e = o
            .deliver(Deliver::text("slack", None, "hi"))
            .await
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "no channel is configured to deliver to `slack`"
        );
    }

    #[actix_web::test]
    async fn a_registered_connector_receives_its_channels_only() {
        let o = Outbound::default();
        o.register(vec!["slack".into()], Echo.start().recipient());
        let d = Deliver::text("slack", Some("#x".into()), "hi");
        assert_eq!(
            o.deliver(d.clone()).await.unwrap().message_ids,
            vec!["slack:hi".to_string()]
        );
        let e = o
            .deliver(Deliver {
                channel: "telegram".into(),
                ..d
            })
            .await
            .unwrap_err();
        assert_eq!(e, DeliveryError::UnknownChannel("telegram".into()));
    }
}
