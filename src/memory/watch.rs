//! The file watcher: `notify` with `notify-debouncer-mini` (debounce `sync.watchDebounceMs`,
//! 1.5 s by default), one per gateway (one inotify instance), on each agent's workspace (not
//! recursive: `MEMORY.md`, `USER.md`, the `memory` folder appearing), `memory/` (recursive)
//! and the extra paths. Changes to Markdown files or folders call back (on the watcher's
//! thread) with their paths; the indexer then syncs the agents those paths belong to, reading
//! only files whose size or time changed.

use notify::RecursiveMode;
use notify_debouncer_mini::{new_debouncer, DebounceEventResult, Debouncer};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The gateway's memory watcher.
pub struct Watch {
    debouncer: Debouncer<notify::RecommendedWatcher>,
    watched: HashSet<PathBuf>,
}

fn relevant(p: &Path) -> bool {
    match p.extension().and_then(|e| e.to_str()) {
        Some(e) => e.eq_ignore_ascii_case("md"),
        None => true,
    }
}

impl Watch {
    /// A watcher calling `on_change` with the changed paths after each debounced batch.
    pub fn new(
        debounce: Duration,
        on_change: impl Fn(Vec<PathBuf>) + Send + 'static,
    ) -> Result<Watch, String> {
        let debouncer = new_debouncer(debounce, move |res: DebounceEventResult| {
            if let Ok(events) = res {
                let paths: Vec<PathBuf> = events
                    .into_iter()
                    .map(|e| e.path)
                    .filter(|p| relevant(p))
                    .collect();
                if !paths.is_empty() {
                    on_change(paths);
                }
            }
        })
        .map_err(|e| format!("cannot start the memory file watcher: {e}"))?;
        Ok(Watch {
            debouncer,
            watched: HashSet::new(),
        })
    }

    /// Watches each path not watched yet (a path that is a symbolic link or missing is
    /// skipped; it is tried again on the next call).
    pub fn ensure(&mut self, paths: &[(PathBuf, bool)]) {
        for (p, recursive) in paths {
            if self.watched.contains(p) {
                continue;
            }
            let Ok(meta) = std::fs::symlink_metadata(p) else {
                continue;
            };
            if meta.file_type().is_symlink() {
                continue;
            }
            let mode = if *recursive && meta.is_dir() {
                RecursiveMode::Recursive
            } else {
                RecursiveMode::NonRecursive
            };
            match self.debouncer.watcher().watch(p, mode) {
                Ok(()) => {
                    self.watched.insert(p.clone());
                }
                Err(e) => {
                    tracing::warn!(path = %p.display(), error = %e, "cannot watch a memory path")
                }
            }
        }
    }
}
