//! The live configuration: one [`ConfigHandle`] shared by everything that reads settings
//! while the gateway runs.
//!
//! Readers take a snapshot (`load()`, an `Arc<Config>`) at the start of a unit of work (a
//! turn, an HTTP request, a cron run) and use it to the end, so a reload never changes or
//! aborts work that already started; the next unit sees the new values. A reload swaps the
//! snapshot ([`ConfigHandle::replace`]) and bumps a version that [`ConfigHandle::subscribe`]rs
//! are told about.

use super::Config;
use std::sync::{Arc, RwLock};
use tokio::sync::watch;

struct Inner {
    current: RwLock<Arc<Config>>,
    version: watch::Sender<u64>,
}

/// A cloneable handle to the current configuration.
#[derive(Clone)]
pub struct ConfigHandle {
    inner: Arc<Inner>,
}

impl ConfigHandle {
    /// A handle whose first snapshot is `config`.
    pub fn new(config: Arc<Config>) -> Self {
        ConfigHandle {
            inner: Arc::new(Inner {
                current: RwLock::new(config),
                version: watch::channel(0).0,
            }),
        }
    }

    /// The current snapshot.
    pub fn load(&self) -> Arc<Config> {
        match self.inner.current.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Swaps in `config` and returns the snapshot it replaced; subscribers are notified.
    pub fn replace(&self, config: Arc<Config>) -> Arc<Config> {
        let old = match self.inner.current.write() {
            Ok(mut c) => std::mem::replace(&mut *c, config),
            Err(poisoned) => std::mem::replace(&mut *poisoned.into_inner(), config),
        };
        self.inner.version.send_modify(|v| *v += 1);
        old
    }

    /// How many reloads were applied so far.
    pub fn version(&self) -> u64 {
        *self.inner.version.borrow()
    }

    /// A receiver told about every applied reload (its value is [`ConfigHandle::version`]).
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.inner.version.subscribe()
    }
}

impl std::fmt::Debug for ConfigHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigHandle")
            .field("version", &self.version())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_taken_before_a_replace_keeps_its_values() {
        let h = ConfigHandle::new(Arc::new(super::super::load_str_for_tests(
            "{ session: { mainKey: 'one' } }",
        )));
        let rx = h.subscribe();
        let before = h.load();
        let old = h.replace(Arc::new(super::super::load_str_for_tests(
            "{ session: { mainKey: 'two' } }",
        )));
        assert_eq!(before.main_key, "one");
        assert_eq!(old.main_key, "one");
        assert_eq!(h.load().main_key, "two");
        assert_eq!(h.version(), 1);
        assert!(rx.has_changed().unwrap());
    }
}
