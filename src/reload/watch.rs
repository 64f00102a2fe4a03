//! Reload triggers: a debounced watcher on the config file ([`watch_file`]) and `SIGHUP`
//! ([`on_sighup`], the binary only: signals are process-wide).
//!
//! The watcher watches the file's folder, not the file: editors and
//! [`crate::config::edit`] replace a file by renaming a new one over it, which a watch on the
//! old inode would miss. Events for other files in the folder are ignored.

use super::Reloader;
use notify::RecursiveMode;
use notify_debouncer_mini::{new_debouncer, DebounceEventResult};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// How long the file must be quiet before a reload (OpenClaw's `gateway.reload.debounceMs`).
pub const DEBOUNCE: Duration = Duration::from_millis(300);

/// Starts watching the reloader's config file on the current runtime; the watcher stops when
/// the reloader is dropped. Returns whether a watch was set up.
pub fn watch_file(reloader: &Arc<Reloader>) -> bool {
    let Some(path) = reloader.path().map(|p| p.to_path_buf()) else {
        return false;
    };
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return false;
    };
    let dir = if dir.as_os_str().is_empty() {
        std::path::PathBuf::from(".")
    } else {
        dir.to_path_buf()
    };
    let name = name.to_os_string();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let debouncer = new_debouncer(DEBOUNCE, move |res: DebounceEventResult| {
        if let Ok(events) = res {
            if events.iter().any(|e| e.path.file_name() == Some(&name)) {
                let _ = tx.send(());
            }
        }
    });
    let mut debouncer = match debouncer {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, "cannot watch the config file; reload with SIGHUP");
            return false;
        }
    };
    if let Err(e) = debouncer.watcher().watch(&dir, RecursiveMode::NonRecursive) {
        tracing::warn!(path = %dir.display(), error = %e, "cannot watch the config file's folder; reload with SIGHUP");
        return false;
    }
    let weak: Weak<Reloader> = Arc::downgrade(reloader);
    actix_web::rt::spawn(async move {
        let _keep = debouncer;
        while rx.recv().await.is_some() {
            let Some(r) = weak.upgrade() else { break };
            // An invalid file is logged by the reloader; nothing else to do here.
            let _ = r.reload().await;
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
            let _ = r.reload().await;
        }
    }
    #[cfg(not(unix))]
    drop(reloader);
}
