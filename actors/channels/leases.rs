//! One node per connector account when several gateways share a store (see
//! `docs/scale-out.md`): a connector that holds a connection or polls (Telegram long polling,
//! the Discord gateway, Slack Socket Mode, WhatsApp, Signal, iMessage) runs only while this
//! node holds the account's lease `channel:<channel>:<account>` (`LeaseStore`).
//!
//! Every third of `cluster.leaseTtlSeconds` the registry renews the leases it holds and tries
//! to take the ones it wants; a node that loses a lease (or cannot renew it before it lapses)
//! stops that connector and shows the account as `standby`, naming the node that runs it.
//! When a node dies its leases lapse and another node takes over within one lease lifetime.
//! On shutdown held leases are released. Taking a lease also replays the account's
//! unanswered inbox rows (see `replay`): only the node running an account answers them. Webhook accounts (inbound HTTP) are not leased, and
//! without a shared store (SQLite) nothing is leased: connectors start as before.

use super::{Channels, ConnState, Entry, StopConnector};
use crate::config::ChannelKind;
use crate::storage::{Lease, StoreError};
use actix::prelude::*;
use std::time::{Duration, Instant};

/// The lease of an account (`<channel>:<account>`).
pub fn lease_name(key: &str) -> String {
    format!("channel:{key}")
}

/// What the registry knows of an account's lease.
#[derive(Debug, Default)]
pub(super) struct LeaseState {
    /// This node holds it.
    pub held: bool,
    /// Until when it is certainly held (local clock; renewed before).
    pub until: Option<Instant>,
    /// The node running the account, when known.
    pub holder: Option<String>,
}

/// The result of one account's renewal or acquisition.
enum Outcome {
    Renewed(Result<Option<Lease>, StoreError>),
    Acquired(Result<Option<Lease>, StoreError>, Option<String>),
}

impl Channels {
    /// Whether `e` runs only under a lease (shared store, a connection-holding channel).
    pub(super) fn leased(&self, e: &Entry) -> bool {
        self.lease_ttl.is_some() && e.cfg.kind != ChannelKind::Webhook
    }

