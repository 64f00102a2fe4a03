//! Validated `hooks.*` and `cron.*`: [`HooksConfig`] (with the mapping list, explicit
//! mappings first, then presets) and [`CronConfig`].
//!
//! OpenClaw mappings may name a JS/TS `transform` module; a Rust gateway cannot run one, so a
//! mapping that sets `transform` is refused at load with a message saying what to use instead.

use super::raw_automation::{RawCron, RawHookMapping, RawHooks};
use super::Secret;
use std::time::Duration;

/// Default `hooks.path`.
pub const DEFAULT_HOOKS_PATH: &str = "/hooks";
/// Default `hooks.maxBodyBytes` (256 KiB).
pub const DEFAULT_HOOKS_MAX_BODY: usize = 256 * 1024;
/// Default `cron.runLog.keepLines`.
pub const DEFAULT_RUN_LOG_KEEP: usize = 2000;

/// When a woken main session runs its heartbeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WakeMode {
    /// Run a heartbeat turn right away.
    #[default]
    Now,
    /// Leave the event queued for the next heartbeat.
    NextHeartbeat,
}

impl WakeMode {
    /// Parses `now` / `next-heartbeat`.
    pub fn parse(s: &str) -> Option<WakeMode> {
        match s {
            "now" => Some(WakeMode::Now),
            "next-heartbeat" => Some(WakeMode::NextHeartbeat),
            _ => None,
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            WakeMode::Now => "now",
            WakeMode::NextHeartbeat => "next-heartbeat",
        }
    }
}

/// What a mapping does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookActionKind {
    /// Run an isolated agent turn.
    Agent,
    /// Queue a system event on the main session.
    Wake,
}

/// One `hooks.mappings[]` entry (or preset), validated.
#[derive(Debug, Clone)]
pub struct HookMapping {
    /// Identifier.
    pub id: Option<String>,
    /// Sub-path it matches.
    pub match_path: Option<String>,
    /// `payload.source` it matches.
    pub match_source: Option<String>,
    /// Action.
    pub action: HookActionKind,
    /// Wake mode.
    pub wake_mode: WakeMode,
    /// Name for summaries.
    pub name: Option<String>,
    /// Agent id.
    pub agent_id: Option<String>,
    /// Session key template.
    pub session_key: Option<String>,
    /// Message template.
    pub message_template: Option<String>,
    /// Text template.
    pub text_template: Option<String>,
    /// Deliver the reply.
    pub deliver: Option<bool>,
    /// Skip the untrusted-content wrapper.
    pub allow_unsafe_external_content: bool,
    /// Delivery channel.
    pub channel: Option<String>,
    /// Delivery target.
    pub to: Option<String>,
    /// Model override.
    pub model: Option<String>,
    /// Thinking level.
    pub thinking: Option<String>,
    /// Timeout.
    pub timeout_seconds: Option<f64>,
}

/// `hooks.*`, validated.
#[derive(Debug, Clone)]
pub struct HooksConfig {
    /// Whether `<path>/*` is served.
    pub enabled: bool,
    /// The hook token (set whenever `enabled`).
    pub token: Option<Secret>,
    /// Base path, leading slash, no trailing slash, never `/`.
    pub path: String,
    /// Body limit.
    pub max_body_bytes: usize,
    /// Session key used when a request names none.
    pub default_session_key: Option<String>,
    /// Accept `sessionKey` from request bodies.
    pub allow_request_session_key: bool,
    /// Lower-cased allowed prefixes; `None` = any.
    pub allowed_session_key_prefixes: Option<Vec<String>>,
    /// Allowed explicit agent ids; `None` = any.
    pub allowed_agent_ids: Option<Vec<String>>,
    /// Mappings (explicit ones first, then presets).
    pub mappings: Vec<HookMapping>,
}

impl Default for HooksConfig {
    fn default() -> Self {
        HooksConfig {
            enabled: false,
            token: None,
            path: DEFAULT_HOOKS_PATH.into(),
            max_body_bytes: DEFAULT_HOOKS_MAX_BODY,
            default_session_key: None,
            allow_request_session_key: false,
            allowed_session_key_prefixes: None,
            allowed_agent_ids: None,
            mappings: vec![],
        }
    }
}

