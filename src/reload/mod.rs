//! Config hot reload: the running gateway re-reads its config file and applies what changed
//! without a restart.
//!
//! Triggers: the file watcher ([`watch`], debounced, on the file the gateway started with),
//! `SIGHUP` (the binary), and [`crate::app::App::reload_config`] (the `config.set` /
//! `config.patch` / `config.apply` WebSocket methods write the file through
//! [`crate::config::edit`] and then reload).
//!
//! A reload parses and validates the whole file with the ordinary loader. An invalid file is
//! logged (with its key and line) and the running configuration stays. A valid one is swapped
//! into the [`ConfigHandle`]: turns, requests and cron runs that already took their snapshot
//! finish with it, the next ones use the new values. Then the parts that keep state are told
//! ([`Reloader::apply`]): the auth secrets (WebSocket clients holding a rotated secret are
//! closed 4001), the cron scheduler, the channel connectors whose own section changed.
//! Settings fixed at start-up (listen address, state dir, …; [`diff::keep_restart_only`])
//! keep their running values and are named in one "restart required" warning. Operators get
//! a `config.changed` event (`{hash, changedPaths}`, never values).

pub mod diff;
pub mod watch;

use crate::actors::channels::Channels;
use crate::actors::scheduler::Scheduler;
use crate::actors::ws_hub::{AuthChanged, BroadcastEvent, WsHub};
use crate::auth::{secret_fingerprint, Auth};
use crate::config::{self, edit, Config, ConfigHandle, Overrides};
use actix::Addr;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the configuration comes from: the file and the command-line overrides applied to it.
#[derive(Clone, Default)]
pub struct Source {
    /// The config file (`None`: the gateway runs on defaults and cannot reload).
    pub path: Option<PathBuf>,
    /// The overrides given at start-up (applied again on every reload).
    pub overrides: Overrides,
}

/// The stateful parts a reload tells about the new configuration.
pub struct Targets {
    /// The HTTP/WebSocket authentication (secrets swapped in place).
    pub auth: Arc<Auth>,
    /// The WebSocket hub (rotated-secret clients, `config.changed`).
    pub hub: Addr<WsHub>,
    /// The channel registry (connectors restarted when their section changed).
    pub channels: Addr<Channels>,
    /// The cron scheduler.
    pub scheduler: Addr<Scheduler>,
    /// Channel delivery for hooks and cron (re-registered with the registry's new names).
    pub outbound: crate::channels::Outbound,
}

/// Why a reload or a config write did not apply.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    /// The gateway was started without a config file.
    #[error("the gateway runs without a config file; nothing to reload")]
    NoFile,
    /// The file could not be read or written.
    #[error("{0}")]
    Io(String),
    /// The new file does not parse or validate (the message names the key and line).
    #[error("{0}")]
    Invalid(String),
    /// `baseHash` does not match the running configuration's.
    #[error("config changed since last load; re-run config.get and retry")]
    Conflict,
}

/// What a reload did.
#[derive(Debug, Clone)]
pub struct Reloaded {
    /// SHA-256 (hex) of the file now running.
    pub hash: String,
    /// Dotted paths whose values changed (e.g. `gateway.auth`, `agents.list`).
    pub changed_paths: Vec<String>,
    /// Changed settings that only apply after a restart.
    pub restart_required: Vec<&'static str>,
    /// Whether a new configuration was swapped in (`false`: the file was unchanged).
    pub applied: bool,
}

/// The running configuration as `config.get` shows it.
#[derive(Debug, Clone)]
pub struct Running {
    /// The config file.
    pub path: Option<PathBuf>,
    /// SHA-256 (hex) of the file text running now (`None` without a file).
    pub hash: Option<String>,
    /// That file, parsed (secrets included: callers redact).
    pub value: Value,
    /// Why the file on disk is not running, when its last reload failed.
    pub issue: Option<String>,
}

struct Applied {
    hash: Option<String>,
    value: Value,
    issue: Option<String>,
}

/// Reloads one gateway's configuration; reloads and writes run one at a time.
pub struct Reloader {
    live: ConfigHandle,
    source: Source,
    targets: Targets,
    applied: tokio::sync::Mutex<Applied>,
}

/// SHA-256 (hex) of a config file's text (the `hash` of `config.get`).
pub fn hash_text(text: &str) -> String {
    use sha2::Digest;
    format!("{:x}", sha2::Sha256::digest(text.as_bytes()))
}

impl Reloader {
    /// A reloader for a gateway started from `source`; the file as it is now is taken as the
    /// running one.
    pub fn new(live: ConfigHandle, source: Source, targets: Targets) -> Arc<Reloader> {
        let text = source
            .path
            .as_deref()
            .and_then(|p| std::fs::read_to_string(p).ok());
        let applied = Applied {
            hash: text.as_deref().map(hash_text),
            value: text
                .as_deref()
                .and_then(|t| json5::from_str(t).ok())
                .unwrap_or_else(|| json!({})),
            issue: None,
        };
        Arc::new(Reloader {
            live,
            source,
            targets,
            applied: tokio::sync::Mutex::new(applied),
        })
    }

    /// The config file this gateway reloads from.
    pub fn path(&self) -> Option<&Path> {
        self.source.path.as_deref()
    }

    /// The running configuration's file, hash and parsed value.
    pub async fn running(&self) -> Running {
        let a = self.applied.lock().await;
        Running {
            path: self.source.path.clone(),
            hash: a.hash.clone(),
            value: a.value.clone(),
            issue: a.issue.clone(),
        }
    }

