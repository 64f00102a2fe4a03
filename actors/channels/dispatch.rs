//! Inbound messages → agent turns → replies, inside the `Channels` actor.
//!
//! An accepted message (policy in `crate::channels::policy`, session key in
//! `crate::channels::routing`) becomes a turn through the router with the registry as the
//! run's owner; when the run ends, its final text is chunked and queued in the outbox for the
//! same chat and thread (`NO_REPLY` and empty replies are not sent; a failed run sends a
//! short notice without details).
//!
//! Every accepted message is first written to the durable inbox (see `inbox`); the rows of
//! a turn are marked done once its reply was handed to the outbox.
//!
//! The agent comes from `bindings` (`routing::resolve_agent`); a direct message from an unknown
//! sender under `dmPolicy: "pairing"` gets a pairing code instead of a turn (`super::pairing`).
//!
//! `messages.queue.mode` (per channel with `messages.queue.byChannel`), for messages that
//! arrive while a channel-started turn of the same session runs:
//! - `collect` (default): they are collected (at most `messages.queue.cap`, oldest dropped)
//!   and sent as one turn when it ends, framed as OpenClaw frames them; the reply goes to the
//!   chat of the most recent message.
//! - `followup`: every message is its own turn; the session actor's FIFO queue runs them one
//!   after the other.
//! - `steer`: the message is handed to the running turn, which adds it as a user message
//!   before its next model call; if the turn makes no further model call (it was already
//!   writing its final answer) the message runs as a followup turn.
//! - `steer-backlog`: as `steer`, and the message also runs as a followup turn.
//! - `interrupt`: the running turn is aborted (its reply is not sent) and the message starts
//!   a new one; messages still waiting are dropped.

use super::{inbox, outbox, text_parts, Channels, DeliveryError};
use crate::actors::router::{Abort, StartTurn, SteerRun};
use crate::channels::media_in::{self, Fetched};
use crate::channels::{is_silent_reply, policy, routing, stored, InboundMessage};
use crate::config::{ChannelAccount, DmPolicy, QueueMode, ReplyToMode};
use crate::core::run::TurnRequest;
use crate::core::run::{RunEvent, Subscriber};
use crate::providers::types::ImageData;
use crate::storage::{now_ms, RunStatus};
use actix::prelude::*;
use std::collections::VecDeque;
use std::sync::Arc;

/// What a failed run sends to the chat (details stay in the log).
pub const FAILURE_NOTICE: &str = "⚠️ Sorry, I could not answer that. Please try again.";
/// Header OpenClaw puts on a collected batch.
const COLLECT_HEADER: &str = "[Queued messages while agent was busy]";

/// Where a turn's reply goes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(super) struct ReplyTarget {
    /// Registry key `<channel>:<account>`.
    pub(super) key: String,
    pub(super) to: String,
    #[serde(rename = "threadId", skip_serializing_if = "Option::is_none", default)]
    pub(super) thread_id: Option<String>,
    #[serde(skip)]
    reply_to: Option<String>,
    #[serde(skip)]
    quote_all: bool,
}

/// An inbox row: the account's registry key and the message's inbox id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct InboxRef {
    pub(super) key: String,
    pub(super) id: String,
}

#[derive(Debug, Clone)]
struct Pending {
    text: String,
    /// Image inputs from the message's media.
    images: Vec<ImageData>,
    target: ReplyTarget,
    agent: String,
    /// The message's inbox rows (several when debounced messages were coalesced).
    inbox: Vec<InboxRef>,
}

/// One session's channel-started turn state.
#[derive(Debug, Default)]
pub(super) struct SessionQueue {
    /// The channel-started run in progress.
    running: Option<String>,
    /// Messages waiting for it to end.
    pending: VecDeque<Pending>,
    /// Whether the waiting messages run as one turn (`collect`) or one turn each.
    collect: bool,
}

