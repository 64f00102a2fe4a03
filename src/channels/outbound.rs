//! The channel delivery interface.
//!
//! Producers (hooks, cron) call [`Outbound::deliver`] with a [`Deliver`] message. A channel
//! subsystem registers one actor that handles [`Deliver`] (and the channel ids it serves) with
//! [`Outbound::register`]; until then every delivery fails with
//! [`DeliveryError::NoConnector`], and producers fall back as OpenClaw does (hooks post a
//! `Hook <name>: …` system event to the main session).

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

/// Send the final text of a run to a chat.
#[derive(Debug, Clone, Message)]
#[rtype(result = "Result<Delivered, DeliveryError>")]
pub struct Deliver {
    /// Channel id (`telegram`, `slack`, …) or `last` (the session's last route).
    pub channel: String,
    /// Channel-specific target (`channel:C123`, `@group`, a chat id); `None` = the channel's
    /// default target.
    pub to: Option<String>,
    /// The text.
    pub text: String,
}

/// A successful delivery.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivered {
    /// The channel's message id, when it reports one.
    pub message_id: Option<String>,
}

/// Why a delivery did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// No channel connector is running in this gateway.
    #[error("no channel is configured to deliver to `{0}`")]
    NoConnector(String),
    /// The connector does not serve this channel.
    #[error("channel `{0}` is not configured")]
    UnknownChannel(String),
    /// `last` (or a missing target) could not be resolved.
    #[error("no delivery target: {0}")]
    NoTarget(String),
    /// The channel refused or failed to send.
    #[error("delivery to `{channel}` failed: {message}")]
    Failed {
        /// Channel id.
        channel: String,
        /// What went wrong.
        message: String,
    },
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
    pub async fn deliver(&self, msg: Deliver) -> Result<Delivered, DeliveryError> {
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
            .map_err(|e| DeliveryError::Failed {
                channel,
                message: e.to_string(),
            })?
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
        type Result = Result<Delivered, DeliveryError>;
        fn handle(&mut self, msg: Deliver, _: &mut Context<Self>) -> Self::Result {
            Ok(Delivered {
                message_id: Some(format!("{}:{}", msg.channel, msg.text)),
            })
        }
    }

    #[actix_web::test]
    async fn without_a_connector_delivery_fails_clearly() {
        let o = Outbound::default();
        let e = o
            .deliver(Deliver {
                channel: "slack".into(),
                to: None,
                text: "hi".into(),
            })
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
        let d = Deliver {
            channel: "slack".into(),
            to: Some("#x".into()),
            text: "hi".into(),
        };
        assert_eq!(
            o.deliver(d.clone()).await.unwrap().message_id.as_deref(),
            Some("slack:hi")
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
