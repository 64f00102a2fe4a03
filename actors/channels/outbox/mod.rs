//! `Outbox`: the durable queue every outbound chat message goes through.
//!
//! - Owns: the pending messages of every account, one FIFO per chat (account, target,
//!   thread), their retry timers, and the per-account delivery counters (pending, failed,
//!   last error). Rows live in the store ([`crate::storage::OutboxStore`]): a message is
//!   written before its first attempt, updated after each failed one, deleted as soon as the
//!   platform accepted it, and kept as `failed` when given up.
//! - Started by: [`super::Channels`] (one per gateway), which tells it every account's
//!   connector and retry policy ([`SetAccount`]) and where events go ([`BindEvents`]).
//! - Talks to: connectors ([`SendText`], one attempt at a time per chat, each bounded by the
//!   account's `retry.attemptTimeoutMs`), the store, the registry ([`DeliveryStatsChanged`]
//!   for `channels.status`), the WebSocket hub (`channel.delivery.failed`).
//!
//! One actor per gateway rather than one per account: connectors come and go with config
//! reloads and `channels.enable`, while queued messages must outlive them; ordering is per
//! chat, and the work per message is one store write and one timer, so a single mailbox is
//! far from a bottleneck and the start-up resume is one query.
//!
//! Transient failures (429 with the platform's retry-after, 408, 5xx, no answer, timeout)
//! are retried with exponential backoff and jitter until the account's `retry.giveUpAfterMs`
//! (or `retry.attempts`); permanent ones fail at once. A later message for the same chat
//! waits behind an earlier pending one. A crash between the platform's success and the
//! row's deletion sends that one message again after the restart (Discord excepted: the row
//! key is its `nonce`, with `enforce_nonce`).

mod payload;
mod resume;
pub use resume::{RecountFailed, Resume};

use super::{Channels, SendText};
use crate::actors::ws_hub::BroadcastEvent;
use crate::channels::DeliveryError;
use crate::config::DeliveryRetry;
use crate::storage::{now_ms, OutboxRow, OutboxState, Store};
use actix::prelude::*;
use serde::Serialize;
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use std::time::Duration;
use tokio::sync::oneshot;

/// Delivery counters of one account (in `channels.status` and `GET /v1/channels`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryStats {
    /// Messages waiting to be sent (first attempt or retry).
    pub pending: usize,
    /// Messages given up (kept in the store).
    pub failed: u64,
    /// The last failed attempt's error (free of secrets).
    pub last_error: Option<String>,
    /// When it happened (ms).
    pub last_error_at: Option<i64>,
}

/// What became of one enqueued message (all its parts).
#[derive(Debug)]
pub enum Outcome {
    /// Every part was accepted: the platform message ids, in order.
    Sent(Vec<String>),
    /// A part could not be sent at once (or waits behind an earlier pending message): the
    /// message's outbox id and the ids of the parts already sent.
    Queued(String, Vec<String>),
    /// A part failed for good.
    Failed(DeliveryError),
}

/// Queue one message (its platform-sized parts, in order) for `account`'s chat `chat`.
#[derive(Message)]
#[rtype(result = "Result<oneshot::Receiver<Outcome>, DeliveryError>")]
pub struct Enqueue {
    /// Registry key (`telegram:default`).
    pub account: String,
    /// Ordering key within the account (target and thread).
    pub chat: String,
    /// The parts.
    pub parts: Vec<SendText>,
}

/// An account's connector (`None`: not running; its messages wait) and retry policy.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SetAccount {
    /// Registry key.
    pub key: String,
    /// The connector.
    pub sender: Option<Recipient<SendText>>,
    /// Its retry policy.
    pub retry: DeliveryRetry,
}

/// Where `channel.delivery.failed` events go.
#[derive(Message)]
#[rtype(result = "()")]
pub struct BindEvents(pub Recipient<BroadcastEvent>);

/// The outbox tells the registry an account's counters changed.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct DeliveryStatsChanged {
    /// Registry key.
    pub key: String,
    /// The counters.
    pub stats: DeliveryStats,
}