    /// Keys of the accounts run under a lease.
    pub(super) fn leased_keys(&self) -> std::collections::HashSet<String> {
        self.entries
            .iter()
            .filter(|(_, e)| self.leased(e))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// The account is enabled, configured and supported: it should run somewhere.
    fn wants_to_run(e: &Entry) -> bool {
        e.cfg.enabled && e.cfg.configured && e.cfg.unsupported.is_none()
    }

    /// Starts the lease rounds (shared store only).
    pub(super) fn start_lease_rounds(&mut self, ctx: &mut Context<Self>) {
        let Some(ttl) = self.lease_ttl else {
            return;
        };
        self.lease_round(ctx);
        ctx.run_interval(renew_every(ttl), |act, ctx| act.lease_round(ctx));
    }

    /// Renews the held leases and tries to take the wanted ones.
    pub(super) fn lease_round(&mut self, ctx: &mut Context<Self>) {
        let Some(ttl) = self.lease_ttl else {
            return;
        };
        if self.lease_round_busy {
            return;
        }
        let started = Instant::now();
        let mut work = Vec::new();
        for (key, e) in &self.entries {
            if !self.leased(e) || !Self::wants_to_run(e) {
                continue;
            }
            let (store, node, key, held) = (
                self.store.clone(),
                self.node_id.clone(),
                key.clone(),
                e.lease.held,
            );
            work.push(async move {
                let name = lease_name(&key);
                let outcome = if held {
                    Outcome::Renewed(store.lease_renew(&name, &node, ttl).await)
                } else {
                    let got = store.lease_try_acquire(&name, &node, ttl).await;
                    let holder = match &got {
                        Ok(None) => store.lease_holder(&name).await.ok().flatten(),
                        _ => None,
                    };
                    Outcome::Acquired(got, holder.map(|l| l.holder))
                };
                (key, outcome)
            });
        }
        if work.is_empty() {
            return;
        }
        self.lease_round_busy = true;
        let all = futures_util::future::join_all(work);
        ctx.spawn(all.into_actor(self).map(move |results, act, ctx| {
            act.lease_round_busy = false;
            for (key, outcome) in results {
                act.apply_lease(&key, outcome, started + ttl, ctx);
            }
        }));
    }

    fn apply_lease(
        &mut self,
        key: &str,
        outcome: Outcome,
        until: Instant,
        ctx: &mut Context<Self>,
    ) {
        let node = self.node_id.clone();
        let Some(e) = self.entries.get_mut(key) else {
            return;
        };
        match outcome {
            Outcome::Renewed(Ok(Some(_))) => e.lease.until = Some(until),
            Outcome::Renewed(Ok(None)) => {
                tracing::warn!(account = %key, "channel lease lost; stopping the connector");
                lose(e);
            }
            Outcome::Renewed(Err(err)) => {
                let lapsed = e.lease.until.is_none_or(|u| Instant::now() >= u);
                tracing::warn!(account = %key, error = %err, lapsed, "could not renew a channel lease");
                if lapsed {
                    lose(e);
                }
            }
            Outcome::Acquired(Ok(Some(_)), _) => {
                if !Self::wants_to_run(e) {
                    // Switched off while the lease was being taken.
                    let (store, name) = (self.store.clone(), lease_name(key));
                    actix::spawn(async move {
                        let _ = store.lease_release(&name, &node).await;
                    });
                    return;
                }
                tracing::info!(account = %key, node = %node, "channel lease taken; starting the connector");
                e.lease = LeaseState {
                    held: true,
                    until: Some(until),
                    holder: Some(node),
                };
                e.state = ConnState::Connecting;
                e.error = None;
                self.start_connector(key, ctx.address());
                // This node answers the account now: its unanswered inbox rows and its
                // undelivered outbox rows too.
                if let Some(o) = &self.outbox {
                    o.do_send(super::outbox::Resume {
                        key: key.to_string(),
                    });
                }
                self.replay([key.to_string()].into(), false, ctx);
            }
            Outcome::Acquired(Ok(None), holder) => {
                e.lease.holder = holder;
                if e.state == ConnState::Connecting {
                    e.state = ConnState::Standby;
                }
            }
            Outcome::Acquired(Err(err), _) => {
                tracing::warn!(account = %key, error = %err, "could not take a channel lease");
            }
        }
    }

    /// Gives up `key`'s lease if this node holds it (the connector is stopped by the caller).
    pub(super) fn release_lease(&mut self, key: &str) {
        let Some(e) = self.entries.get_mut(key) else {
            return;
        };
        if !e.lease.held {
            return;
        }
        e.lease = LeaseState::default();
        let (store, name, node) = (self.store.clone(), lease_name(key), self.node_id.clone());
        actix::spawn(async move {
            if let Err(err) = store.lease_release(&name, &node).await {
                tracing::warn!(lease = %name, error = %err, "could not release a channel lease");
            }
        });
    }

    /// The node to show as running `e` (shared store only).
    pub(super) fn node_of(&self, e: &Entry) -> Option<String> {
        if !self.leased(e) {
            return None;
        }
        if e.lease.held {
            Some(self.node_id.clone())
        } else {
            e.lease.holder.clone()
        }
    }
}

/// Stops the connector of an account whose lease is gone.
fn lose(e: &mut Entry) {
    if let Some(s) = e.stop.take() {
        s.do_send(StopConnector);
    }
    e.sender = None;
    e.mark_read = None;
    e.lease = LeaseState::default();
    e.state = ConnState::Standby;
}

/// How long to wait between lease rounds for a lease lifetime (a third of it).
pub fn renew_every(ttl: Duration) -> Duration {
    ttl / 3
}
