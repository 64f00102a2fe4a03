//! Leased accounts' stored rows (several nodes on one store): every node's outbox would
//! otherwise resume every pending row at its start, and a node taking an account over later
//! would send rows the previous runner had already sent. Their rows are resumed instead when
//! the node takes the account's lease ([`Resume`]), from the store as it is then; rows this
//! outbox already holds are not queued twice. Also [`RecountFailed`], after the retention
//! sweep deleted failed rows.

use super::{payload, Item, Outbox};
use crate::storage::OutboxRow;
use actix::prelude::*;
use std::collections::HashSet;

/// Resume the stored pending rows of one account (its lease was just taken).
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct Resume {
    /// Registry key.
    pub key: String,
}

impl Outbox {
    /// Rows of `accounts` are resumed by [`Resume`], not at start-up.
    pub fn deferring(mut self, accounts: HashSet<String>) -> Self {
        self.deferred = accounts;
        self
    }
}

impl Handler<Resume> for Outbox {
    type Result = ();

    fn handle(&mut self, m: Resume, ctx: &mut Context<Self>) {
        let load = self.store.outbox_pending();
        ctx.wait(load.into_actor(self).map(move |rows, act, ctx| {
            let rows: Vec<OutboxRow> = match rows {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(account = %m.key, error = %e, "could not read the channel outbox");
                    return;
                }
            };
            let held: HashSet<String> = act
                .chats
                .iter()
                .filter(|((a, _), _)| a == &m.key)
                .flat_map(|(_, q)| q.items.iter().map(|i| i.row.id.clone()))
                .collect();
            let items: Vec<Item> = rows
                .into_iter()
                .filter(|r| r.account == m.key && !held.contains(&r.id))
                .filter_map(|row| {
                    act.seq = act.seq.max(row.seq);
                    let send = payload::decode(&row.payload)?;
                    Some(Item {
                        row,
                        send,
                        group: None,
                    })
                })
                .collect();
            if !items.is_empty() {
                tracing::info!(account = %m.key, rows = items.len(), "resuming pending channel deliveries of a taken-over account");
            }
            for chat in act.push(items) {
                act.pump(&chat, ctx);
            }
            act.report(&m.key);
        }));
    }
}

/// Read the failed-row counts again (the retention sweep deleted some).
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub struct RecountFailed;

impl Handler<RecountFailed> for Outbox {
    type Result = ();

    fn handle(&mut self, _: RecountFailed, ctx: &mut Context<Self>) {
        let load = self.store.outbox_failed_counts();
        ctx.spawn(load.into_actor(self).map(|counts, act, _| {
            let Ok(counts) = counts else { return };
            let counts: std::collections::HashMap<String, i64> = counts.into_iter().collect();
            let keys: Vec<String> = act.accounts.keys().cloned().collect();
            for k in keys {
                let n = counts.get(&k).copied().unwrap_or(0).max(0) as u64;
                if act.account(&k).stats.failed != n {
                    act.account(&k).stats.failed = n;
                    act.report(&k);
                }
            }
        }));
    }
}
