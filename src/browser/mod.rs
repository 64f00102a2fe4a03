//! Browser control: a managed headless Chromium (or an attached one) driven over the Chrome
//! DevTools Protocol, for the `browser` tool, `/v1/browser/*` and the `browser.*` WebSocket
//! methods. See `docs/browser.md`.
//!
//! - [`cdp`]: the CDP client (awc WebSocket, typed envelopes);
//! - [`launch`]: starting Chromium, its process group, the pid file, orphan cleanup;
//! - [`ssrf`]: what pages may reach (every request is checked through `Fetch` interception);
//! - [`snapshot`]: the DOM-derived outline with numbered refs;
//! - [`actions`]: navigate, act, screenshot, PDF in one tab.
//!
//! [`Browser`] is the handle the application layer holds: one
//! [`ProfileActor`](crate::actors::browser::ProfileActor) per profile, on the browser's own
//! arbiter (thread), each owning at most one browser.

pub mod actions;
pub mod cdp;
pub mod launch;
pub mod snapshot;
pub mod ssrf;

use crate::actors::browser::{ProfileActor, Run, Shutdown, StatusOnly};
use crate::config::BrowserConfig;
use actix::{Actor as _, Addr, Arbiter};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What a browser operation fails with.
#[derive(Debug, Clone, thiserror::Error)]
pub enum BrowserError {
    /// `browser.enabled` is off.
    #[error("browser control is disabled (set browser.enabled: true in the config)")]
    Disabled,
    /// Bad arguments.
    #[error("{0}")]
    Invalid(String),
    /// No such tab, profile, element or option.
    #[error("{0}")]
    NotFound(String),
    /// Refused by policy (SSRF, `evaluateEnabled`, scheme).
    #[error("{0}")]
    Forbidden(String),
    /// A ref from before a navigation.
    #[error("{0}")]
    Stale(String),
    /// A wait or the page took too long.
    #[error("{0}")]
    Timeout(String),
    /// The page could not be loaded.
    #[error("{0}")]
    Navigation(String),
    /// No browser could be started or reached.
    #[error("{0}")]
    Unavailable(String),
    /// Anything else.
    #[error("{0}")]
    Failed(String),
}

impl From<cdp::CdpError> for BrowserError {
    fn from(e: cdp::CdpError) -> Self {
        match e {
            cdp::CdpError::Closed | cdp::CdpError::Connect(_) => {
                BrowserError::Unavailable(e.to_string())
            }
            cdp::CdpError::Timeout(m) => BrowserError::Timeout(format!("{m} timed out")),
            cdp::CdpError::Protocol { .. } => BrowserError::Failed(e.to_string()),
        }
    }
}

impl From<BrowserError> for crate::app::AppError {
    fn from(e: BrowserError) -> Self {
        use crate::app::AppError;
        let m = e.to_string();
        match e {
            BrowserError::Disabled | BrowserError::Unavailable(_) => AppError::Unavailable(m),
            BrowserError::Invalid(_) => AppError::Invalid {
                message: m,
                param: None,
            },
            BrowserError::NotFound(_) => AppError::NotFound(m),
            BrowserError::Forbidden(_) => AppError::Forbidden(m),
            BrowserError::Stale(_) => AppError::Conflict {
                message: m,
                details: serde_json::json!({"reason": "stale_ref"}),
            },
            BrowserError::Timeout(_) => AppError::Conflict {
                message: m,
                details: serde_json::json!({"reason": "timeout"}),
            },
            BrowserError::Navigation(_) => AppError::Conflict {
                message: m,
                details: serde_json::json!({"reason": "navigation_failed"}),
            },
            BrowserError::Failed(_) => AppError::Failed(m),
        }
    }
}

