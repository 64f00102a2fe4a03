//! Inbound messages → agent turns → replies, inside the `Channels` actor.
//!
//! An accepted message (policy in `crate::channels::policy`, session key in
//! `crate::channels::routing`) becomes a turn through the router with the registry as the
//! run's owner; when the run ends, its final text is chunked and sent back to the same chat
//! and thread through the account's connector (`NO_REPLY` and empty replies are not sent;
//! a failed run sends a short notice without details).
//!
//! Every accepted message was first written to the durable inbox (see `inbox`); the rows of
//! a turn are marked done once its reply was handed to delivery.
//!
//! `messages.queue.mode`:
//! - `collect` (default): while a channel-started turn of the session runs, later messages
//!   are collected (at most `messages.queue.cap`, oldest dropped) and sent as one turn when
//!   it ends, framed as OpenClaw frames them; the reply goes to the chat of the most recent
//!   message.
//! - `followup`: every message is its own turn; the session actor's FIFO queue runs them one
//!   after the other.

use super::{inbox, send_chunks, Channels, DeliveryError, SendText};
use crate::actors::router::StartTurn;
use crate::channels::{is_silent_reply, policy, routing, stored, InboundMessage};
use crate::config::{ChannelAccount, QueueMode, ReplyToMode};
use crate::core::run::TurnRequest;
use crate::core::run::{RunEvent, Subscriber};
use crate::storage::{now_ms, RunStatus};
use actix::prelude::*;
use std::collections::VecDeque;
use std::sync::Arc;

/// What a failed run sends to the chat (details stay in the log).
pub const FAILURE_NOTICE: &str = "⚠️ Sorry, I could not answer that. Please try again.";
/// Header OpenClaw puts on a collected batch.
const COLLECT_HEADER: &str = "[Queued messages while agent was busy]";

/// Where a turn's reply goes.
#[derive(Debug, Clone)]
pub(super) struct ReplyTarget {
    pub(super) key: String,
    pub(super) to: String,
    pub(super) thread_id: Option<String>,
    reply_to: Option<String>,
    quote_all: bool,
}

/// An inbox row: the account's registry key and the message's inbox id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct InboxRef {
    pub(super) key: String,
    pub(super) id: String,
}

#[derive(Debug)]
struct Pending {
    text: String,
    target: ReplyTarget,
    inbox: InboxRef,
}

/// One session's channel-started turn state (collect mode).
#[derive(Debug, Default)]
pub(super) struct SessionQueue {
    busy: bool,
    pending: VecDeque<Pending>,
}

/// A channel-started turn finished (and its reply was sent or dropped).
#[derive(Message)]
#[rtype(result = "()")]
struct TurnDone {
    session_key: String,
    delivered_via: Option<String>,
}

/// The collect-mode text for several queued messages.
fn collect_text(items: &[Pending]) -> String {
    if let [one] = items {
        return one.text.clone();
    }
    let mut out = String::from(COLLECT_HEADER);
    for (i, p) in items.iter().enumerate() {
        out.push_str(&format!("\n\n---\nQueued #{}\n{}", i + 1, p.text));
    }
    out
}

impl Channels {
    /// Whether `msg` is accepted (known account, not a recent duplicate, allowed by the
    /// account's policy); if so it is remembered as seen and its registry key and inbox id
    /// are returned.
    pub(super) fn admit(&mut self, msg: &InboundMessage) -> Option<InboxRef> {
        let key = format!("{}:{}", msg.channel.as_str(), msg.account);
        let Some(e) = self.entries.get_mut(&key) else {
            tracing::warn!(account = %key, "inbound message for an unknown account");
            return None;
        };
        let id = stored::inbox_id(msg);
        if e.seen.contains(&id) {
            tracing::debug!(account = %key, "duplicate inbound message dropped");
            return None;
        }
        if let Err(r) = policy::check(&e.cfg, msg) {
            tracing::info!(account = %key, chat = %msg.chat_id, sender = %msg.sender.id,
                reason = r.as_str(), "inbound message ignored");
            return None;
        }
        // Remembered only once accepted: Slack sends `message` and `app_mention` for one
        // post, and only the second may carry the mention.
        self.remember_seen(&key, &id);
        Some(InboxRef { key, id })
    }

    /// Remembers `id` as seen on account `key` (recent ids only).
    pub(super) fn remember_seen(&mut self, key: &str, id: &str) {
        if let Some(e) = self.entries.get_mut(key) {
            if !e.seen.iter().any(|s| s == id) {
                e.seen.push_back(id.to_string());
            }
            if e.seen.len() > super::SEEN_IDS {
                e.seen.pop_front();
            }
        }
    }

    /// Forgets a seen id (its inbox write failed; the platform's redelivery must pass).
    pub(super) fn forget_seen(&mut self, r: &InboxRef) {
        if let Some(e) = self.entries.get_mut(&r.key) {
            e.seen.retain(|s| s != &r.id);
        }
    }

