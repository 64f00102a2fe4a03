//! Validated `browser` ([`BrowserConfig`]): whether browser control is on, which Chromium,
//! the profiles, and the SSRF policy pages run under. Off unless configured.

use super::raw_browser::RawBrowser;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Default idle time after which a profile's browser is stopped.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(300);
/// Default cap on one download.
pub const DEFAULT_MAX_DOWNLOAD_BYTES: u64 = 50 * 1024 * 1024;
/// The profile used when a call names none.
pub const DEFAULT_PROFILE: &str = "default";

/// `browser.profiles.<name>`, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserProfile {
    /// Profile name.
    pub name: String,
    /// Attach to this browser instead of launching one.
    pub cdp_url: Option<String>,
    /// User-data dir of a launched browser.
    pub user_data_dir: PathBuf,
    /// Per-profile folder of the profile's state (pid file, downloads).
    pub dir: PathBuf,
}

/// `browser.ssrfPolicy`, validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BrowserSsrfPolicy {
    /// Private, loopback and link-local addresses are reachable (dangerous; default off).
    pub allow_private_network: bool,
    /// Hosts reachable even on a private address (exact, `*.suffix`, IP literal).
    pub allowed_hosts: Vec<String>,
    /// When non-empty, the only hosts reachable.
    pub hostname_allowlist: Vec<String>,
}

/// `browser`, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserConfig {
    /// Browser control is on.
    pub enabled: bool,
    /// Configured Chromium binary (`None`: looked up on `PATH` at launch).
    pub executable_path: Option<PathBuf>,
    /// Headless (default true).
    pub headless: bool,
    /// Profiles by name; `default` always present.
    pub profiles: BTreeMap<String, BrowserProfile>,
    /// What pages may reach.
    pub ssrf: BrowserSsrfPolicy,
    /// `evaluate` allowed.
    pub evaluate_enabled: bool,
    /// Idle time before a browser is stopped (`None`: never).
    pub idle_timeout: Option<Duration>,
    /// Largest download kept.
    pub max_download_bytes: u64,
}

impl BrowserConfig {
    /// The settings of an unconfigured gateway (off) with profiles under `state_dir`.
    pub fn disabled(state_dir: &Path) -> Self {
        build(None, state_dir).unwrap_or_else(|_| unreachable!("defaults are valid"))
    }

    /// The profile `name` (`None`: `default`).
    pub fn profile(&self, name: Option<&str>) -> Option<&BrowserProfile> {
        self.profiles.get(name.unwrap_or(DEFAULT_PROFILE))
    }
}

fn profile_dir(state_dir: &Path, name: &str) -> PathBuf {
    state_dir.join("browser").join(name)
}

/// Builds the browser settings; `Err((key, message))` for a setting that cannot work.
pub(super) fn build(
    raw: Option<&RawBrowser>,
    state_dir: &Path,
) -> Result<BrowserConfig, (String, String)> {
    let none = RawBrowser::default();
    let r = raw.unwrap_or(&none);
    let mut profiles = BTreeMap::new();
    let mut add = |name: &str, cdp: Option<&String>, udd: Option<&String>| {
        let dir = profile_dir(state_dir, name);
        profiles.insert(
            name.to_string(),
            BrowserProfile {
                name: name.to_string(),
                cdp_url: cdp.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
                user_data_dir: udd
                    .map(|s| s.trim())
                    .filter(|s| !s.is_empty())
                    .map(PathBuf::from)
                    .unwrap_or_else(|| dir.join("user-data")),
                dir,
            },
        );
    };
    add(DEFAULT_PROFILE, None, None);
    for (name, p) in &r.profiles {
        let valid = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err((
                format!("browser.profiles.{name}"),
                "profile names are 1-64 letters, digits, '-' or '_'".into(),
            ));
        }
        if let Some(u) = &p.cdp_url {
            let u = u.trim();
            if !["http://", "https://", "ws://", "wss://"]
                .iter()
                .any(|s| u.starts_with(s))
            {
                return Err((
                    format!("browser.profiles.{name}.cdpUrl"),
                    "must be an http(s):// or ws(s):// URL".into(),
                ));
            }
        }
        add(name, p.cdp_url.as_ref(), p.user_data_dir.as_ref());
    }
    let ssrf = r
        .ssrf_policy
        .as_ref()
        .map(|s| BrowserSsrfPolicy {
            allow_private_network: s.allow_private_network.unwrap_or(false),
            allowed_hosts: clean(&s.allowed_hosts),
            hostname_allowlist: clean(&s.hostname_allowlist),
        })
        .unwrap_or_default();
    Ok(BrowserConfig {
        enabled: r.enabled.unwrap_or(false),
        executable_path: r
            .executable_path
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(PathBuf::from),
        headless: r.headless.unwrap_or(true),
        profiles,
        ssrf,
        evaluate_enabled: r.evaluate_enabled.unwrap_or(false),
        idle_timeout: match r.idle_timeout_seconds {
            Some(0) => None,
            Some(s) => Some(Duration::from_secs(s)),
            None => Some(DEFAULT_IDLE_TIMEOUT),
        },
        max_download_bytes: r.max_download_bytes.unwrap_or(DEFAULT_MAX_DOWNLOAD_BYTES),
    })
}

fn clean(list: &[String]) -> Vec<String> {
    list.iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_off_with_a_default_profile() {
        let c = BrowserConfig::disabled(Path::new("/s"));
        assert!(!c.enabled && c.headless && !c.evaluate_enabled);
        assert_eq!(c.idle_timeout, Some(DEFAULT_IDLE_TIMEOUT));
        let p = c.profile(None).unwrap();
        assert_eq!(p.user_data_dir, Path::new("/s/browser/default/user-data"));
        assert!(!c.ssrf.allow_private_network);
    }

    #[test]
    fn profiles_and_policy_parse() {
        let raw: RawBrowser = json5::from_str(
            r#"{enabled: true, idleTimeoutSeconds: 0, profiles: {work: {cdpUrl: "http://127.0.0.1:9222"}},
                ssrfPolicy: {allowedHostnames: ["127.0.0.1"]}}"#,
        )
        .unwrap();
        let c = build(Some(&raw), Path::new("/s")).unwrap();
        assert!(c.enabled);
        assert_eq!(c.idle_timeout, None);
        assert_eq!(
            c.profile(Some("work")).unwrap().cdp_url.as_deref(),
            Some("http://127.0.0.1:9222")
        );
        assert_eq!(c.ssrf.allowed_hosts, ["127.0.0.1"]);
        let bad: RawBrowser = json5::from_str(r#"{profiles: {"a b": {}}}"#).unwrap();
        assert!(build(Some(&bad), Path::new("/s")).is_err());
    }
}
