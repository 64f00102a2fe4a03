//! Idempotency cache for `agent` / `chat.send` / `send` (keyed e.g.
//! `agent:<idempotencyKey>`).
//!
//! Lives in shared gateway state (not in a connection), so a client that
//! reconnects and repeats a request gets the in-flight run id or the cached
//! final result instead of a second run.
//!
//! * `Running{run_id}` entries never expire by age (a run can outlive the TTL);
//! * `Done{payload, at}` entries expire [`DEDUPE_TTL_MS`] after completion;
//! * at most [`DEDUPE_MAX_ENTRIES`]: inserting past that evicts the oldest
//!   entry, preferring finished ones over running ones.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;

use super::clock::{Clock, SystemClock};

/// Time a finished entry is kept.
pub const DEDUPE_TTL_MS: u64 = 5 * 60 * 1000;
/// Maximum number of entries.
pub const DEDUPE_MAX_ENTRIES: usize = 1000;

/// State of one idempotency key.
#[derive(Debug, Clone, PartialEq)]
pub enum DedupeState {
    /// A run is in flight.
    Running {
        /// The run started for this key.
        run_id: String,
    },
    /// The run finished.
    Done {
        /// The final response payload to replay.
        payload: Value,
        /// Completion time (Unix ms).
        at: u64,
    },
}

/// Result of [`DedupeCache::begin`].
#[derive(Debug, Clone, PartialEq)]
pub enum Begin {
    /// First time this key is seen (now recorded as running): start the run.
    New,
    /// Already running with this run id: reply with the in-flight ack.
    InFlight(String),
    /// Already finished: replay this payload.
    Done(Value),
}

#[derive(Debug)]
struct Entry {
    state: DedupeState,
    touched: u64,
    order: u64,
}

#[derive(Debug, Default)]
struct Inner {
    map: HashMap<String, Entry>,
    next_order: u64,
}

/// Thread-safe idempotency cache with an injectable clock.
pub struct DedupeCache {
    inner: Mutex<Inner>,
    /// Bumped whenever an entry finishes or is removed (waiters re-check their key).
    changes: tokio::sync::watch::Sender<u64>,
    clock: Arc<dyn Clock>,
    ttl_ms: u64,
    max_entries: usize,
}

impl std::fmt::Debug for DedupeCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DedupeCache")
            .field("len", &self.len())
            .field("ttl_ms", &self.ttl_ms)
            .field("max_entries", &self.max_entries)
            .finish()
    }
}

impl Default for DedupeCache {
    fn default() -> Self {
        Self::new(Arc::new(SystemClock))
    }
}

