//! The `browser` section as written on disk (OpenClaw key names); validated into
//! [`super::BrowserConfig`] by `config::browser`.

use serde::Deserialize;
use std::collections::BTreeMap;

/// `browser`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawBrowser {
    /// Switches browser control on (default off).
    pub enabled: Option<bool>,
    /// The Chromium binary (default: `chromium`, `chromium-browser`, `google-chrome` on `PATH`).
    pub executable_path: Option<String>,
    /// Run headless (default `true`).
    pub headless: Option<bool>,
    /// Named profiles (`default` always exists).
    #[serde(default)]
    pub profiles: BTreeMap<String, RawBrowserProfile>,
    /// Which addresses pages may reach.
    pub ssrf_policy: Option<RawSsrfPolicy>,
    /// Allow the `evaluate` action (arbitrary JavaScript; default off).
    pub evaluate_enabled: Option<bool>,
    /// Stop a profile's browser after this many idle seconds (default 300; 0 = never).
    pub idle_timeout_seconds: Option<u64>,
    /// Largest download kept, in bytes (default 50 MB).
    pub max_download_bytes: Option<u64>,
    /// OpenClaw's default profile name (accepted; clawgate's default profile is `default`).
    pub default_profile: Option<String>,
    /// OpenClaw's UI colour (accepted, ignored).
    pub color: Option<String>,
    /// OpenClaw's sandbox switch (accepted, ignored: clawgate adds `--no-sandbox` only as root).
    pub no_sandbox: Option<bool>,
    /// OpenClaw's attach-only switch (accepted, ignored).
    pub attach_only: Option<bool>,
}

/// `browser.profiles.<name>`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawBrowserProfile {
    /// Attach to this running browser (`http://host:port` or `ws://…/devtools/browser/…`)
    /// instead of launching one.
    pub cdp_url: Option<String>,
    /// The user-data dir of a launched browser (default `<state>/browser/<name>/user-data`).
    pub user_data_dir: Option<String>,
    /// OpenClaw's CDP port (accepted, ignored: clawgate picks a free port).
    pub cdp_port: Option<u16>,
    /// OpenClaw's profile colour (accepted, ignored).
    pub color: Option<String>,
}

/// `browser.ssrfPolicy`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawSsrfPolicy {
    /// Let pages reach private, loopback and link-local addresses (default off).
    #[serde(alias = "dangerouslyAllowPrivateNetwork")]
    pub allow_private_network: Option<bool>,
    /// Hosts (exact, `*.suffix`, or IP literals) pages may reach even when they resolve to a
    /// private address.
    #[serde(default, alias = "allowedHostnames")]
    pub allowed_hosts: Vec<String>,
    /// When non-empty, the only hosts pages may reach.
    #[serde(default)]
    pub hostname_allowlist: Vec<String>,
}
