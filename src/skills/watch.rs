//! Watching skill folders: one process-wide `notify` watcher (through
//! `notify-debouncer-mini`, [`DEBOUNCE`]) shared by every [`SkillCatalog`] of the process, so
//! gateways embedded side by side (tests) use one inotify instance, not one each.
//!
//! A folder that exists is watched recursively; one that does not yet exist is covered by a
//! non-recursive watch on its nearest existing ancestor, and the watches are re-armed after
//! every batch of events, so creating `<workspace>/skills` later is seen too. Each catalog
//! whose folders a batch touched rebuilds its snapshots on the watcher's thread.
//!
//! Never the state directory itself: the store writes there on every turn, and a watch on it
//! woke this thread for each write (measured: +300–450 µs added latency per turn). A missing
//! `<state dir>/skills` (or a missing workspace inside the state dir) is therefore picked up at
//! the next restart, or by the next change in a watched folder.

use super::catalog::SkillCatalog;
use notify_debouncer_mini::notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_mini::{new_debouncer, DebounceEventResult, Debouncer};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

/// How long the watcher waits for a burst of file events to settle (OpenClaw: 250 ms).
pub const DEBOUNCE: Duration = Duration::from_millis(250);

#[derive(Default)]
struct Hub {
    debouncer: Option<Debouncer<RecommendedWatcher>>,
    watched: BTreeMap<PathBuf, bool>,
    catalogs: Vec<Weak<SkillCatalog>>,
}

static HUB: OnceLock<Mutex<Hub>> = OnceLock::new();

fn hub() -> &'static Mutex<Hub> {
    HUB.get_or_init(Mutex::default)
}

/// Starts watching `catalog`'s folders (for as long as it lives).
pub fn register(catalog: &Arc<SkillCatalog>) {
    let mut h = hub().lock().unwrap_or_else(|e| e.into_inner());
    if h.debouncer.is_none() {
        match new_debouncer(DEBOUNCE, on_events) {
            Ok(d) => h.debouncer = Some(d),
            Err(e) => {
                tracing::warn!(error = %e, "cannot watch skill folders; SKILL.md changes need a restart");
                return;
            }
        }
    }
    h.catalogs.push(Arc::downgrade(catalog));
    rearm(&mut h);
}

fn on_events(res: DebounceEventResult) {
    let paths: Vec<PathBuf> = match res {
        Ok(events) => events.into_iter().map(|e| e.path).collect(),
        Err(e) => {
            tracing::warn!(error = %e, "skill folder watcher error");
            return;
        }
    };
    // Events in a watched parent that concern no skill folder (the state dir's SQLite files,
    // say) are dropped here, before any work.
    let touched: Vec<Arc<SkillCatalog>> = {
        let mut h = hub().lock().unwrap_or_else(|e| e.into_inner());
        h.catalogs.retain(|c| c.strong_count() > 0);
        let touched: Vec<Arc<SkillCatalog>> = h
            .catalogs
            .iter()
            .filter_map(Weak::upgrade)
            .filter(|c| c.roots_all().iter().any(|r| touches(r, &paths)))
            .collect();
        if !touched.is_empty() {
            rearm(&mut h);
        }
        touched
    };
    // Rebuilt after re-arming: a file written before the new watch existed is still seen.
    for c in touched {
        c.refresh();
    }
}

/// Whether an event on one of `paths` concerns skill folder `root`: inside it, or on one of
/// its ancestors (the folder itself appearing or going away).
fn touches(root: &Path, paths: &[PathBuf]) -> bool {
    paths
        .iter()
        .any(|p| p.starts_with(root) || root.starts_with(p))
}

/// What to watch for `root`: itself recursively, or its nearest existing ancestor.
fn target(root: &Path) -> Option<(PathBuf, bool)> {
    if root.is_dir() {
        return Some((root.to_path_buf(), true));
    }
    root.ancestors()
        .skip(1)
        .find(|a| a.is_dir())
        .map(|a| (a.to_path_buf(), false))
}

fn rearm(h: &mut Hub) {
    let mut want: BTreeMap<PathBuf, bool> = BTreeMap::new();
    for c in h.catalogs.iter().filter_map(Weak::upgrade) {
        for root in c.roots_all() {
            if let Some((p, recursive)) = target(&root) {
                if !recursive && p == c.state_dir() {
                    continue;
                }
                let e = want.entry(p).or_insert(false);
                *e |= recursive;
            }
        }
    }
    let Some(d) = h.debouncer.as_mut() else {
        return;
    };
    let w = d.watcher();
    for (p, rec) in &h.watched {
        if want.get(p) != Some(rec) {
            let _ = w.unwatch(p);
        }
    }
    let mut now = BTreeMap::new();
    for (p, rec) in want {
        let same = h.watched.get(&p) == Some(&rec);
        let mode = if rec {
            RecursiveMode::Recursive
        } else {
            RecursiveMode::NonRecursive
        };
        if same || w.watch(&p, mode).is_ok() {
            now.insert(p, rec);
        }
    }
    h.watched = now;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_folder_is_covered_by_its_nearest_ancestor() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("ws/skills");
        assert_eq!(target(&root), Some((t.path().to_path_buf(), false)));
        std::fs::create_dir_all(&root).unwrap();
        assert_eq!(target(&root), Some((root.clone(), true)));
        assert!(touches(&root, &[t.path().join("ws")]));
        assert!(touches(&root, &[root.join("a/SKILL.md")]));
        assert!(!touches(&root, &[t.path().join("other.txt")]));
    }
}