/// Waiters of one enqueued message.
struct Group {
    /// The first part's row id (what a queued receipt names).
    id: String,
    ids: Vec<Option<String>>,
    tx: Option<oneshot::Sender<Outcome>>,
}

impl Group {
    fn answer(&mut self, o: Outcome) {
        if let Some(tx) = self.tx.take() {
            let _ = tx.send(o);
        }
    }

    fn queued(&mut self) {
        let sent = self.ids.iter().flatten().cloned().collect();
        let id = self.id.clone();
        self.answer(Outcome::Queued(id, sent));
    }
}

struct Item {
    row: OutboxRow,
    send: SendText,
    group: Option<(Rc<RefCell<Group>>, usize)>,
}

#[derive(Default)]
struct ChatQueue {
    items: VecDeque<Item>,
    /// An attempt is in flight or a retry timer is set.
    busy: bool,
}

struct Account {
    sender: Option<Recipient<SendText>>,
    retry: DeliveryRetry,
    stats: DeliveryStats,
}

type ChatKey = (String, String);

/// The outbox actor.
pub struct Outbox {
    store: Store,
    registry: Addr<Channels>,
    events: Option<Recipient<BroadcastEvent>>,
    accounts: HashMap<String, Account>,
    chats: HashMap<ChatKey, ChatQueue>,
    seq: i64,
    /// Accounts whose stored rows are resumed by [`Resume`] (leased), not at start-up.
    deferred: std::collections::HashSet<String>,
}

impl Outbox {
    /// An outbox over `store` reporting to `registry` (resumes stored rows in `started`).
    pub fn new(store: Store, registry: Addr<Channels>) -> Self {
        Outbox {
            store,
            registry,
            events: None,
            accounts: HashMap::new(),
            chats: HashMap::new(),
            seq: 0,
            deferred: Default::default(),
        }
    }

    fn next_seq(&mut self) -> i64 {
        self.seq = (now_ms() * 1000).max(self.seq + 1);
        self.seq
    }

    fn account(&mut self, key: &str) -> &mut Account {
        self.accounts
            .entry(key.to_string())
            .or_insert_with(|| Account {
                sender: None,
                retry: retry_defaults(key),
                stats: DeliveryStats::default(),
            })
    }

    /// Recounts `key`'s pending messages and tells the registry.
    fn report(&mut self, key: &str) {
        let pending = self
            .chats
            .iter()
            .filter(|((a, _), _)| a == key)
            .map(|(_, q)| q.items.len())
            .sum();
        let a = self.account(key);
        a.stats.pending = pending;
        let stats = a.stats.clone();
        self.registry.do_send(DeliveryStatsChanged {
            key: key.to_string(),
            stats,
        });
    }

    /// Starts the head of `chat` when it is due and its connector runs.
    fn pump(&mut self, chat: &ChatKey, ctx: &mut Context<Self>) {
        let Some(q) = self.chats.get_mut(chat) else {
            return;
        };
        if q.busy {
            return;
        }
        let Some(head) = q.items.front() else {
            self.chats.remove(chat);
            return;
        };
        let wait = head.row.next_at - now_ms();
        if wait > 0 {
            q.busy = true;
            let key = chat.clone();
            ctx.run_later(Duration::from_millis(wait as u64), move |act, ctx| {
                if let Some(q) = act.chats.get_mut(&key) {
                    q.busy = false;
                }
                act.pump(&key, ctx);
            });
            return;
        }
        let (id, mut msg) = (head.row.id.clone(), head.send.clone());
        msg.idempotency_key = Some(head.row.seq.to_string());
        let Some(a) = self.accounts.get(&chat.0) else {
            return;
        };
        let Some(sender) = a.sender.clone() else {
            return;
        };
        let timeout = a.retry.attempt_timeout;
        q.busy = true;
        let attempt = async move {
            match tokio::time::timeout(timeout, sender.send(msg)).await {
                Err(_) => Err(DeliveryError::transient(format!(
                    "no answer within {} ms",
                    timeout.as_millis()
                ))),
                Ok(Err(_)) => Err(DeliveryError::transient("the connector stopped")),
                Ok(Ok(r)) => r,
            }
        };
        let key = chat.clone();
        ctx.spawn(
            attempt
                .into_actor(self)
                .then(move |res, act, ctx| act.attempted(key, id, res, ctx)),
        );
    }

