//! Serves the producers' delivery contract ([`crate::channels::Deliver`], used by webhooks and
//! cron announcements through [`crate::channels::Outbound`]) with the registry's own
//! [`super::Deliver`], so there is one send path for every caller.

use super::{Channels, Deliver as ChannelDeliver, DeliveryError as ChannelError};
use crate::channels::{Deliver, Delivered, DeliveryError};
use actix::prelude::*;

impl Channels {
    /// Names a producer may use as `channel`: each configured kind, each `kind:account` key and
    /// each bare account id.
    pub fn delivery_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for (key, e) in &self.entries {
            for id in [
                key.split(':').next().unwrap_or(key).to_string(),
                key.clone(),
                e.cfg.id.clone(),
            ] {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        ids
    }
}

impl Handler<Deliver> for Channels {
    type Result = ResponseFuture<Result<Delivered, DeliveryError>>;

    fn handle(&mut self, msg: Deliver, ctx: &mut Context<Self>) -> Self::Result {
        let me = ctx.address();
        let channel = msg.channel.clone();
        Box::pin(async move {
            let sent = me
                .send(ChannelDeliver {
                    channel: msg.channel,
                    to: msg.to,
                    text: msg.text,
                    thread_id: None,
                    reply_to: None,
                    silent: false,
                })
                .await
                .map_err(|e| DeliveryError::Failed {
                    channel: channel.clone(),
                    message: e.to_string(),
                })?;
            match sent {
                Ok(receipt) => Ok(Delivered {
                    message_id: receipt.message_ids.into_iter().next(),
                }),
                Err(ChannelError::UnknownChannel(c)) => Err(DeliveryError::UnknownChannel(c)),
                Err(ChannelError::NoTarget(t)) => Err(DeliveryError::NoTarget(t)),
                Err(ChannelError::NotConnected(c)) => Err(DeliveryError::Failed {
                    channel: c,
                    message: "not connected".into(),
                }),
                Err(ChannelError::Failed(m)) => Err(DeliveryError::Failed {
                    channel,
                    message: m,
                }),
            }
        })
    }
}
