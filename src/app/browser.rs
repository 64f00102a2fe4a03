//! Browser control for every edge (`/v1/browser/*`, `browser.*` over WebSocket, the
//! `browser` tool): the status of the profiles and one action at a time, with the current
//! `browser` settings. See [`crate::browser`].

use super::{App, AppError};
use crate::browser::{Browser, Output};
use serde_json::{json, Value};

impl App {
    /// The browser service.
    pub fn browser(&self) -> &Browser {
        &self.browser
    }

    /// `GET /v1/browser/status`: whether browser control is on, the binary, and each
    /// profile (running, pid, version, tabs). Starts nothing.
    pub async fn browser_status(&self) -> Value {
        let cfg = self.config();
        let b = &cfg.browser;
        let profiles = self.browser.status(b).await;
        let running = profiles.iter().any(|p| p["running"] == true);
        let version = profiles
            .iter()
            .find_map(|p| p["version"].as_str().map(str::to_string));
        json!({
            "enabled": b.enabled,
            "running": running,
            "headless": b.headless,
            "executablePath": Browser::executable(b).map(|p| p.display().to_string()),
            "evaluateEnabled": b.evaluate_enabled,
            "version": version,
            "profiles": profiles,
        })
    }

    /// Runs browser `action` with `args` in `profile` (`None`: `default`); a disabled browser
    /// is `Unavailable` (503), not a missing route.
    pub async fn browser_run(
        &self,
        profile: Option<&str>,
        action: &str,
        args: Value,
    ) -> Result<Output, AppError> {
        let cfg = std::sync::Arc::new(self.config().browser.clone());
        Ok(self.browser.run(cfg, profile, action, args).await?)
    }
}