    /// Books one attempt's result (store first), then moves on.
    fn attempted(
        &mut self,
        chat: ChatKey,
        id: String,
        res: Result<String, DeliveryError>,
        ctx: &mut Context<Self>,
    ) -> ResponseActFuture<Self, ()> {
        let is_head = self
            .chats
            .get(&chat)
            .and_then(|q| q.items.front())
            .is_some_and(|i| i.row.id == id);
        if !is_head {
            return Box::pin(fut::ready(()));
        }
        let now = now_ms();
        let store = self.store.clone();
        match res {
            Ok(platform_id) => {
                let item = self.pop(&chat);
                if let Some((g, i)) = item.and_then(|it| it.group) {
                    let mut g = g.borrow_mut();
                    g.ids[i] = Some(platform_id);
                    if g.ids.iter().all(Option::is_some) {
                        let ids = g.ids.iter().flatten().cloned().collect();
                        g.answer(Outcome::Sent(ids));
                    }
                }
                let write = store.outbox_delete(&id);
                self.finish(chat, write, ctx)
            }
            Err(e) => {
                let retry = self.account(&chat.0).retry.clone();
                let Some(item) = self.chats.get_mut(&chat).and_then(|q| q.items.front_mut()) else {
                    return Box::pin(fut::ready(()));
                };
                item.row.attempts += 1;
                let why = crate::channels::retry::reason(e.clone());
                item.row.last_error = Some(why.clone());
                let hint = match &e {
                    DeliveryError::Transient { retry_after_ms, .. } => {
                        Some(retry_after_ms.map(Duration::from_millis))
                    }
                    _ => None,
                };
                let give_up = |delay: Duration| {
                    let past = now + delay.as_millis() as i64 - item.row.created_at;
                    past > retry.give_up_after.as_millis() as i64
                        || retry.attempts.is_some_and(|n| item.row.attempts >= n)
                };
                let a_stats = (why.clone(), now);
                let outcome = match hint {
                    Some(hint) => {
                        let delay = retry.delay(item.row.attempts, hint, jitter_unit());
                        if give_up(delay) {
                            Err(format!(
                                "gave up after {} attempts: {why}",
                                item.row.attempts
                            ))
                        } else {
                            item.row.next_at = now + delay.as_millis() as i64;
                            Ok(())
                        }
                    }
                    None => Err(why),
                };
                let acct = self.account(&chat.0);
                acct.stats.last_error = Some(a_stats.0);
                acct.stats.last_error_at = Some(a_stats.1);
                match outcome {
                    Ok(()) => {
                        let q = self.chats.get_mut(&chat).expect("checked above");
                        for later in q.items.iter() {
                            if let Some((g, _)) = &later.group {
                                g.borrow_mut().queued();
                            }
                        }
                        let row = q.items.front().map(|i| i.row.clone());
                        let write = match row {
                            Some(r) => store.outbox_update(&r),
                            None => Box::pin(async { Ok(()) }),
                        };
                        self.finish(chat, write, ctx)
                    }
                    Err(error) => self.give_up(chat, error, ctx),
                }
            }
        }
    }