/// The answer of an operation: JSON, and for screenshots and PDFs the file.
#[derive(Debug, Clone, Default)]
pub struct Output {
    /// The JSON answer.
    pub json: Value,
    /// A file (bytes, MIME type).
    pub file: Option<(Vec<u8>, &'static str)>,
}

/// How long shutdown waits for each browser to be killed and reaped.
pub const STOP_GRACE: Duration = Duration::from_secs(5);

/// The browser service (cheap to clone).
#[derive(Clone)]
pub struct Browser {
    inner: Arc<Inner>,
}

struct Inner {
    arbiter: Mutex<Option<Arbiter>>,
    profiles: Mutex<HashMap<String, Addr<ProfileActor>>>,
}

impl Default for Browser {
    fn default() -> Self {
        Browser::new()
    }
}

impl Browser {
    /// A service with no browser running (nothing starts before the first call).
    pub fn new() -> Browser {
        Browser {
            inner: Arc::new(Inner {
                arbiter: Mutex::new(None),
                profiles: Mutex::new(HashMap::new()),
            }),
        }
    }

    fn actor(
        &self,
        cfg: &BrowserConfig,
        profile: &str,
    ) -> Result<Addr<ProfileActor>, BrowserError> {
        let p = cfg
            .profiles
            .get(profile)
            .ok_or_else(|| BrowserError::NotFound(format!("unknown browser profile: {profile}")))?
            .clone();
        let mut map = self
            .inner
            .profiles
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(a) = map.get(profile).filter(|a| a.connected()) {
            return Ok(a.clone());
        }
        let mut arb = self.inner.arbiter.lock().unwrap_or_else(|e| e.into_inner());
        let handle = arb.get_or_insert_with(Arbiter::new).handle();
        let addr = ProfileActor::start_in_arbiter(&handle, move |_| ProfileActor::new(p));
        map.insert(profile.to_string(), addr.clone());
        Ok(addr)
    }

    /// Runs `action` with `args` in `profile` (`None`: `default`).
    pub async fn run(
        &self,
        cfg: Arc<BrowserConfig>,
        profile: Option<&str>,
        action: &str,
        args: Value,
    ) -> Result<Output, BrowserError> {
        if !cfg.enabled {
            return Err(BrowserError::Disabled);
        }
        let profile = profile
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .unwrap_or(crate::config::DEFAULT_BROWSER_PROFILE);
        let addr = self.actor(&cfg, profile)?;
        addr.send(Run {
            action: action.to_string(),
            args,
            config: cfg,
        })
        .await
        .map_err(|_| BrowserError::Unavailable("the browser actor is gone".into()))?
    }

    /// Every configured profile's status, without starting anything.
    pub async fn status(&self, cfg: &BrowserConfig) -> Vec<Value> {
        let mut out = Vec::new();
        for (name, p) in &cfg.profiles {
            let addr = self
                .inner
                .profiles
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(name)
                .cloned();
            let live = match addr {
                Some(a) => a.send(StatusOnly).await.ok(),
                None => None,
            };
            out.push(live.unwrap_or_else(|| {
                serde_json::json!({"profile": name, "running": false, "tabs": [],
                    "attach": p.cdp_url.is_some()})
            }));
        }
        out
    }

    /// Stops every browser (killed and reaped) and the browser thread.
    pub async fn stop_all(&self) {
        let addrs: Vec<_> = self
            .inner
            .profiles
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .map(|(_, a)| a)
            .collect();
        for a in addrs {
            let _ = tokio::time::timeout(STOP_GRACE * 2, a.send(Shutdown)).await;
        }
        if let Some(arb) = self
            .inner
            .arbiter
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            arb.stop();
        }
    }

    /// Kills browsers a previous gateway process left behind in `state_dir` (see
    /// [`launch::kill_orphans`]). Only the gateway calls this, once it holds its port: a CLI
    /// in local mode shares the state dir with a running gateway and must not touch its
    /// browser.
    pub fn kill_orphans(state_dir: &Path) -> usize {
        launch::kill_orphans(state_dir)
    }

    /// The configured or discovered Chromium binary.
    pub fn executable(cfg: &BrowserConfig) -> Option<PathBuf> {
        cfg.executable_path.clone().or_else(launch::find_on_path)
    }
}
