//! The durable inbox inside the `Channels` actor.
//!
//! An accepted inbound message ([`Inbound`]) is written to the store's inbox
//! ([`crate::storage::InboxStore`]) before the handler answers: HTTP ingress answers the
//! platform only after that answer (so a webhook is acknowledged only once the row is
//! committed), and polling connectors advance their offset only after it. A message the
//! account already holds (a platform redelivery, same chat and message id) is dropped. The
//! row is marked done once its turn's reply was handed to delivery (see `dispatch`); rows
//! left unanswered by a previous process are run again by `replay` (at most
//! `replay::MAX_ATTEMPTS` turns per row). A stored message goes through `debounce`.

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
        let accepted: Vec<(InboundMessage, InboxRef, u64)> = msgs
            .into_iter()
            .filter_map(|m| {
                let r = self.admit(&m, ctx)?;
                Some((m, r, self.debounce.next_arrival()))
            })
            .collect();
        if accepted.is_empty() {
            return Box::pin(fut::ready(Ok(())));
        }
        let rows = accepted
            .iter()
            .map(|(m, r, _)| InboxRow {
                account: r.key.clone(),
                message_id: r.id.clone(),
                body: stored::to_json(m),
                received_at: now_ms(),
                attempts: 1,
            })
            .collect();
        let put = self.store.inbox_put(rows);
        Box::pin(put.into_actor(self).map(move |res, act, ctx| match res {
            Ok(fresh) => {
                for ((msg, r, arrival), new) in accepted.into_iter().zip(fresh) {
                    if new {
                        act.route_inbound(msg, r, arrival, ctx);
                    } else {
                        tracing::debug!(account = %r.key, "redelivered inbound message dropped");
                    }
                }
                Ok(())
            }
            Err(e) => {
                for (_, r, _) in &accepted {
                    tracing::error!(account = %r.key, error = %e, "cannot persist an inbound message");
                    act.forget_seen(r);
                }
                Err(format!("inbox: {e}"))
            }
        }))
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
