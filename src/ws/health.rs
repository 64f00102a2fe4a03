//! The `health` snapshot cache. Like OpenClaw, a snapshot is reused for
//! [`HEALTH_REFRESH_MS`]; computing a fresh one broadcasts it as the `health` event (so a
//! client that asks while the snapshot is fresh gets only the answer, as in the recording).

use serde_json::Value;
use std::sync::Mutex;

/// How long a health snapshot is served before it is computed again.
pub const HEALTH_REFRESH_MS: i64 = 60_000;

/// The last snapshot and when it was taken.
#[derive(Default)]
pub struct HealthCache(Mutex<Option<(i64, Value)>>);

impl HealthCache {
    /// The cached snapshot if it was taken less than [`HEALTH_REFRESH_MS`] before `now`.
    pub fn fresh(&self, now: i64) -> Option<Value> {
        let g = self.0.lock().unwrap_or_else(|e| e.into_inner());
        g.as_ref()
            .filter(|(at, _)| now - at < HEALTH_REFRESH_MS)
            .map(|(_, v)| v.clone())
    }

    /// Records a snapshot taken at `at`.
    pub fn store(&self, at: i64, v: Value) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some((at, v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_is_fresh_for_the_refresh_interval() {
        let c = HealthCache::default();
        assert_eq!(c.fresh(0), None);
        c.store(1000, serde_json::json!({"ok": true}));
        assert!(c.fresh(1000 + HEALTH_REFRESH_MS - 1).is_some());
        assert_eq!(c.fresh(1000 + HEALTH_REFRESH_MS), None);
    }
}