    /// The head of `chat` failed for good: stored as failed, counted, announced.
    fn give_up(
        &mut self,
        chat: ChatKey,
        error: String,
        ctx: &mut Context<Self>,
    ) -> ResponseActFuture<Self, ()> {
        let Some(mut item) = self.pop(&chat) else {
            return Box::pin(fut::ready(()));
        };
        item.row.state = OutboxState::Failed;
        item.row.last_error = Some(error.clone());
        // A failed row's `next_at` is when it was given up (the retention sweep counts from it).
        item.row.next_at = now_ms();
        if let Some((g, _)) = &item.group {
            g.borrow_mut()
                .answer(Outcome::Failed(DeliveryError::Failed(error.clone())));
        }
        self.account(&chat.0).stats.failed += 1;
        tracing::warn!(account = %chat.0, id = %item.row.id, attempts = item.row.attempts,
            error = %error, "channel delivery failed");
        if let Some(ev) = &self.events {
            let (channel, account) = chat.0.split_once(':').unwrap_or((&chat.0, ""));
            ev.do_send(BroadcastEvent {
                event: "channel.delivery.failed",
                payload: serde_json::json!({
                    "id": item.row.id, "channel": channel, "accountId": account,
                    "to": item.send.to, "threadId": item.send.thread_id,
                    "error": error, "attempts": item.row.attempts, "ts": now_ms(),
                }),
            });
        }
        let write = self.store.outbox_update(&item.row);
        self.finish(chat, write, ctx)
    }

    fn pop(&mut self, chat: &ChatKey) -> Option<Item> {
        self.chats.get_mut(chat).and_then(|q| q.items.pop_front())
    }

    /// After the store write: the chat is free again; report and send the next.
    fn finish(
        &mut self,
        chat: ChatKey,
        write: crate::storage::StoreFuture<()>,
        _: &mut Context<Self>,
    ) -> ResponseActFuture<Self, ()> {
        Box::pin(write.into_actor(self).map(move |w, act, ctx| {
            if let Err(e) = w {
                tracing::error!(account = %chat.0, error = %e, "could not write the outbox row");
            }
            if let Some(q) = act.chats.get_mut(&chat) {
                q.busy = false;
            }
            act.report(&chat.0);
            act.pump(&chat, ctx);
        }))
    }

    /// Queues `rows` (already stored) at the end of their chats.
    fn push(&mut self, items: Vec<Item>) -> Vec<ChatKey> {
        let mut touched = Vec::new();
        for it in items {
            let key = (it.row.account.clone(), it.row.chat.clone());
            self.chats
                .entry(key.clone())
                .or_default()
                .items
                .push_back(it);
            if !touched.contains(&key) {
                touched.push(key);
            }
        }
        touched
    }
}

/// Defaults for an account the registry has not described yet (rows resumed at start-up).
fn retry_defaults(key: &str) -> DeliveryRetry {
    let kind = key.split(':').next().unwrap_or_default();
    DeliveryRetry::defaults(
        crate::config::ChannelKind::parse(kind).unwrap_or(crate::config::ChannelKind::Webhook),
    )
}

/// A uniform number in `[0, 1)` for the jitter.
fn jitter_unit() -> f64 {
    (uuid::Uuid::new_v4().as_u128() % 1_000_000) as f64 / 1_000_000.0
}

impl Actor for Outbox {
    type Context = Context<Self>;

    /// Resumes stored pending rows before any new message (the mailbox waits for the load).
    fn started(&mut self, ctx: &mut Context<Self>) {
        let store = self.store.clone();
        let load = async move {
            let pending = store.outbox_pending().await;
            let failed = store.outbox_failed_counts().await;
            (pending, failed)
        };
        ctx.wait(load.into_actor(self).map(|(pending, failed), act, ctx| {
            for (key, n) in failed.unwrap_or_default() {
                act.account(&key).stats.failed = n.max(0) as u64;
            }
            let mut rows = pending.unwrap_or_else(|e| {
                tracing::error!(error = %e, "could not read the channel outbox");
                vec![]
            });
            rows.retain(|r| !act.deferred.contains(&r.account));
            let mut items = Vec::new();
            for row in rows {
                act.seq = act.seq.max(row.seq);
                match payload::decode(&row.payload) {
                    Some(send) => items.push(Item {
                        row,
                        send,
                        group: None,
                    }),
                    None => {
                        let mut bad = row;
                        bad.state = OutboxState::Failed;
                        bad.last_error = Some("unreadable outbox row".into());
                        bad.next_at = now_ms();
                        ctx.spawn(
                            act.store
                                .outbox_update(&bad)
                                .into_actor(act)
                                .map(|_, _, _| ()),
                        );
                    }
                }
            }
            if !items.is_empty() {
                tracing::info!(rows = items.len(), "resuming pending channel deliveries");
            }
            let touched = act.push(items);
            let keys: Vec<String> = act.accounts.keys().cloned().collect();
            for k in keys.iter().chain(touched.iter().map(|c| &c.0)) {
                act.report(k);
            }
        }));
    }
}

