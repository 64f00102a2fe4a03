//! Reload triggers: a poll of the config file and `<state dir>/gateway.token`
//! ([`watch_file`]) and `SIGHUP` ([`on_sighup`], the binary only: signals are process-wide).
//!
//! The files are checked by their metadata (modification time, length, inode) every
//! [`POLL`], not with a file-system watcher: both usually live in the state directory, where
//! the store writes on every turn, and a watcher on that folder would wake on each write. A
//! change must hold still for [`DEBOUNCE`] before it is applied (editors and
//! [`crate::config::edit`] replace a file by renaming a new one over it, which the inode
//! catches). The token file is where a file without `gateway.auth.token` takes its token from
//! (`clawgate auth generate-token` writes it).

use super::Reloader;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime};

/// Where a token-mode gateway without a configured token keeps its token.
const TOKEN_FILE: &str = "gateway.token";

/// How often the two files are checked.
pub const POLL: Duration = Duration::from_millis(500);

/// How long a change must hold still before a reload (OpenClaw's `gateway.reload.debounceMs`).
pub const DEBOUNCE: Duration = Duration::from_millis(300);

/// What identifies a file's content without reading it.
type Stamp = Option<(SystemTime, u64, u64)>;

fn stamp(path: Option<&Path>) -> Stamp {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path?).ok()?;
    Some((m.modified().ok()?, m.len(), m.ino()))
}

/// Starts checking the reloader's config file and token file on the current runtime; the
/// check stops when the reloader is dropped. Returns whether there is a file to check.
pub fn watch_file(reloader: &Arc<Reloader>) -> bool {
    let config: Option<PathBuf> = reloader.path().map(Path::to_path_buf);
    let token = reloader.state_dir().join(TOKEN_FILE);
    if config.is_none() && !reloader.state_dir().is_dir() {
        return false;
    }
    let weak: Weak<Reloader> = Arc::downgrade(reloader);
    actix_web::rt::spawn(async move {
        let read = || (stamp(config.as_deref()), stamp(Some(&token)));
        let mut last = read();
        let mut tick = tokio::time::interval(POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if weak.strong_count() == 0 {
                break;
            }
            let now = read();
            if now == last {
                continue;
            }
            // Let the writer finish; a file still changing is looked at again next tick.
            tokio::time::sleep(DEBOUNCE).await;
            if read() != now {
                continue;
            }
            let Some(r) = weak.upgrade() else { break };
            let token_changed = now.1 != last.1;
            last = now;
            // An invalid file is logged by the reloader; nothing else to do here.
            let _ = if token_changed {
                r.reload_forced().await
            } else {
                r.reload().await
            };
        }
    });
    true
}

/// Reloads on every `SIGHUP` until the reloader is dropped (Unix; elsewhere it returns).
pub async fn on_sighup(reloader: Weak<Reloader>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut hup) = signal(SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP");
            return;
        };
        while hup.recv().await.is_some() {
            let Some(r) = reloader.upgrade() else { return };
            tracing::info!("SIGHUP: reloading the configuration");
            let _ = r.reload_forced().await;
        }
    }
    #[cfg(not(unix))]
    drop(reloader);
}