/// `cron.*`, validated.
#[derive(Debug, Clone)]
pub struct CronConfig {
    /// Timers armed and due jobs run (`cron.enabled`, and `OPENCLAW_SKIP_CRON` unset).
    pub enabled: bool,
    /// Jobs running at once.
    pub max_concurrent_runs: usize,
    /// Legacy webhook URL for jobs with `notify: true`.
    pub webhook: Option<String>,
    /// Bearer token for webhook deliveries.
    pub webhook_token: Option<Secret>,
    /// Allow webhook deliveries to private and loopback addresses (clawgate extension).
    pub webhook_allow_private_network: bool,
    /// Run log entries kept per job.
    pub run_log_keep: usize,
    /// Attempts for one-shot jobs failing transiently.
    pub retry_max_attempts: u32,
    /// Delays between those attempts.
    pub retry_backoff: Vec<Duration>,
}

impl Default for CronConfig {
    fn default() -> Self {
        CronConfig {
            enabled: true,
            max_concurrent_runs: 1,
            webhook: None,
            webhook_token: None,
            webhook_allow_private_network: false,
            run_log_keep: DEFAULT_RUN_LOG_KEEP,
            retry_max_attempts: 3,
            retry_backoff: [30_000, 60_000, 300_000]
                .into_iter()
                .map(Duration::from_millis)
                .collect(),
        }
    }
}

/// A validation failure: the key and what is wrong.
pub(super) type Invalid = (String, String);

fn bad(key: impl Into<String>, msg: impl Into<String>) -> Invalid {
    (key.into(), msg.into())
}

/// The built-in `gmail` preset.
pub fn gmail_preset() -> HookMapping {
    HookMapping {
        id: Some("gmail".into()),
        match_path: Some("gmail".into()),
        match_source: None,
        action: HookActionKind::Agent,
        wake_mode: WakeMode::Now,
        name: Some("Gmail".into()),
        agent_id: None,
        session_key: Some("hook:gmail:{{messages[0].id}}".into()),
        message_template: Some(
            "New email from {{messages[0].from}}\nSubject: {{messages[0].subject}}\n{{messages[0].snippet}}\n{{messages[0].body}}"
                .into(),
        ),
        text_template: None,
        deliver: None,
        allow_unsafe_external_content: false,
        channel: None,
        to: None,
        model: None,
        thinking: None,
        timeout_seconds: None,
    }
}

fn mapping(i: usize, m: &RawHookMapping) -> Result<HookMapping, Invalid> {
    let key = |k: &str| format!("hooks.mappings[{i}].{k}");
    if m.transform.is_some() {
        return Err(bad(
            key("transform"),
            "JS/TS transform modules cannot run in clawgate; express the mapping with \
             match, messageTemplate/textTemplate and sessionKey templates instead",
        ));
    }
    let action = match m.action.as_deref().unwrap_or("agent") {
        "agent" => HookActionKind::Agent,
        "wake" => HookActionKind::Wake,
        other => {
            return Err(bad(
                key("action"),
                format!("must be \"agent\" or \"wake\", not `{other}`"),
            ))
        }
    };
    let wake_mode = match m.wake_mode.as_deref() {
        None => WakeMode::Now,
        Some(s) => WakeMode::parse(s)
            .ok_or_else(|| bad(key("wakeMode"), "must be \"now\" or \"next-heartbeat\""))?,
    };
    let trim = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let (match_path, match_source) = match &m.match_ {
        Some(mm) => (
            trim(&mm.path).map(|p| p.trim_matches('/').to_string()),
            trim(&mm.source),
        ),
        None => (None, None),
    };
    Ok(HookMapping {
        id: trim(&m.id),
        match_path,
        match_source,
        action,
        wake_mode,
        name: trim(&m.name),
        agent_id: trim(&m.agent_id),
        session_key: trim(&m.session_key),
        message_template: m.message_template.clone(),
        text_template: m.text_template.clone(),
        deliver: m.deliver,
        allow_unsafe_external_content: m.allow_unsafe_external_content.unwrap_or(false),
        channel: trim(&m.channel),
        to: trim(&m.to),
        model: trim(&m.model),
        thinking: trim(&m.thinking),
        timeout_seconds: m.timeout_seconds,
    })
}

