//! The durable inbox inside the `Channels` actor.
//!
//! An accepted inbound message ([`Inbound`]) is written to the store's inbox
//! ([`crate::storage::InboxStore`]) before the handler answers: HTTP ingress answers the
//! platform only after that answer (so a webhook is acknowledged only once the row is
//! committed), and polling connectors advance their offset only after it. A message the
//! account already holds (a platform redelivery, same chat and message id) is dropped. The
//! row is marked done once its turn's reply was handed to delivery (see `dispatch`); at
//! start-up, rows not done are turned into turns again ([`Channels::replay_inbox`]), once.

use super::dispatch::InboxRef;
use super::{Channels, Inbound};
use crate::channels::{stored, InboundMessage};
use crate::storage::{now_ms, InboxRow, Store};
use actix::prelude::*;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Done rows are kept this long (redeliveries within it are still recognised).
const KEEP_DONE_MS: i64 = 7 * 24 * 3600 * 1000;

impl Handler<Inbound> for Channels {
    type Result = ResponseActFuture<Self, Result<(), String>>;

    fn handle(&mut self, Inbound { msg }: Inbound, ctx: &mut Context<Self>) -> Self::Result {
        self.ingest(vec![msg], ctx)
    }
}

impl Channels {
    /// Admits `msgs`, writes the accepted ones to the inbox in one transaction, then routes
    /// the new ones (redeliveries are dropped). Resolves once the rows are committed.
    pub(super) fn ingest(
        &mut self,
        msgs: Vec<InboundMessage>,
        ctx: &mut Context<Self>,
    ) -> ResponseActFuture<Self, Result<(), String>> {
        let accepted: Vec<(InboundMessage, InboxRef)> = msgs
            .into_iter()
            .filter_map(|m| self.admit(&m, ctx).map(|r| (m, r)))
            .collect();
        if accepted.is_empty() {
            return Box::pin(fut::ready(Ok(())));
        }
        let rows = accepted
            .iter()
            .map(|(m, r)| InboxRow {
                account: r.key.clone(),
                message_id: r.id.clone(),
                body: stored::to_json(m),
                received_at: now_ms(),
            })
            .collect();
        let put = self.store.inbox_put(rows);
        Box::pin(put.into_actor(self).map(move |res, act, ctx| match res {
            Ok(fresh) => {
                for ((msg, r), new) in accepted.into_iter().zip(fresh) {
                    if new {
                        act.dispatch(msg, r, ctx);
                    } else {
                        tracing::debug!(account = %r.key, "redelivered inbound message dropped");
                    }
                }
                Ok(())
            }
            Err(e) => {
                for (_, r) in &accepted {
                    tracing::error!(account = %r.key, error = %e, "cannot persist an inbound message");
                    act.forget_seen(r);
                }
                Err(format!("inbox: {e}"))
            }
        }))
    }

    /// Start-up: prunes old done rows and runs a turn for every row a previous process left
    /// unanswered (the actor handles nothing else until they are dispatched).
    pub(super) fn replay_inbox(&mut self, ctx: &mut Context<Self>) {
        let store = self.store.clone();
        let load = async move {
            if let Err(e) = store.inbox_prune(now_ms() - KEEP_DONE_MS).await {
                tracing::warn!(error = %e, "cannot prune the channel inbox");
            }
            store.inbox_pending().await
        };
        ctx.wait(load.into_actor(self).map(|rows, act, ctx| {
            let rows = match rows {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the channel inbox");
                    return;
                }
            };
            let mut unusable = Vec::new();
            for row in rows {
                let r = InboxRef {
                    key: row.account.clone(),
                    id: row.message_id.clone(),
                };
                match stored::from_json(&row.body) {
                    Some(msg) if act.entries.contains_key(&r.key) => {
                        tracing::info!(account = %r.key, "answering an inbound message left unanswered by the last run");
                        act.remember_seen(&r.key, &r.id);
                        act.dispatch(msg, r, ctx);
                    }
                    _ => {
                        tracing::warn!(account = %r.key, "dropping an unanswerable inbox row (unknown account or unreadable)");
                        unusable.push(r);
                    }
                }
            }
            if !unusable.is_empty() {
                actix::spawn(mark_done(act.store.clone(), unusable));
            }
        }));
    }
}

/// Marks inbox rows done (errors are logged: the row is then answered again after a restart).
pub(super) async fn mark_done(store: Store, rows: Vec<InboxRef>) {
    let mut by_account: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in rows {
        by_account.entry(r.key).or_default().push(r.id);
    }
    for (account, ids) in by_account {
        if let Err(e) = store.inbox_done(&account, ids, now_ms()).await {
            tracing::error!(account = %account, error = %e, "cannot mark inbox rows done");
        }
    }
}

/// Replies being handed to delivery whose inbox rows are not yet marked done; a stopping
/// gateway waits for them (briefly) so a graceful stop never answers a message twice.
#[derive(Debug, Clone, Default)]
pub(super) struct Delivering {
    n: Arc<AtomicUsize>,
    idle: Arc<Notify>,
}

/// One reply in [`Delivering`] (counted until dropped).
pub(super) struct DeliveringGuard(Delivering);

impl Delivering {
    /// Counts one reply until the guard is dropped.
    pub(super) fn enter(&self) -> DeliveringGuard {
        self.n.fetch_add(1, Ordering::SeqCst);
        DeliveringGuard(self.clone())
    }

    /// Resolves once no reply is being delivered, or after `max`.
    pub(super) async fn idle(self, max: Duration) {
        let deadline = tokio::time::Instant::now() + max;
        loop {
            let notified = self.idle.notified();
            if self.n.load(Ordering::SeqCst) == 0 {
                return;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return;
            }
        }
    }
}

impl Drop for DeliveringGuard {
    fn drop(&mut self) {
        if self.0.n.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}
