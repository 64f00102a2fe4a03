//! A small in-memory cache of `web_fetch` results: entries expire after a TTL, and the cache
//! holds at most a fixed number of them (the oldest is dropped first).

use serde_json::Value;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Results cached by key (URL, extract mode and character cap).
pub struct Cache {
    ttl: Duration,
    max_entries: usize,
    entries: Mutex<HashMap<String, (Instant, Value)>>,
}

impl Cache {
    /// An empty cache.
    pub fn new(ttl: Duration, max_entries: usize) -> Self {
        Cache {
            ttl,
            max_entries,
            entries: Mutex::default(),
        }
    }

    /// The cached value for `key`, if fresh.
    pub fn get(&self, key: &str) -> Option<Value> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match entries.get(key) {
            Some((at, v)) if at.elapsed() < self.ttl => Some(v.clone()),
            Some(_) => {
                entries.remove(key);
                None
            }
            None => None,
        }
    }

    /// Stores `value`, dropping expired entries and then the oldest while full.
    pub fn put(&self, key: String, value: Value) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|_, (at, _)| at.elapsed() < self.ttl);
        while entries.len() >= self.max_entries {
            let Some(oldest) = entries
                .iter()
                .min_by_key(|(_, (at, _))| *at)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            entries.remove(&oldest);
        }
        entries.insert(key, (Instant::now(), value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn holds_at_most_max_entries_dropping_the_oldest() {
        let c = Cache::new(Duration::from_secs(60), 2);
        c.put("a".into(), json!(1));
        c.put("b".into(), json!(2));
        c.put("c".into(), json!(3));
        assert_eq!(c.get("a"), None);
        assert_eq!(c.get("b"), Some(json!(2)));
        assert_eq!(c.get("c"), Some(json!(3)));
    }

    #[test]
    fn expired_entries_are_not_returned() {
        let c = Cache::new(Duration::ZERO, 2);
        c.put("a".into(), json!(1));
        assert_eq!(c.get("a"), None);
    }
}