/// Validates `hooks.*`; `gateway_token` is the resolved gateway token (must differ).
pub(super) fn hooks(
    raw: Option<&RawHooks>,
    gateway_token: Option<&Secret>,
) -> Result<HooksConfig, Invalid> {
    let Some(raw) = raw else {
        return Ok(HooksConfig::default());
    };
    let enabled = raw.enabled.unwrap_or(false);
    let token = raw
        .token
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(Secret::new);
    if enabled && token.is_none() {
        return Err(bad("hooks.token", "hooks.enabled requires hooks.token"));
    }
    if let (Some(t), Some(g)) = (&token, gateway_token) {
        if crate::auth::secret_eq(t.expose(), g.expose()) {
            return Err(bad(
                "hooks.token",
                "hooks.token must not match gateway auth token; use a dedicated hook secret",
            ));
        }
    }
    let path = match raw.path.as_deref().map(str::trim) {
        None | Some("") => DEFAULT_HOOKS_PATH.to_string(),
        Some(p) => {
            let p = format!("/{}", p.trim_matches('/'));
            if p == "/" {
                return Err(bad("hooks.path", "hooks.path may not be \"/\""));
            }
            p
        }
    };
    let prefixes = raw.allowed_session_key_prefixes.as_ref().map(|v| {
        v.iter()
            .map(|p| p.trim().to_ascii_lowercase())
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
    });
    let default_session_key = raw
        .default_session_key
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if let Some(prefixes) = &prefixes {
        let allowed = |k: &str| {
            let k = k.to_ascii_lowercase();
            prefixes.iter().any(|p| k.starts_with(p.as_str()))
        };
        match &default_session_key {
            Some(k) if !allowed(k) => {
                return Err(bad(
                    "hooks.defaultSessionKey",
                    format!("must start with one of: {}", prefixes.join(", ")),
                ))
            }
            None if !allowed("hook:") => {
                return Err(bad(
                    "hooks.allowedSessionKeyPrefixes",
                    "must include \"hook:\" when hooks.defaultSessionKey is not set (generated keys start with hook:)",
                ))
            }
            _ => {}
        }
    }
    let mut mappings = raw
        .mappings
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, m)| mapping(i, m))
        .collect::<Result<Vec<_>, _>>()?;
    for p in raw.presets.iter().flatten() {
        match p.trim() {
            "gmail" => mappings.push(gmail_preset()),
            other => {
                return Err(bad(
                    "hooks.presets",
                    format!("unknown preset `{other}` (known: gmail)"),
                ))
            }
        }
    }
    Ok(HooksConfig {
        enabled,
        token,
        path,
        max_body_bytes: raw
            .max_body_bytes
            .filter(|n| *n > 0)
            .unwrap_or(DEFAULT_HOOKS_MAX_BODY),
        default_session_key,
        allow_request_session_key: raw.allow_request_session_key.unwrap_or(false),
        allowed_session_key_prefixes: prefixes,
        allowed_agent_ids: raw.allowed_agent_ids.as_ref().map(|v| {
            v.iter()
                .map(|a| a.trim().to_ascii_lowercase())
                .filter(|a| !a.is_empty())
                .collect()
        }),
        mappings,
    })
}