impl Handler<Enqueue> for Outbox {
    type Result = AtomicResponse<Self, Result<oneshot::Receiver<Outcome>, DeliveryError>>;

    fn handle(&mut self, m: Enqueue, _: &mut Context<Self>) -> Self::Result {
        let (tx, rx) = oneshot::channel();
        if m.parts.is_empty() {
            return AtomicResponse::new(Box::pin(fut::ready(Err(DeliveryError::Failed(
                "empty message".into(),
            )))));
        }
        let now = now_ms();
        let rows: Vec<OutboxRow> = m
            .parts
            .iter()
            .map(|p| OutboxRow {
                id: format!("out_{}", uuid::Uuid::now_v7().simple()),
                seq: self.next_seq(),
                account: m.account.clone(),
                chat: m.chat.clone(),
                payload: payload::encode(p),
                state: OutboxState::Pending,
                attempts: 0,
                next_at: now,
                created_at: now,
                last_error: None,
            })
            .collect();
        let group = Rc::new(RefCell::new(Group {
            id: rows[0].id.clone(),
            ids: vec![None; rows.len()],
            tx: Some(tx),
        }));
        let items: Vec<Item> = rows
            .iter()
            .cloned()
            .zip(m.parts)
            .enumerate()
            .map(|(i, (row, send))| Item {
                row,
                send,
                group: Some((group.clone(), i)),
            })
            .collect();
        let write = self.store.outbox_put(&rows);
        AtomicResponse::new(Box::pin(write.into_actor(self).map(move |w, act, ctx| {
            w.map_err(|e| DeliveryError::Failed(format!("could not queue the message: {e}")))?;
            let key = (m.account.clone(), m.chat.clone());
            let behind_a_retry = act
                .chats
                .get(&key)
                .is_some_and(|q| q.items.iter().any(|i| i.row.attempts > 0));
            if behind_a_retry {
                group.borrow_mut().queued();
            }
            act.push(items);
            act.report(&m.account);
            act.pump(&key, ctx);
            Ok(rx)
        })))
    }
}

impl Handler<SetAccount> for Outbox {
    type Result = ();

    fn handle(&mut self, m: SetAccount, ctx: &mut Context<Self>) {
        let a = self.account(&m.key);
        a.sender = m.sender;
        a.retry = m.retry;
        let chats: Vec<ChatKey> = self
            .chats
            .keys()
            .filter(|(a, _)| a == &m.key)
            .cloned()
            .collect();
        for c in chats {
            self.pump(&c, ctx);
        }
        self.report(&m.key);
    }
}

impl Handler<BindEvents> for Outbox {
    type Result = ();

    fn handle(&mut self, m: BindEvents, _: &mut Context<Self>) {
        self.events = Some(m.0);
    }
}

/// Queues `parts` and waits for the first attempt of each (see [`Outcome`]).
pub async fn deliver(
    outbox: &Addr<Outbox>,
    account: &str,
    chat: String,
    parts: Vec<SendText>,
) -> Result<Outcome, DeliveryError> {
    let rx = outbox
        .send(Enqueue {
            account: account.to_string(),
            chat,
            parts,
        })
        .await
        .map_err(|_| DeliveryError::NotConnected(account.to_string()))??;
    rx.await
        .map_err(|_| DeliveryError::Failed("the outbox stopped".into()))
}
