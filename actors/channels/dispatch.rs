//! Inbound messages → agent turns → replies, inside the `Channels` actor.
//!
//! An accepted message (policy in `crate::channels::policy`, session key in
//! `crate::channels::routing`) becomes a turn through the router with the registry as the
//! run's owner; when the run ends, its final text is chunked and queued in the outbox for the
//! same chat and thread (`NO_REPLY` and empty replies are not sent; a failed run sends a
//! short notice without details).
//!
//! `messages.queue.mode`:
//! - `collect` (default): while a channel-started turn of the session runs, later messages
//!   are collected (at most `messages.queue.cap`, oldest dropped) and sent as one turn when
//!   it ends, framed as OpenClaw frames them; the reply goes to the chat of the most recent
//!   message.
//! - `followup`: every message is its own turn; the session actor's FIFO queue runs them one
//!   after the other.

use super::{outbox, text_parts, Channels, Inbound};
use crate::actors::router::StartTurn;
use crate::channels::{is_silent_reply, policy, routing};
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

#[derive(Debug)]
struct Pending {
    text: String,
    target: ReplyTarget,
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

impl Handler<Inbound> for Channels {
    type Result = ();

    fn handle(&mut self, Inbound { msg }: Inbound, ctx: &mut Context<Self>) {
        let key = format!("{}:{}", msg.channel.as_str(), msg.account);
        let Some(e) = self.entries.get_mut(&key) else {
            tracing::warn!(account = %key, "inbound message for an unknown account");
            return;
        };
        let dedupe_key = msg
            .message_id
            .as_ref()
            .map(|id| format!("{}:{id}", msg.chat_id));
        if dedupe_key.as_ref().is_some_and(|k| e.seen.contains(k)) {
            tracing::debug!(account = %key, "duplicate inbound message dropped");
            return;
        }
        if let Err(r) = policy::check(&e.cfg, &msg) {
            tracing::info!(account = %key, chat = %msg.chat_id, sender = %msg.sender.id,
                reason = r.as_str(), "inbound message ignored");
            return;
        }
        // Remembered only once accepted: Slack sends `message` and `app_mention` for one
        // post, and only the second may carry the mention.
        if let Some(k) = dedupe_key {
            e.seen.push_back(k);
            if e.seen.len() > super::SEEN_IDS {
                e.seen.pop_front();
            }
        }
        e.last_inbound_at = Some(now_ms());
        let agent = self.config.default_agent.clone();
        let session_key = routing::session_key(&self.config, &agent, &msg);
        let text = if msg.is_group {
            format!("{}: {}", msg.sender.label(), msg.text)
        } else {
            msg.text.clone()
        };
        let target = ReplyTarget {
            key,
            to: msg.chat_id.clone(),
            thread_id: msg.thread_id.clone(),
            reply_to: match e.cfg.reply_to_mode {
                ReplyToMode::Off => None,
                ReplyToMode::First | ReplyToMode::All => msg.message_id.clone(),
            },
            quote_all: e.cfg.reply_to_mode == ReplyToMode::All,
        };
        self.last_routes.insert(session_key.clone(), target.clone());
        let pending = Pending { text, target };
        match self.config.channels.queue_mode {
            QueueMode::Followup => self.start_turn(session_key, vec![pending], ctx),
            QueueMode::Collect => {
                let cap = self.config.channels.queue_cap;
                let q = self.queues.entry(session_key.clone()).or_default();
                if q.busy {
                    q.pending.push_back(pending);
                    while q.pending.len() > cap {
                        q.pending.pop_front();
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
        let me = ctx.address();
        let Some(e) = self.entries.get(&target.key) else {
            return;
        };
        let cfg = e.cfg.clone();
        let outbox = self.outbox.clone();
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
            let delivered_via = match (reply, outbox) {
                (Some(text), Some(outbox)) if !is_silent_reply(&text) => {
                    reply_to_chat(&outbox, &cfg, &target, &text).await
                }
                _ => None,
            };
            me.do_send(TurnDone {
                session_key,
                delivered_via,
            });
        });
    }
}

/// Queues the reply; the account key when it was sent or queued for a retry.
async fn reply_to_chat(
    outbox: &Addr<outbox::Outbox>,
    cfg: &Arc<ChannelAccount>,
    t: &ReplyTarget,
    text: &str,
) -> Option<String> {
    let parts = text_parts(
        cfg,
        &t.to,
        text,
        t.thread_id.as_deref(),
        t.reply_to.as_deref(),
        t.quote_all,
        false,
    );
    let chat = format!(
        "{}\u{1f}{}",
        t.to,
        t.thread_id.as_deref().unwrap_or_default()
    );
    let sent = match parts {
        Ok(parts) => outbox::deliver(outbox, &t.key, chat, parts).await,
        Err(e) => Err(e),
    };
    match sent {
        Ok(outbox::Outcome::Failed(e)) | Err(e) => {
            tracing::warn!(account = %t.key, error = %e, "reply delivery failed");
            None
        }
        Ok(_) => Some(t.key.clone()),
    }
}