/// Validates `cron.*` (`OPENCLAW_SKIP_CRON=1` disables the scheduler).
pub(super) fn cron(raw: Option<&RawCron>) -> Result<CronConfig, Invalid> {
    let mut c = CronConfig::default();
    let skip = std::env::var("OPENCLAW_SKIP_CRON").is_ok_and(|v| {
        let v = v.trim();
        !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false")
    });
    if skip {
        c.enabled = false;
    }
    let Some(raw) = raw else {
        return Ok(c);
    };
    if raw.enabled == Some(false) {
        c.enabled = false;
    }
    if let Some(n) = raw.max_concurrent_runs {
        if n == 0 {
            return Err(bad("cron.maxConcurrentRuns", "must be at least 1"));
        }
        c.max_concurrent_runs = n;
    }
    if let Some(url) = raw
        .webhook
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(bad("cron.webhook", "must be an http(s) URL"));
        }
        c.webhook = Some(url.to_string());
    }
    c.webhook_token = raw
        .webhook_token
        .as_ref()
        .and_then(|v| v.as_str())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(Secret::new);
    c.webhook_allow_private_network = raw.webhook_allow_private_network.unwrap_or(false);
    if let Some(keep) = raw.run_log.as_ref().and_then(|r| r.keep_lines) {
        c.run_log_keep = keep.max(1);
    }
    if let Some(r) = &raw.retry {
        if let Some(n) = r.max_attempts {
            c.retry_max_attempts = n;
        }
        if let Some(b) = &r.backoff_ms {
            if b.is_empty() {
                return Err(bad("cron.retry.backoffMs", "must not be empty"));
            }
            c.retry_backoff = b.iter().map(|ms| Duration::from_millis(*ms)).collect();
        }
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(json: &str) -> RawHooks {
        json5::from_str(json).unwrap()
    }

    #[test]
    fn enabled_hooks_need_a_token_distinct_from_the_gateway_token() {
        let e = hooks(Some(&raw("{enabled: true}")), None).unwrap_err();
        assert_eq!(e.1, "hooks.enabled requires hooks.token");
        let g = Secret::new("same");
        let e = hooks(Some(&raw("{enabled: true, token: 'same'}")), Some(&g)).unwrap_err();
        assert!(e
            .1
            .starts_with("hooks.token must not match gateway auth token"));
    }

    #[test]
    fn path_is_normalised_and_root_is_refused() {
        let h = hooks(Some(&raw("{enabled: true, token: 't', path: 'in/'}")), None).unwrap();
        assert_eq!(h.path, "/in");
        let e = hooks(Some(&raw("{enabled: true, token: 't', path: '/'}")), None).unwrap_err();
        assert_eq!(e.0, "hooks.path");
    }

    #[test]
    fn transforms_are_refused_with_a_clear_message() {
        let e = hooks(
            Some(&raw(
                "{enabled: true, token: 't', mappings: [{match: {path: 'x'}, transform: {module: 'x.js'}}]}",
            )),
            None,
        )
        .unwrap_err();
        assert_eq!(e.0, "hooks.mappings[0].transform");
        assert!(e.1.contains("cannot run in clawgate"));
    }

    #[test]
    fn prefixes_must_admit_the_default_or_generated_keys() {
        let e = hooks(
            Some(&raw(
                "{enabled: true, token: 't', allowedSessionKeyPrefixes: ['agent:']}",
            )),
            None,
        )
        .unwrap_err();
        assert_eq!(e.0, "hooks.allowedSessionKeyPrefixes");
        let ok = hooks(
            Some(&raw(
                "{enabled: true, token: 't', defaultSessionKey: 'hook:ingress', allowedSessionKeyPrefixes: ['Hook:']}",
            )),
            None,
        )
        .unwrap();
        assert_eq!(ok.allowed_session_key_prefixes.unwrap(), vec!["hook:"]);
    }

    #[test]
    fn presets_follow_explicit_mappings() {
        let h = hooks(
            Some(&raw(
                "{enabled: true, token: 't', presets: ['gmail'], mappings: [{match: {path: 'gmail'}, action: 'wake', textTemplate: 'x'}]}",
            )),
            None,
        )
        .unwrap();
        assert_eq!(h.mappings.len(), 2);
        assert_eq!(h.mappings[0].action, HookActionKind::Wake);
        assert_eq!(h.mappings[1].name.as_deref(), Some("Gmail"));
    }
}
