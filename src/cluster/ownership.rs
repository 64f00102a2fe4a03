//! Session ownership: one node at a time runs a session. A node claims a lease when it first
//! needs the session's actor (the store decides, atomically), keeps every lease it holds alive
//! with one bulk renewal per third of the TTL, and releases them all when it stops. A node that
//! dies stops renewing: its leases lapse after the TTL and the next request for one of its
//! sessions claims it elsewhere (the new owner loads the transcript from the store; runs the
//! dead node left `running` are marked interrupted by that claim or by the periodic sweep).

use super::Cluster;
use crate::storage::StoreError;
use std::time::Instant;

impl Cluster {
    fn ttl_ms(&self) -> i64 {
        self.inner.ttl.as_millis() as i64
    }

    /// The node that owns `key`, claiming it for this node when nobody holds a live lease.
    pub async fn owner_of(&self, key: &str) -> Result<String, StoreError> {
        if self.holds(key) {
            return Ok(self.inner.node_id.clone());
        }
        let owner = self
            .inner
            .store
            .claim_session(key, &self.inner.node_id, self.ttl_ms())
            .await?;
        if owner == self.inner.node_id {
            self.owned().insert(key.to_string());
        }
        Ok(owner)
    }

    /// Whether this node holds a lease on `key` that its renewals have kept alive.
    fn holds(&self, key: &str) -> bool {
        let fresh = self.renewed_at().elapsed() < self.inner.ttl;
        let mut owned = self.owned();
        if !fresh {
            // Renewals failed for a whole TTL: another node may have claimed our sessions.
            owned.clear();
        }
        owned.contains(key)
    }

    fn owned(&self) -> std::sync::MutexGuard<'_, std::collections::HashSet<String>> {
        self.inner.owned.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn renewed_at(&self) -> Instant {
        *self.inner.renewed.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Extends every lease of this node and its membership.
    pub(super) async fn renew(&self) -> Result<u64, StoreError> {
        let started = Instant::now();
        let n = self
            .inner
            .store
            .renew_node(&self.inner.node_id, &self.inner.info, self.ttl_ms())
            .await?;
        *self.inner.renewed.lock().unwrap_or_else(|e| e.into_inner()) = started;
        Ok(n)
    }

    /// Renews leases every third of the TTL and sweeps runs orphaned by dead nodes, for as
    /// long as the bus runtime runs.
    pub(super) fn spawn_renewals(&self) {
        let c = self.clone();
        self.rt().spawn(async move {
            let mut every = tokio::time::interval(c.inner.ttl / 3);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                if let Err(e) = c.renew().await {
                    tracing::warn!(error = %e, "cluster: lease renewal failed");
                    continue;
                }
                match c.inner.store.interrupt_orphaned_runs().await {
                    Ok(0) => {}
                    Ok(n) => tracing::warn!(
                        count = n,
                        "cluster: marked runs of a lost node as interrupted"
                    ),
                    Err(e) => tracing::warn!(error = %e, "cluster: orphaned-run sweep failed"),
                }
            }
        });
    }
}