    /// Re-reads the file and applies it when it changed and is valid.
    pub async fn reload(&self) -> Result<Reloaded, ReloadError> {
        let mut a = self.applied.lock().await;
        self.reload_locked(&mut a, false).await
    }

    /// Re-reads and applies the file even when its text is unchanged (`SIGHUP`; a new
    /// `<state dir>/gateway.token`, which a file without `gateway.auth.token` takes its token
    /// from).
    pub async fn reload_forced(&self) -> Result<Reloaded, ReloadError> {
        let mut a = self.applied.lock().await;
        self.reload_locked(&mut a, true).await
    }

    /// The state dir (where `gateway.token` lives).
    pub fn state_dir(&self) -> PathBuf {
        self.live.load().state_dir.clone()
    }

    /// `config.set` / `config.apply`: replaces the file with `raw` (JSON5, kept as written)
    /// when it is valid and `base_hash` (if given) names the running file, then reloads.
    pub async fn replace(
        &self,
        raw: &str,
        base_hash: Option<&str>,
    ) -> Result<Reloaded, ReloadError> {
        let path = self.source.path.clone().ok_or(ReloadError::NoFile)?;
        let mut a = self.applied.lock().await;
        check_base(&a, base_hash)?;
        edit::write_text(&path, raw, &self.source.overrides).map_err(ReloadError::Invalid)?;
        self.reload_locked(&mut a, false).await
    }

    /// `config.patch`: applies a JSON merge patch (RFC 7386) to the running file's value,
    /// validates the result, writes it and reloads.
    pub async fn patch(
        &self,
        patch: &Value,
        base_hash: Option<&str>,
    ) -> Result<Reloaded, ReloadError> {
        let path = self.source.path.clone().ok_or(ReloadError::NoFile)?;
        let mut a = self.applied.lock().await;
        check_base(&a, base_hash)?;
        let mut value = a.value.clone();
        diff::merge_patch(&mut value, patch);
        edit::write(&path, &value, &self.source.overrides).map_err(ReloadError::Invalid)?;
        self.reload_locked(&mut a, false).await
    }

    async fn reload_locked(&self, a: &mut Applied, force: bool) -> Result<Reloaded, ReloadError> {
        // Without a file the defaults are rebuilt (the token file may have changed).
        let path = self.source.path.as_deref();
        let text = match path {
            Some(p) => std::fs::read_to_string(p)
                .map_err(|e| ReloadError::Io(format!("cannot read {}: {e}", p.display())))?,
            None => String::new(),
        };
        let hash = hash_text(&text);
        if !force && a.hash.as_deref() == Some(hash.as_str()) {
            a.issue = None;
            return Ok(Reloaded {
                hash,
                changed_paths: vec![],
                restart_required: vec![],
                applied: false,
            });
        }
        let mut new = match config::load(path, &self.source.overrides) {
            Ok(c) => c,
            Err(e) => {
                let msg = e.to_string();
                tracing::warn!(error = %msg, "the config file is invalid; keeping the running configuration");
                a.issue = Some(msg.clone());
                return Err(ReloadError::Invalid(msg));
            }
        };
        let old = self.live.load();
        if let Err(e) = crate::startup::ensure_token(&mut new) {
            tracing::warn!(error = %e, "keeping the running configuration");
            return Err(ReloadError::Io(e.to_string()));
        }
        diff::carry_probed(&old, &mut new);
        let restart_required = diff::keep_restart_only(&old, &mut new);
        let value: Value = json5::from_str(&text).unwrap_or_else(|_| json!({}));
        let changed_paths = diff::changed_paths(&a.value, &value);
        let new = Arc::new(new);
        self.live.replace(new.clone());
        a.hash = path.map(|_| hash.clone());
        a.value = value;
        a.issue = None;
        self.apply(&old, &new).await;
        if !restart_required.is_empty() {
            tracing::warn!(
                keys = %restart_required.join(", "),
                "config changes that need a restart (restart required); the running values stay until then"
            );
        }
        tracing::info!(changed = %changed_paths.join(", "), "configuration reloaded");
        self.targets.hub.do_send(BroadcastEvent {
            event: "config.changed",
            payload: json!({"hash": hash, "changedPaths": changed_paths}),
        });
        Ok(Reloaded {
            hash,
            changed_paths,
            restart_required,
            applied: true,
        })
    }

    /// Tells the stateful parts about `new` (the handle already holds it).
    async fn apply(&self, old: &Config, new: &Arc<Config>) {
        let t = &self.targets;
        t.auth.update(&new.auth);
        let fingerprint = secret_fingerprint(&new.auth);
        if fingerprint != secret_fingerprint(&old.auth) {
            let _ = t.hub.send(AuthChanged { fingerprint }).await;
        }
        let _ = t
            .scheduler
            .send(crate::actors::scheduler::Reconfigure(new.clone()))
            .await;
        let ids = t
            .channels
            .send(crate::actors::channels::Reconfigure(new.clone()))
            .await;
        if let Some(ids) = ids.ok().filter(|ids| !ids.is_empty()) {
            t.outbound.register(ids, t.channels.clone().recipient());
        }
    }
}

fn check_base(a: &Applied, base_hash: Option<&str>) -> Result<(), ReloadError> {
    match base_hash {
        Some(b) if a.hash.as_deref() != Some(b) => Err(ReloadError::Conflict),
        _ => Ok(()),
    }
}
