//! Outbound delivery inside the `Channels` actor: [`Deliver`] resolves the channel and
//! account, splits the message into platform-sized parts ([`text_parts`]) and queues them in
//! the durable outbox, answering a [`DeliveryReceipt`] ([`receipt`]); the outbox's counters and
//! its `channel.delivery.failed` events come back through here.

use super::{outbox, rich, ConnState, SendText};
use super::{Channels, Deliver, DeliveryError, DeliveryReceipt};
use crate::channels::chunk::chunk_text;
use crate::config::{ChannelAccount, ChannelKind};
use crate::storage::now_ms;
use actix::prelude::*;

impl Channels {
    /// Tells the outbox `key`'s current connector (if running) and retry policy.
    pub(super) fn sync_outbox(&self, key: &str) {
        let (Some(o), Some(e)) = (&self.outbox, self.entries.get(key)) else {
            return;
        };
        let sender = e.sender.clone().filter(|_| e.state != ConnState::Disabled);
        o.do_send(outbox::SetAccount {
            key: key.to_string(),
            sender,
            retry: e.cfg.retry.clone(),
        });
    }

    /// Queues `parts` for `key`'s chat `to` (and thread) and waits for their first attempt.
    pub(super) fn enqueue_outbound(
        &self,
        key: &str,
        to: &str,
        thread_id: Option<&str>,
        parts: Vec<SendText>,
    ) -> impl std::future::Future<Output = Result<outbox::Outcome, DeliveryError>> + 'static {
        let outbox = self.outbox.clone();
        let key = key.to_string();
        let chat = format!("{to}\u{1f}{}", thread_id.unwrap_or_default());
        async move {
            let Some(o) = outbox else {
                return Err(DeliveryError::NotConnected(key));
            };
            outbox::deliver(&o, &key, chat, parts).await
        }
    }

    /// Resolves `channel` (kind, `kind:account`, or account id) to a registry key.
    pub(super) fn resolve(&self, channel: &str) -> Result<String, DeliveryError> {
        let c = channel.trim().to_ascii_lowercase();
        let unknown = || DeliveryError::UnknownChannel(channel.to_string());
        if let Some(kind) = ChannelKind::parse(&c) {
            let acct = self
                .config
                .channels
                .default_accounts
                .get(&kind)
                .ok_or_else(unknown)?;
            return Ok(format!("{}:{acct}", kind.as_str()));
        }
        if self.entries.contains_key(&c) {
            return Ok(c);
        }
        let mut hits = self.entries.values().filter(|e| e.cfg.id == c);
        match (hits.next(), hits.next()) {
            (Some(e), None) => Ok(e.cfg.key()),
            (Some(_), Some(_)) => Err(DeliveryError::UnknownChannel(format!(
                "{channel} (ambiguous: name it as <channel>:{c})"
            ))),
            _ => Err(unknown()),
        }
    }
}

impl Handler<Deliver> for Channels {
    type Result = ResponseFuture<Result<DeliveryReceipt, DeliveryError>>;

    fn handle(&mut self, msg: Deliver, ctx: &mut Context<Self>) -> Self::Result {
        if msg.channel.trim().eq_ignore_ascii_case("last") {
            return Box::pin(self.deliver_to_last(msg, ctx.address()));
        }
        let prepared = self.resolve(&msg.channel).and_then(|key| {
            let e = &self.entries[&key];
            if e.sender.is_none() || e.state == ConnState::Disabled {
                return Err(DeliveryError::NotConnected(key.clone()));
            }
            let to = msg
                .to
                .clone()
                .filter(|t| !t.trim().is_empty())
                .or_else(|| e.cfg.default_to.clone())
                .ok_or_else(|| {
                    DeliveryError::NoTarget(format!(
                        "{key} has no `to` and no defaultTo configured"
                    ))
                })?;
            Ok((key, e.cfg.clone(), to))
        });
        let (key, cfg, to) = match prepared {
            Ok(p) => p,
            Err(e) => return Box::pin(async move { Err(e) }),
        };
        if let Some(e) = self.entries.get_mut(&key) {
            e.last_outbound_at = Some(now_ms());
        }
        let outbox = self.outbox.clone();
        Box::pin(async move {
            let parts = if msg.rich.is_empty() {
                text_parts(
                    &cfg,
                    &to,
                    &msg.text,
                    msg.thread_id.as_deref(),
                    msg.reply_to.as_deref(),
                    false,
                    msg.silent,
                )?
            } else {
                rich::plan(&cfg, &to, &msg).await?
            };
            let Some(outbox) = outbox else {
                return Err(DeliveryError::NotConnected(key));
            };
            let chat = format!("{to}\u{1f}{}", msg.thread_id.as_deref().unwrap_or_default());
            let outcome = outbox::deliver(&outbox, &key, chat, parts).await?;
            receipt(cfg.kind.as_str(), to, outcome)
        })
    }
}

/// The receipt of an enqueued message: sent, queued (with the outbox id), or the failure.
fn receipt(
    channel: &str,
    to: String,
    outcome: outbox::Outcome,
) -> Result<DeliveryReceipt, DeliveryError> {
    let (message_ids, queued) = match outcome {
        outbox::Outcome::Sent(ids) => (ids, None),
        outbox::Outcome::Queued(id, ids) => (ids, Some(id)),
        outbox::Outcome::Failed(e) => return Err(e),
    };
    Ok(DeliveryReceipt {
        channel: channel.to_string(),
        to,
        message_ids,
        queued,
    })
}

/// `text` in chunks of the account's limit, in order; `reply_to` quotes on the first
/// chunk (or every chunk with `quote_all`).
pub(crate) fn text_parts(
    cfg: &ChannelAccount,
    to: &str,
    text: &str,
    thread_id: Option<&str>,
    reply_to: Option<&str>,
    quote_all: bool,
    silent: bool,
) -> Result<Vec<SendText>, DeliveryError> {
    let chunks = chunk_text(text, cfg.chunk_limit);
    if chunks.is_empty() {
        return Err(DeliveryError::Failed("empty message".into()));
    }
    Ok(chunks
        .into_iter()
        .enumerate()
        .map(|(i, chunk)| SendText {
            to: to.to_string(),
            text: chunk,
            thread_id: thread_id.map(str::to_string),
            reply_to: reply_to.filter(|_| i == 0 || quote_all).map(str::to_string),
            silent,
            media: None,
            markup: None,
            card: None,
            gif_playback: false,
            idempotency_key: None,
        })
        .collect())
}

impl Handler<outbox::DeliveryStatsChanged> for Channels {
    type Result = ();

    fn handle(&mut self, m: outbox::DeliveryStatsChanged, _: &mut Context<Self>) {
        match self.entries.get_mut(&m.key) {
            Some(e) => e.delivery = m.stats,
            None => {
                self.orphan_delivery.insert(m.key, m.stats);
            }
        }
    }
}

/// Where the outbox announces given-up messages (`channel.delivery.failed`); sent once the
/// WebSocket hub exists.
#[derive(Message)]
#[rtype(result = "()")]
pub struct BindDeliveryEvents(pub Recipient<crate::actors::ws_hub::BroadcastEvent>);

impl Handler<BindDeliveryEvents> for Channels {
    type Result = ();

    fn handle(&mut self, m: BindDeliveryEvents, _: &mut Context<Self>) {
        if let Some(o) = &self.outbox {
            o.do_send(outbox::BindEvents(m.0));
        }
    }
}