    /// Routes an accepted (and persisted) message to its session: a turn now, or queued
    /// behind the session's running turn.
    pub(super) fn dispatch(
        &mut self,
        msg: InboundMessage,
        inbox: InboxRef,
        ctx: &mut Context<Self>,
    ) {
        let Some(e) = self.entries.get_mut(&inbox.key) else {
            return;
        };
        e.last_inbound_at = Some(now_ms());
        let agent = self.config.default_agent.clone();
        let session_key = routing::session_key(&self.config, &agent, &msg);
        let text = if msg.is_group {
            format!("{}: {}", msg.sender.label(), msg.text)
        } else {
            msg.text.clone()
        };
        let target = ReplyTarget {
            key: inbox.key.clone(),
            to: msg.chat_id.clone(),
            thread_id: msg.thread_id.clone(),
            reply_to: match e.cfg.reply_to_mode {
                ReplyToMode::Off => None,
                ReplyToMode::First | ReplyToMode::All => msg.message_id.clone(),
            },
            quote_all: e.cfg.reply_to_mode == ReplyToMode::All,
        };
        self.last_routes.insert(session_key.clone(), target.clone());
        let pending = Pending {
            text,
            target,
            inbox,
        };
        match self.config.channels.queue_mode {
            QueueMode::Followup => self.start_turn(session_key, vec![pending], ctx),
            QueueMode::Collect => {
                let cap = self.config.channels.queue_cap;
                let q = self.queues.entry(session_key.clone()).or_default();
                if q.busy {
                    q.pending.push_back(pending);
                    let mut dropped = Vec::new();
                    while q.pending.len() > cap {
                        dropped.extend(q.pending.pop_front().map(|p| p.inbox));
                    }
                    // Dropped by the queue cap: answered as far as the inbox is concerned.
                    if !dropped.is_empty() {
                        actix::spawn(inbox::mark_done(self.store.clone(), dropped));
                    }
                } else {
                    q.busy = true;
                    self.start_turn(session_key, vec![pending], ctx);
                }
            }
        }
    }
}

impl Handler<TurnDone> for Channels {
    type Result = ();

    fn handle(&mut self, msg: TurnDone, ctx: &mut Context<Self>) {
        if let Some(k) = &msg.delivered_via {
            if let Some(e) = self.entries.get_mut(k) {
                e.last_outbound_at = Some(now_ms());
            }
        }
        let Some(q) = self.queues.get_mut(&msg.session_key) else {
            return;
        };
        if q.pending.is_empty() {
            self.queues.remove(&msg.session_key);
            return;
        }
        let batch: Vec<Pending> = q.pending.drain(..).collect();
        self.start_turn(msg.session_key, batch, ctx);
    }
}

impl Channels {
    /// Starts one turn for `batch` (one message, or a collected batch) and spawns the wait
    /// for its outcome and the reply.
    fn start_turn(&mut self, session_key: String, batch: Vec<Pending>, ctx: &mut Context<Self>) {
        let Some(last) = batch.last() else { return };
        let target = last.target.clone();
        let text = collect_text(&batch);
        let rows: Vec<InboxRef> = batch.iter().map(|p| p.inbox.clone()).collect();
        let store = self.store.clone();
        let delivering = self.delivering.clone();
        let me = ctx.address();
        let Some(e) = self.entries.get(&target.key) else {
            return;
        };
        let cfg = e.cfg.clone();
        let sender = e.sender.clone();
        let run_id = format!("chan_{}", uuid::Uuid::now_v7());
        let mut req = TurnRequest::new(
            run_id,
            self.config.default_agent.clone(),
            session_key.clone(),
            text,
        );
        req.channel = cfg.kind.as_str().to_string();
        req.stream = false;
        let (sub, mut rx) = Subscriber::channel(true);
        self.router.do_send(StartTurn {
            req,
            subscribers: vec![sub],
            home: None,
        });
        actix::spawn(async move {
            let mut outcome = None;
            while let Some(ev) = rx.recv().await {
                if let RunEvent::Done(o) = &*ev {
                    outcome = Some(o.clone());
                    break;
                }
            }
            drop(rx);
            let _delivering = delivering.enter();
            let reply = match &outcome {
                Some(o) if o.status == RunStatus::Ok => Some(o.text.clone()),
                Some(o) if o.status == RunStatus::Error => {
                    let why = o
                        .failure
                        .as_ref()
                        .map(|f| f.to_string())
                        .unwrap_or_default();
                    tracing::warn!(account = %target.key, run_id = %o.run_id, error = %why,
                        "channel turn failed");
                    Some(FAILURE_NOTICE.to_string())
                }
                _ => None,
            };
            let sent = match (reply, sender) {
                (Some(text), Some(sender)) if !is_silent_reply(&text) => {
                    Some(reply_to_chat(&sender, &cfg, &target, &text).await)
                }
                _ => None,
            };
            let delivered_via = sent.as_ref().and_then(|r| r.as_ref().ok().cloned());
            // The connector was stopped (the gateway is stopping): answer after the restart.
            let stopped = matches!(sent, Some(Err(DeliveryError::NotConnected(_))));
            // The reply was handed to delivery (or there is none): the inbox rows are
            // answered. A run that never reported its end leaves them for the restart.
            if !stopped
                && outcome
                    .as_ref()
                    .is_some_and(|o| o.status != RunStatus::Interrupted)
            {
                inbox::mark_done(store, rows).await;
            }
            me.do_send(TurnDone {
                session_key,
                delivered_via,
            });
        });
    }
}

async fn reply_to_chat(
    sender: &Recipient<SendText>,
    cfg: &Arc<ChannelAccount>,
    t: &ReplyTarget,
    text: &str,
) -> Result<String, DeliveryError> {
    match send_chunks(
        sender,
        cfg,
        &t.to,
        text,
        t.thread_id.as_deref(),
        t.reply_to.as_deref(),
        t.quote_all,
        false,
    )
    .await
    {
        Ok(_) => Ok(t.key.clone()),
        Err(e) => {
            tracing::warn!(account = %t.key, error = %e, "reply delivery failed");
            Err(e)
        }
    }
}