/// A channel-started turn finished (and its reply was sent or dropped).
#[derive(Message)]
#[rtype(result = "()")]
struct TurnDone {
    session_key: String,
    run_id: String,
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
    /// Checks an inbound message before it is persisted: a known account, not a message the
    /// account has seen, allowed by its policy (an unknown DM sender under `dmPolicy:
    /// "pairing"` gets a pairing code instead). The accepted message's inbox row reference
    /// is returned.
    pub(super) fn admit(
        &mut self,
        msg: &InboundMessage,
        ctx: &mut Context<Self>,
    ) -> Option<InboxRef> {
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
        let cfg = e.cfg.clone();
        match policy::check(&cfg, msg) {
            Ok(()) => {}
            Err(policy::Refusal::SenderNotAllowed)
                if cfg.dm_policy == DmPolicy::Pairing && self.pairing.is_approved(&key, msg) => {}
            Err(r) => {
                tracing::info!(account = %key, chat = %msg.chat_id, sender = %msg.sender.id,
                    reason = r.as_str(), "inbound message ignored");
                if r == policy::Refusal::SenderNotAllowed && cfg.dm_policy == DmPolicy::Pairing {
                    self.pairing_challenge(&key, msg, ctx);
                }
                return None;
            }
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

    /// Routes an accepted (and persisted) message to its session: its files are fetched
    /// first (only now that it is accepted), then it becomes a turn or waits behind the
    /// session's running one. `inbox` holds its rows (one, or several coalesced by
    /// `debounce`; all of one account).
    pub(super) fn dispatch(
        &mut self,
        msg: InboundMessage,
        inbox: Vec<InboxRef>,
        ctx: &mut Context<Self>,
    ) {
        let Some(e) = inbox.first().and_then(|r| self.entries.get_mut(&r.key)) else {
            return;
        };
        e.last_inbound_at = Some(now_ms());
        if msg.media.is_empty() {
            return self.accept(msg, Fetched::default(), inbox, ctx);
        }
        // The turn waits for the files.
        let cfg = e.cfg.clone();
        let state_dir = self.config.state_dir.clone();
        let me = ctx.address();
        actix::spawn(async move {
            let fetched = media_in::fetch_all(&cfg, &msg.media, &state_dir).await;
            me.do_send(WithMedia {
                msg,
                fetched,
                inbox,
            });
        });
    }
}

/// An accepted message whose files were fetched.
#[derive(Message)]
#[rtype(result = "()")]
struct WithMedia {
    msg: InboundMessage,
    fetched: Fetched,
    inbox: Vec<InboxRef>,
}

impl Handler<WithMedia> for Channels {
    type Result = ();

    fn handle(&mut self, m: WithMedia, ctx: &mut Context<Self>) {
        self.accept(m.msg, m.fetched, m.inbox, ctx);
    }
}

impl Channels {
    /// Routes an accepted message (with its fetched media) to its session's turn.
    fn accept(
        &mut self,
        msg: InboundMessage,
        fetched: Fetched,
        inbox: Vec<InboxRef>,
        ctx: &mut Context<Self>,
    ) {
        let Some(key) = inbox.first().map(|r| r.key.clone()) else {
            return;
        };
        let Some(e) = self.entries.get(&key) else {
            return;
        };
        let cfg = e.cfg.clone();
        let agent = routing::resolve_agent(&self.config, &msg);
        let session_key = routing::session_key(&self.config, &agent, &msg);
        let body = match (msg.text.trim().is_empty(), msg.media.first()) {
            (true, Some(m)) => format!("<media:{}>", m.kind.label().replace(' ', "_")),
            _ => msg.text.clone(),
        };
        let body = media_in::with_notes(&body, &fetched.notes);
        let text = if msg.is_group {
            format!("{}: {}", msg.sender.label(), body)
        } else {
            body
        };
        let target = ReplyTarget {
            key,
            to: msg.chat_id.clone(),
            thread_id: msg.thread_id.clone(),
            reply_to: match cfg.reply_to_mode {
                ReplyToMode::Off => None,
                ReplyToMode::First | ReplyToMode::All => msg.message_id.clone(),
            },
            quote_all: cfg.reply_to_mode == ReplyToMode::All,
        };
        self.remember_route(&session_key, &target, ctx);
        let pending = Pending {
            text,
            images: fetched.images,
            target,
            agent,
            inbox,
        };
        let mode = self.config.channels.queue_mode_for(msg.channel);
        self.enqueue(session_key, pending, mode, ctx);
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
        if q.running.as_deref() != Some(msg.run_id.as_str()) {
            // An interrupted run: the session has already moved on.
            return;
        }
        q.running = None;
        if q.pending.is_empty() {
            self.queues.remove(&msg.session_key);
            return;
        }
        let batch: Vec<Pending> = if q.collect {
            q.pending.drain(..).collect()
        } else {
            q.pending.pop_front().into_iter().collect()
        };
        self.start_tracked(msg.session_key, batch, ctx);
    }
}

impl Channels {
    /// Handles one accepted message by the session's queue mode.
    fn enqueue(
        &mut self,
        session_key: String,
        pending: Pending,
        mode: QueueMode,
        ctx: &mut Context<Self>,
    ) {
        if mode == QueueMode::Followup {
            self.start_turn(session_key, vec![pending], ctx);
            return;
        }
        let cap = self.config.channels.queue_cap;
        let q = self.queues.entry(session_key.clone()).or_default();
        q.collect = mode == QueueMode::Collect;
        let Some(running) = q.running.clone() else {
            self.start_tracked(session_key, vec![pending], ctx);
            return;
        };
        match mode {
            QueueMode::Collect | QueueMode::Followup => {
                q.pending.push_back(pending);
                let mut dropped = Vec::new();
                while q.pending.len() > cap {
                    dropped.extend(q.pending.pop_front().into_iter().flat_map(|p| p.inbox));
                }
                // Dropped by the queue cap: answered as far as the inbox is concerned.
                if !dropped.is_empty() {
                    actix::spawn(inbox::mark_done(self.store.clone(), dropped));
                }
            }
            QueueMode::Steer | QueueMode::SteerBacklog => {
                let backlog = mode == QueueMode::SteerBacklog;
                if backlog {
                    q.pending.push_back(pending.clone());
                }
                let steer = self.router.send(SteerRun {
                    run_id: running,
                    text: pending.text.clone(),
                });
                ctx.spawn(steer.into_actor(self).map(move |injected, act, ctx| {
                    if backlog {
                        return;
                    }
                    if injected.unwrap_or(false) {
                        // Part of the running turn now (whose reply answers it).
                        actix::spawn(inbox::mark_done(act.store.clone(), pending.inbox));
                        return;
                    }
                    // The run made no further model call: the message runs after it.
                    let q = act.queues.entry(session_key.clone()).or_default();
                    if q.running.is_some() {
                        q.pending.push_back(pending);
                    } else {
                        act.start_tracked(session_key, vec![pending], ctx);
                    }
                }));
            }
            QueueMode::Interrupt => {
                let dropped: Vec<InboxRef> = q.pending.drain(..).flat_map(|p| p.inbox).collect();
                if !dropped.is_empty() {
                    actix::spawn(inbox::mark_done(self.store.clone(), dropped));
                }
                self.router.do_send(Abort {
                    run_id: Some(running),
                    session_key: None,
                });
                self.start_tracked(session_key, vec![pending], ctx);
            }
        }
    }

    /// Starts a turn for `batch` and records it as the session's running channel turn.
    fn start_tracked(&mut self, session_key: String, batch: Vec<Pending>, ctx: &mut Context<Self>) {
        let run_id = self.start_turn(session_key.clone(), batch, ctx);
        self.queues.entry(session_key).or_default().running = run_id;
    }

    /// Starts one turn for `batch` (one message, or a collected batch) and spawns the wait
    /// for its outcome and the reply; its run id.
    fn start_turn(
        &mut self,
        session_key: String,
        batch: Vec<Pending>,
        ctx: &mut Context<Self>,
    ) -> Option<String> {
        let last = batch.last()?;
        let target = last.target.clone();
        let agent = last.agent.clone();
        let text = collect_text(&batch);
        let rows: Vec<InboxRef> = batch.iter().flat_map(|p| p.inbox.clone()).collect();
        let store = self.store.clone();
        let delivering = self.delivering.clone();
        let me = ctx.address();
        let e = self.entries.get(&target.key)?;
        let cfg = e.cfg.clone();
        let outbox = self.outbox.clone();
        let run_id = format!("chan_{}", uuid::Uuid::now_v7());
        let mut req = TurnRequest::new(run_id.clone(), agent, session_key.clone(), text);
        req.channel = cfg.kind.as_str().to_string();
        req.images = batch.iter().flat_map(|p| p.images.clone()).collect();
        req.stream = false;
        let (sub, mut rx) = Subscriber::channel(true);
        self.router.do_send(StartTurn {
            req,
            subscribers: vec![sub],
            home: None,
        });
        let id = run_id.clone();
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
            let sent = match (reply, outbox) {
                (Some(text), Some(outbox)) if !is_silent_reply(&text) => {
                    Some(reply_to_chat(&outbox, &cfg, &target, &text).await)
                }
                _ => None,
            };
            let delivered_via = sent.as_ref().and_then(|r| r.as_ref().ok().cloned());
            // Not even queued (the gateway is stopping): answer after the restart.
            let stopped = matches!(sent, Some(Err(DeliveryError::NotConnected(_))));
            // The reply is in the outbox (or there is none): the inbox rows are answered. A
            // run that never reported its end leaves them for the restart.
            if !stopped
                && outcome
                    .as_ref()
                    .is_some_and(|o| o.status != RunStatus::Interrupted)
            {
                inbox::mark_done(store, rows).await;
            }
            me.do_send(TurnDone {
                session_key,
                run_id: id,
                delivered_via,
            });
        });
        Some(run_id)
    }
}

/// Queues the reply; the account key when it was sent or queued for a retry, the error when
/// it failed for good or could not be queued.
async fn reply_to_chat(
    outbox: &Addr<outbox::Outbox>,
    cfg: &Arc<ChannelAccount>,
    t: &ReplyTarget,
    text: &str,
) -> Result<String, DeliveryError> {
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
            Err(e)
        }
        Ok(_) => Ok(t.key.clone()),
    }
}
