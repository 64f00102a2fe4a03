//! The configuration as the edges change it: the running file (`config.get`), a reload
//! (`SIGHUP`, the file watcher, `App::reload_config`) and validated writes (`config.set`,
//! `config.apply`, `config.patch`), all through the gateway's [`Reloader`].

use super::App;
use crate::reload::{ReloadError, Reloaded, Reloader, Running};
use serde_json::Value;
use std::sync::Arc;

impl App {
    /// Binds the gateway's reloader (once, at start-up).
    pub fn bind_reloader(&self, reloader: Arc<Reloader>) {
        let _ = self.reloader.set(reloader);
    }

    /// A weak reference to the reloader (for triggers that must not keep it alive).
    pub fn reloader_weak(&self) -> Option<std::sync::Weak<Reloader>> {
        self.reloader.get().map(Arc::downgrade)
    }

    fn reloader(&self) -> Result<&Arc<Reloader>, ReloadError> {
        self.reloader.get().ok_or(ReloadError::NoFile)
    }

    /// The running config file: path, hash, parsed value (unredacted: edges redact), and why
    /// the file on disk is not running when its last reload failed.
    pub async fn running_config(&self) -> Option<Running> {
        Some(self.reloader.get()?.running().await)
    }

    /// Re-reads the config file and applies it when it changed and is valid; an invalid file
    /// leaves the running configuration as it is.
    pub async fn reload_config(&self) -> Result<Reloaded, ReloadError> {
        let r = self.reloader()?.reload().await;
        self.audit_config("reload", &r).await;
        r
    }

    /// Writes an applied configuration change to the audit log.
    async fn audit_config(&self, how: &str, r: &Result<Reloaded, ReloadError>) {
        if let Some(done) = r.as_ref().ok().filter(|d| d.applied) {
            let detail = serde_json::json!({"how": how, "changedPaths": done.changed_paths, "hash": done.hash});
            self.audit("owner", "config.changed", "config", detail)
                .await;
        }
    }

    /// Replaces the config file with `raw` (validated first) and applies it.
    pub async fn replace_config(
        &self,
        raw: &str,
        base_hash: Option<&str>,
    ) -> Result<Reloaded, ReloadError> {
        let r = self.reloader()?.replace(raw, base_hash).await;
        self.audit_config("set", &r).await;
        r
    }

    /// Merges `patch` (JSON merge patch) into the config file (validated first) and applies it.
    pub async fn patch_config(
        &self,
        patch: &Value,
        base_hash: Option<&str>,
    ) -> Result<Reloaded, ReloadError> {
        let r = self.reloader()?.patch(patch, base_hash).await;
        self.audit_config("patch", &r).await;
        r
    }
}