impl DedupeCache {
    /// A cache with the default TTL (5 min) and capacity (1000).
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self::with_limits(clock, DEDUPE_TTL_MS, DEDUPE_MAX_ENTRIES)
    }

    /// A cache with custom limits (`max_entries` is at least 1).
    pub fn with_limits(clock: Arc<dyn Clock>, ttl_ms: u64, max_entries: usize) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            changes: tokio::sync::watch::Sender::new(0),
            clock,
            ttl_ms,
            max_entries: max_entries.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the map inconsistent
        // (every mutation is a single insert/remove), so recover from poison.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn expired(&self, entry: &Entry, now: u64) -> bool {
        matches!(entry.state, DedupeState::Done { at, .. } if now.saturating_sub(at) > self.ttl_ms)
    }

    /// Looks `key` up; if absent (or expired) records it as running `run_id`.
    pub fn begin(&self, key: &str, run_id: &str) -> Begin {
        let now = self.clock.now_ms();
        let mut inner = self.lock();
        if let Some(entry) = inner.map.get(key) {
            if !self.expired(entry, now) {
                return match &entry.state {
                    DedupeState::Running { run_id } => Begin::InFlight(run_id.clone()),
                    DedupeState::Done { payload, .. } => Begin::Done(payload.clone()),
                };
            }
        }
        let state = DedupeState::Running {
            run_id: run_id.to_string(),
        };
        self.insert(&mut inner, key, state, now);
        Begin::New
    }

    /// Records the run id a running `key` turned out to use.
    pub fn set_running(&self, key: &str, run_id: &str) {
        let now = self.clock.now_ms();
        let mut inner = self.lock();
        let state = DedupeState::Running {
            run_id: run_id.to_string(),
        };
        self.insert(&mut inner, key, state, now);
    }

    /// Marks `key` finished with its final `payload` (inserting it if absent).
    pub fn complete(&self, key: &str, payload: Value) {
        let now = self.clock.now_ms();
        let mut inner = self.lock();
        let state = DedupeState::Done { payload, at: now };
        self.insert(&mut inner, key, state, now);
        drop(inner);
        self.changes.send_modify(|v| *v += 1);
    }

    /// Forgets `key` (e.g. the run could not be started); returns its state.
    pub fn remove(&self, key: &str) -> Option<DedupeState> {
        let removed = self.lock().map.remove(key).map(|e| e.state);
        self.changes.send_modify(|v| *v += 1);
        removed
    }

    /// Waits until `key` is finished (its payload) or forgotten (`None`).
    pub async fn wait_done(&self, key: &str) -> Option<Value> {
        let mut changes = self.changes.subscribe();
        loop {
            match self.get(key)? {
                DedupeState::Done { payload, .. } => return Some(payload),
                DedupeState::Running { .. } => {}
            }
            changes.changed().await.ok()?;
        }
    }

    /// Current (unexpired) state of `key`.
    pub fn get(&self, key: &str) -> Option<DedupeState> {
        let now = self.clock.now_ms();
        let inner = self.lock();
        inner
            .map
            .get(key)
            .filter(|e| !self.expired(e, now))
            .map(|e| e.state.clone())
    }

    /// Number of stored entries (including not-yet-pruned expired ones).
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops expired entries; returns how many were removed.
    pub fn prune(&self) -> usize {
        let now = self.clock.now_ms();
        let mut inner = self.lock();
        let before = inner.map.len();
        inner.map.retain(|_, e| !self.expired(e, now));
        before - inner.map.len()
    }

    fn insert(&self, inner: &mut Inner, key: &str, state: DedupeState, now: u64) {
        let order = inner.next_order;
        inner.next_order += 1;
        let is_new = !inner.map.contains_key(key);
        if is_new && inner.map.len() >= self.max_entries {
            inner.map.retain(|_, e| !self.expired(e, now));
        }
        if is_new && inner.map.len() >= self.max_entries {
            let victim = inner
                .map
                .iter()
                .min_by_key(|(_, e)| {
                    (
                        matches!(e.state, DedupeState::Running { .. }),
                        e.touched,
                        e.order,
                    )
                })
                .map(|(k, _)| k.clone());
            if let Some(k) = victim {
                inner.map.remove(&k);
            }
        }
        inner.map.insert(
            key.to_string(),
            Entry {
                state,
                touched: now,
                order,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::clock::ManualClock;
    use serde_json::json;

    fn cache(clock: &ManualClock) -> DedupeCache {
        DedupeCache::new(Arc::new(clock.clone()))
    }

    #[test]
    fn new_inflight_done_lifecycle() {
        let clock = ManualClock::new(1_000);
        let c = cache(&clock);
        assert_eq!(c.begin("agent:k1", "k1"), Begin::New);
        assert_eq!(c.begin("agent:k1", "other"), Begin::InFlight("k1".into()));
        clock.advance(10 * 60 * 1000); // running entries don't age out
        assert_eq!(c.begin("agent:k1", "k1"), Begin::InFlight("k1".into()));
        let fin = json!({"runId": "k1", "status": "ok"});
        c.complete("agent:k1", fin.clone());
        assert_eq!(c.begin("agent:k1", "k1"), Begin::Done(fin.clone()));
        assert_eq!(
            c.get("agent:k1"),
            Some(DedupeState::Done {
                payload: fin,
                at: clock.now_ms()
            })
        );
    }

    #[test]
    fn done_entries_expire_after_ttl() {
        let clock = ManualClock::new(0);
        let c = cache(&clock);
        c.begin("k", "r");
        c.complete("k", json!(1));
        clock.advance(DEDUPE_TTL_MS);
        assert_eq!(c.begin("k", "r"), Begin::Done(json!(1)));
        c.complete("k", json!(2));
        clock.advance(DEDUPE_TTL_MS + 1);
        assert_eq!(c.get("k"), None);
        assert_eq!(c.begin("k", "r2"), Begin::New, "expired → new run");
        c.complete("k", json!(3));
        clock.advance(DEDUPE_TTL_MS + 1);
        assert_eq!(c.prune(), 1);
        assert!(c.is_empty());
    }

    #[test]
    fn capacity_evicts_oldest_preferring_done() {
        let clock = ManualClock::new(0);
        let c = DedupeCache::with_limits(Arc::new(clock.clone()), DEDUPE_TTL_MS, 3);
        c.begin("run-a", "a"); // oldest but running
        clock.advance(1);
        c.begin("b", "b");
        c.complete("b", json!("b"));
        clock.advance(1);
        c.begin("c", "c");
        c.complete("c", json!("c"));
        clock.advance(1);
        c.begin("d", "d");
        assert_eq!(c.len(), 3);
        assert_eq!(c.get("b"), None, "oldest finished entry evicted");
        assert!(c.get("run-a").is_some(), "running entry kept");
        c.begin("e", "e"); // now c (done) goes
        assert_eq!(c.get("c"), None);
        c.begin("f", "f"); // all running → oldest running goes
        assert_eq!(c.get("run-a"), None);
        assert_eq!(c.len(), 3);
    }

    #[test]
    fn default_capacity_is_1000() {
        let clock = ManualClock::new(0);
        let c = cache(&clock);
        for i in 0..1001 {
            c.complete(&format!("k{i}"), json!(i));
            clock.advance(1);
        }
        assert_eq!(c.len(), DEDUPE_MAX_ENTRIES);
        assert_eq!(c.get("k0"), None);
        assert_eq!(
            c.get("k1000"),
            Some(DedupeState::Done {
                payload: json!(1000),
                at: 1000
            })
        );
    }

    #[test]
    fn shared_across_threads_and_remove() {
        let clock = ManualClock::new(0);
        let c = Arc::new(cache(&clock));
        let news: usize = (0..4)
            .map(|_| {
                let c = Arc::clone(&c);
                std::thread::spawn(move || matches!(c.begin("same", "r"), Begin::New) as usize)
            })
            .map(|h| h.join().unwrap())
            .sum();
        assert_eq!(news, 1, "exactly one caller starts the run");
        assert_eq!(
            c.remove("same"),
            Some(DedupeState::Running { run_id: "r".into() })
        );
        assert_eq!(c.begin("same", "r"), Begin::New);
        assert!(format!("{c:?}").contains("len: 1"));
    }
}
