//! Reload triggers: a debounced watcher on the config file ([`watch_file`]) and `SIGHUP`
//! ([`on_sighup`], the binary only: signals are process-wide).
//!
//! The watcher watches the file's folder, not the file: editors and
//! [`crate::config::edit`] replace a file by renaming a new one over it, which a watch on the
//! old inode would miss. It also watches `<state dir>/gateway.token` (where a file without
//! `gateway.auth.token` takes its token from; `clawgate auth generate-token` writes it).
//! Events for other files are ignored.

use super::Reloader;
use notify::RecursiveMode;
use notify_debouncer_mini::{new_debouncer, DebounceEventResult};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// Where a token-mode gateway without a configured token keeps its token.
const TOKEN_FILE: &str = "gateway.token";

/// How long the file must be quiet before a reload (OpenClaw's `gateway.reload.debounceMs`).
pub const DEBOUNCE: Duration = Duration::from_millis(300);

/// Starts watching the reloader's config file on the current runtime; the watcher stops when
/// the reloader is dropped. Returns whether a watch was set up.
pub fn watch_file(reloader: &Arc<Reloader>) -> bool {
    let config = reloader.path().map(|p| {
        let dir = p.parent().filter(|d| !d.as_os_str().is_empty());
        (
            dir.map_or_else(|| PathBuf::from("."), Path::to_path_buf),
            p.file_name().map(OsString::from).unwrap_or_default(),
        )
    });
    let name = config.as_ref().map(|(_, n)| n.clone());
    let token_name = OsString::from(TOKEN_FILE);
    // `true`: the token file changed (the config file's text may not have).
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<bool>();
    let debouncer = new_debouncer(DEBOUNCE, move |res: DebounceEventResult| {
        if let Ok(events) = res {
            let named = |n: &OsString| events.iter().any(|e| e.path.file_name() == Some(n));
            if named(&token_name) {
                let _ = tx.send(true);
            } else if name.as_ref().is_some_and(named) {
                let _ = tx.send(false);
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
    let state_dir = reloader.state_dir();
    let mut dirs: Vec<PathBuf> = config.into_iter().map(|(d, _)| d).collect();
    if !dirs.contains(&state_dir) && state_dir.is_dir() {
        dirs.push(state_dir);
    }
    let mut watching = false;
    for dir in &dirs {
        match debouncer.watcher().watch(dir, RecursiveMode::NonRecursive) {
            Ok(()) => watching = true,
            Err(e) => {
                tracing::warn!(path = %dir.display(), error = %e, "cannot watch the config folder; reload with SIGHUP")
            }
        }
    }
    if !watching {
        return false;
    }
    let weak: Weak<Reloader> = Arc::downgrade(reloader);
    actix_web::rt::spawn(async move {
        let _keep = debouncer;
        while let Some(token_file) = rx.recv().await {
            let Some(r) = weak.upgrade() else { break };
            // An invalid file is logged by the reloader; nothing else to do here.
            let _ = if token_file {
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
