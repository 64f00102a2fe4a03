//! The key registry: verifies presented keys against their stored hashes, keeps verified
//! keys in memory (a `DashMap` by id, so a request costs one hash and no store read), and
//! drops a key from it the moment it is revoked or rotated, signalling every connection that
//! holds it.

use super::policy::KeyPolicy;
use super::quota::{Counters, Spent};
use super::scope::Scope;
use super::token;
use crate::storage::{KeyRow, Store, StoreError, UsageQuery};
use dashmap::DashMap;
use std::sync::Arc;
use tokio::sync::watch;

/// A verified key: its id, policy, parsed scopes, live counters and revocation signal.
pub struct KeyGrant {
    /// Public id.
    pub id: String,
    /// Its policy.
    pub policy: KeyPolicy,
    /// Its scopes, parsed.
    pub scopes: Vec<Scope>,
    /// Live quota counters.
    pub counters: Counters,
    hash: String,
    revoked: watch::Sender<bool>,
}

impl std::fmt::Debug for KeyGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyGrant")
            .field("id", &self.id)
            .field("app", &self.policy.app)
            .finish_non_exhaustive()
    }
}

impl PartialEq for KeyGrant {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && self.hash == other.hash
    }
}

impl Eq for KeyGrant {}

impl KeyGrant {
    /// Resolves once the key is revoked or rotated (never, while it stays live).
    pub fn revoked(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.revoked.subscribe();
        async move {
            if *rx.borrow_and_update() {
                return;
            }
            while rx.changed().await.is_ok() {
                if *rx.borrow() {
                    return;
                }
            }
            std::future::pending::<()>().await
        }
    }

    /// Whether it has been revoked.
    pub fn is_revoked(&self) -> bool {
        *self.revoked.borrow()
    }
}

/// Why a presented key was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Unknown id, wrong secret or revoked.
    Invalid,
    /// Past its expiry.
    Expired,
}

/// Verified keys by id, over the store.
pub struct KeyRegistry {
    store: Store,
    cache: DashMap<String, Arc<KeyGrant>>,
    last_prune: std::sync::atomic::AtomicI64,
    /// Usage writes announced but not yet committed, and their wake-up.
    pending: (std::sync::atomic::AtomicI64, tokio::sync::Notify),
}

impl KeyRegistry {
    /// A registry over `store`.
    pub fn new(store: Store) -> Self {
        KeyRegistry {
            store,
            cache: DashMap::new(),
            last_prune: Default::default(),
            pending: Default::default(),
        }
    }

    /// Announces (`1`) or completes (`-1`) a usage write.
    pub fn usage_pending(&self, delta: i64) {
        use std::sync::atomic::Ordering;
        if self.pending.0.fetch_add(delta, Ordering::AcqRel) + delta <= 0 {
            self.pending.1.notify_waiters();
        }
    }

    /// Resolves once every announced usage write has committed.
    pub async fn usage_settled(&self) {
        use std::sync::atomic::Ordering;
        loop {
            let notified = self.pending.1.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.pending.0.load(Ordering::Acquire) <= 0 {
                return;
            }
            notified.await;
        }
    }

    /// Whether the audit log is due a pruning at `now` (at most once an hour); claims it.
    pub fn prune_due(&self, now: i64) -> bool {
        use std::sync::atomic::Ordering;
        let last = self.last_prune.load(Ordering::Acquire);
        now - last >= 3_600_000
            && self
                .last_prune
                .compare_exchange(last, now, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
    }

    /// Verifies a presented `cgk_…` key.
    pub async fn verify(&self, presented: &str) -> Result<Arc<KeyGrant>, Refusal> {
        let (id, secret) = token::parse(presented).ok_or(Refusal::Invalid)?;
        let grant = match self.cache.get(id).map(|g| g.clone()) {
            Some(g) => g,
            None => self.load(id).await.ok_or(Refusal::Invalid)?,
        };
        if !token::matches(id, secret, &grant.hash) || grant.is_revoked() {
            return Err(Refusal::Invalid);
        }
        if grant.policy.expired(crate::storage::now_ms()) {
            return Err(Refusal::Expired);
        }
        Ok(grant)
    }

    async fn load(&self, id: &str) -> Option<Arc<KeyGrant>> {
        let row = self.store.key_get(id).await.ok()??;
        if row.revoked_at.is_some() {
            return None;
        }
        let policy: KeyPolicy = serde_json::from_str(&row.policy).ok()?;
        let scopes = policy.parsed_scopes()?;
        let spent = self.spent(id).await;
        let grant = Arc::new(KeyGrant {
            id: row.id.clone(),
            policy,
            scopes,
            counters: Counters::new(spent),
            hash: row.hash,
            revoked: watch::channel(false).0,
        });
        Some(
            self.cache
                .entry(row.id)
                .or_insert_with(|| grant.clone())
                .clone(),
        )
    }

    /// Tokens the key spent today and this month (from the stored usage).
    async fn spent(&self, id: &str) -> Spent {
        let day = super::quota::today();
        let month = day[..7].to_string();
        let q = UsageQuery {
            key_id: Some(id.to_string()),
            since: Some(format!("{month}-01")),
            ..Default::default()
        };
        let rows = self.store.usage_query(&q).await.unwrap_or_default();
        let mut s = Spent {
            day: day.clone(),
            month,
            ..Default::default()
        };
        for r in rows {
            let t = r.tokens_in + r.tokens_out;
            s.month_tokens += t;
            if r.day == day {
                s.day_tokens += t;
            }
        }
        s
    }

    /// Stores a new key row.
    pub async fn insert(&self, row: KeyRow) -> Result<(), StoreError> {
        self.store.key_put(&row).await
    }

    /// Revokes a key: stored as revoked, dropped from memory, its connections told. `false`
    /// when there was no live key with that id.
    pub async fn revoke(&self, id: &str) -> Result<bool, StoreError> {
        let live = self.store.key_revoke(id, crate::storage::now_ms()).await?;
        self.forget(id);
        Ok(live)
    }

    /// Replaces a live key's hash (rotation): the old secret and its connections stop at once.
    pub async fn replace_hash(&self, id: &str, hash: String) -> Result<bool, StoreError> {
        let Some(mut row) = self.store.key_get(id).await? else {
            return Ok(false);
        };
        if row.revoked_at.is_some() {
            return Ok(false);
        }
        row.hash = hash;
        self.store.key_put(&row).await?;
        self.forget(id);
        Ok(true)
    }

    fn forget(&self, id: &str) {
        if let Some((_, g)) = self.cache.remove(id) {
            g.revoked.send_replace(true);
        }
    }

    /// Every stored key.
    pub async fn list(&self) -> Result<Vec<KeyRow>, StoreError> {
        self.store.key_list().await
    }

    /// The store (usage and audit go straight to it).
    pub fn store(&self) -> &Store {
        &self.store
    }
}
