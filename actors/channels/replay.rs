//! Inbox upkeep inside the `Channels` actor: replaying unanswered rows, the attempt limit,
//! the retention sweep and the failed-row counts shown in `channels.status`.
//!
//! - **Replay.** At start-up the registry runs a turn for every inbox row a previous process
//!   left unanswered. With several nodes on one store (leases, see `leases`) a node replays
//!   only rows of accounts it runs: those of leased accounts when it takes the account's
//!   lease (at start or on a take-over), the others (webhook accounts, not leased) at
//!   start. Rows this process already handles (seen ids) are skipped.
//! - **Attempt limit.** A row counts its turns: 1 when stored, one more per replay, counted
//!   in the store *before* the turn starts. A row that already had [`MAX_ATTEMPTS`] is not
//!   replayed again but marked `failed` (logged once, kept, counted per account as
//!   `inbox.failed`): a message whose turn crashes the process cannot crash every start.
//! - **Retention.** Every [`SWEEP_EVERY`] (and at start) answered and failed inbox rows and
//!   failed outbox rows older than `channels.retentionDays` (7) are deleted; redeliveries
//!   within that time are still recognised.

use super::dispatch::InboxRef;
use super::{inbox, Channels};
use crate::channels::{stored, InboundMessage};
use crate::storage::{now_ms, InboxRow, Store, StoreError};
use actix::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::time::Duration;

/// Turns a stored message gets at most (its live turn and the replays after restarts).
pub const MAX_ATTEMPTS: i64 = 3;

/// How often the retention sweep runs.
pub const SWEEP_EVERY: Duration = Duration::from_secs(3600);

/// An account's inbox counters.
#[derive(Debug, Clone, Default, Serialize)]
pub struct InboxStats {
    /// Messages given up after [`MAX_ATTEMPTS`] turns (kept until the retention sweep).
    pub failed: i64,
}

/// What a replay found.
struct Found {
    /// Rows to run again (their attempt already counted).
    run: Vec<(InboundMessage, InboxRef)>,
    /// Failed rows per account, after this replay.
    failed: Vec<(String, i64)>,
}

/// Reads the unanswered rows of `accounts` (minus `skip`), marks those out of attempts
/// failed and those unreadable or of unknown accounts done, counts one attempt for the rest.
async fn load(
    store: Store,
    accounts: BTreeSet<String>,
    known: BTreeSet<String>,
    skip: HashSet<(String, String)>,
    unknown_too: bool,
) -> Result<Found, StoreError> {
    let rows: Vec<InboxRow> = store.inbox_pending().await?;
    let mut run = Vec::new();
    let (mut attempt, mut fail): (Grouped, Grouped) = Default::default();
    let mut unusable = Vec::new();
    for row in rows {
        let r = InboxRef {
            key: row.account.clone(),
            id: row.message_id.clone(),
        };
        let mine = accounts.contains(&r.key);
        let orphan = unknown_too && !known.contains(&r.key);
        if !(mine || orphan) || skip.contains(&(r.key.clone(), r.id.clone())) {
            continue;
        }
        match stored::from_json(&row.body).filter(|_| mine) {
            None => {
                tracing::warn!(account = %r.key, "dropping an unanswerable inbox row (unknown account or unreadable)");
                unusable.push(r);
            }
            Some(_) if row.attempts >= MAX_ATTEMPTS => {
                tracing::error!(account = %r.key, message = %r.id, attempts = row.attempts,
                    "giving up on an inbound message: its turn did not finish in {MAX_ATTEMPTS} attempts; kept as failed");
                fail.entry(r.key).or_default().push(r.id);
            }
            Some(msg) => {
                attempt.entry(r.key.clone()).or_default().push(r.id.clone());
                run.push((msg, r));
            }
        }
    }
    let at = now_ms();
    for (account, ids) in fail {
        store.inbox_fail(&account, ids, at).await?;
    }
    for (account, ids) in attempt {
        store.inbox_attempt(&account, ids).await?;
    }
    if !unusable.is_empty() {
        inbox::mark_done(store.clone(), unusable).await;
    }
    let failed = store.inbox_failed_counts().await?;
    Ok(Found { run, failed })
}

type Grouped = BTreeMap<String, Vec<String>>;

impl Channels {
    /// Start-up: the retention sweep (then every [`SWEEP_EVERY`]), and a replay of the rows
    /// of every account not run under a lease (leased ones replay when their lease is taken).
    pub(super) fn start_inbox(&mut self, ctx: &mut Context<Self>) {
        self.sweep(ctx);
        ctx.run_interval(SWEEP_EVERY, |act, ctx| act.sweep(ctx));
        let accounts: BTreeSet<String> = self
            .entries
            .iter()
            .filter(|(_, e)| !self.leased(e))
            .map(|(k, _)| k.clone())
            .collect();
        self.replay(accounts, true, ctx);
    }

    /// Runs a turn for every unanswered row of `accounts` (see the module docs); with
    /// `unknown_too`, rows of accounts the config does not have are marked done. The actor
    /// handles nothing else until the turns are dispatched.
    pub(super) fn replay(
        &mut self,
        accounts: BTreeSet<String>,
        unknown_too: bool,
        ctx: &mut Context<Self>,
    ) {
        let known: BTreeSet<String> = self.entries.keys().cloned().collect();
        let skip: HashSet<(String, String)> = accounts
            .iter()
            .filter_map(|k| self.entries.get(k).map(|e| (k, e)))
            .flat_map(|(k, e)| e.seen.iter().map(move |id| (k.clone(), id.clone())))
            .collect();
        let found = load(self.store.clone(), accounts, known, skip, unknown_too);
        ctx.wait(found.into_actor(self).map(|found, act, ctx| {
            let found = match found {
                Ok(f) => f,
                Err(e) => {
                    tracing::error!(error = %e, "cannot replay the channel inbox");
                    return;
                }
            };
            act.set_inbox_failed(found.failed);
            for (msg, r) in found.run {
                tracing::info!(account = %r.key, "answering an inbound message left unanswered by the last run");
                act.remember_seen(&r.key, &r.id);
                act.dispatch(msg, vec![r], ctx);
            }
        }));
    }

    /// Stores the failed-row counts in the accounts' status.
    fn set_inbox_failed(&mut self, counts: Vec<(String, i64)>) {
        let counts: BTreeMap<String, i64> = counts.into_iter().collect();
        for (k, e) in self.entries.iter_mut() {
            e.inbox.failed = counts.get(k).copied().unwrap_or(0);
        }
    }

    /// Deletes answered and failed rows past the retention, then refreshes the counts.
    fn sweep(&mut self, ctx: &mut Context<Self>) {
        let store = self.store.clone();
        let outbox = self.outbox.clone();
        let before = now_ms() - self.config.channels.retention().as_millis() as i64;
        let work = async move {
            match store.inbox_prune(before).await {
                Ok(n) if n > 0 => tracing::info!(rows = n, "pruned old channel inbox rows"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "cannot prune the channel inbox"),
            }
            match store.outbox_prune_failed(before).await {
                Ok(n) if n > 0 => {
                    tracing::info!(rows = n, "pruned old failed outbox rows");
                    if let Some(o) = outbox {
                        o.do_send(super::outbox::RecountFailed);
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "cannot prune the channel outbox"),
            }
            store.inbox_failed_counts().await
        };
        ctx.spawn(work.into_actor(self).map(|counts, act, _| {
            if let Ok(c) = counts {
                act.set_inbox_failed(c);
            }
        }));
    }
}
