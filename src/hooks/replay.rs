//! Replay protection for `/hooks/agent` and agent mappings: a delivery repeated with the same
//! idempotency key (and the same request) within [`REPLAY_TTL`] of the first returns the
//! first run id instead of starting another run.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Fixed window, counted from the first delivery.
pub const REPLAY_TTL: Duration = Duration::from_secs(5 * 60);
/// Entries kept at most (the oldest is evicted).
pub const REPLAY_MAX: usize = 1000;
/// Idempotency keys longer than this are ignored.
pub const MAX_IDEMPOTENCY_KEY: usize = 256;

/// The replay cache.
#[derive(Default)]
pub struct ReplayCache {
    entries: Mutex<HashMap<String, (String, Instant)>>,
}

fn hex(data: &[u8]) -> String {
    format!("{:x}", Sha256::digest(data))
}

/// The cache key: hashes of the token, of the request's dispatch scope, and of the
/// idempotency key (so the cache never holds any of them in clear).
pub fn cache_key(token: &str, scope: &serde_json::Value, idempotency_key: &str) -> String {
    format!(
        "{}:{}:{}",
        hex(token.as_bytes()),
        hex(scope.to_string().as_bytes()),
        hex(idempotency_key.as_bytes())
    )
}

impl ReplayCache {
    /// The run id first recorded under `key`, if still inside its window at `now`.
    pub fn get(&self, key: &str, now: Instant) -> Option<String> {
        let mut m = self.entries.lock().ok()?;
        match m.get(key) {
            Some((run, at)) if now.duration_since(*at) < REPLAY_TTL => Some(run.clone()),
            Some(_) => {
                m.remove(key);
                None
            }
            None => None,
        }
    }

    /// Records `run_id` under `key` at `now`.
    pub fn put(&self, key: String, run_id: String, now: Instant) {
        let Ok(mut m) = self.entries.lock() else {
            return;
        };
        m.retain(|_, (_, at)| now.duration_since(*at) < REPLAY_TTL);
        if m.len() >= REPLAY_MAX {
            if let Some(oldest) = m
                .iter()
                .min_by_key(|(_, (_, at))| *at)
                .map(|(k, _)| k.clone())
            {
                m.remove(&oldest);
            }
        }
        m.insert(key, (run_id, now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_entry_expires_exactly_at_the_end_of_its_window() {
        let c = ReplayCache::default();
        let t0 = Instant::now();
        let k = cache_key("tok", &json!({"m": 1}), "idem");
        c.put(k.clone(), "run-1".into(), t0);
        assert_eq!(
            c.get(&k, t0 + REPLAY_TTL - Duration::from_millis(1))
                .as_deref(),
            Some("run-1")
        );
        assert_eq!(c.get(&k, t0 + REPLAY_TTL), None);
    }

    #[test]
    fn a_different_request_under_the_same_key_is_not_a_replay() {
        let c = ReplayCache::default();
        let t0 = Instant::now();
        c.put(
            cache_key("tok", &json!({"m": 1}), "idem"),
            "run-1".into(),
            t0,
        );
        assert_eq!(c.get(&cache_key("tok", &json!({"m": 2}), "idem"), t0), None);
    }

    #[test]
    fn the_oldest_entry_is_evicted_at_capacity() {
        let c = ReplayCache::default();
        let t0 = Instant::now();
        for i in 0..REPLAY_MAX {
            c.put(
                format!("k{i}"),
                format!("r{i}"),
                t0 + Duration::from_millis(i as u64),
            );
        }
        c.put("new".into(), "rn".into(), t0 + Duration::from_secs(1));
        assert_eq!(c.get("k0", t0 + Duration::from_secs(1)), None);
        assert_eq!(
            c.get("k1", t0 + Duration::from_secs(1)).as_deref(),
            Some("r1")
        );
        assert_eq!(
            c.get("new", t0 + Duration::from_secs(1)).as_deref(),
            Some("rn")
        );
    }
}
