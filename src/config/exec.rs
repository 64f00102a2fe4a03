//! `tools.exec`: whether and how the agent may run shell commands (`exec`, `process`).
//!
//! Off unless configured: `security` defaults to `deny`, so `exec` refuses every command even
//! when a tool profile offers it. An agent's `tools.exec` overrides the global block key by key.

use super::build::invalid;
use super::normalize_agent_id;
use super::raw::RawConfig;
use super::raw_exec::RawExec;
use super::ConfigError;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

/// Default command timeout (OpenClaw's is 1800 s; clawgate is stricter).
pub const DEFAULT_TIMEOUT_SECS: u64 = 120;
/// Longest timeout a config or a call may ask for (2 hours).
pub const MAX_TIMEOUT_SECS: u64 = 7200;
/// Default wait for an operator's approval.
pub const DEFAULT_APPROVAL_TIMEOUT_SECS: u64 = 120;
/// Default time after which a running command is moved to the background (as OpenClaw).
pub const DEFAULT_BACKGROUND_MS: u64 = 10_000;

/// `tools.exec.security`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExecSecurity {
    /// Every command is refused (the default).
    #[default]
    Deny,
    /// Commands on `tools.exec.allowlist` run; others need an approval (per `ask`).
    Allowlist,
    /// Any command runs (still subject to `ask: always`).
    Full,
}

/// `tools.exec.ask`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExecAsk {
    /// Never ask: a command off the allowlist is refused.
    Off,
    /// Ask an operator for a command off the allowlist (the default).
    #[default]
    OnMiss,
    /// Ask an operator for every command.
    Always,
}

impl ExecSecurity {
    /// The config spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ExecSecurity::Deny => "deny",
            ExecSecurity::Allowlist => "allowlist",
            ExecSecurity::Full => "full",
        }
    }
}

impl ExecAsk {
    /// The config spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ExecAsk::Off => "off",
            ExecAsk::OnMiss => "on-miss",
            ExecAsk::Always => "always",
        }
    }
}

/// One agent's effective `tools.exec`.
#[derive(Debug, Clone)]
pub struct ExecConfig {
    /// Whether commands may run at all, and which.
    pub security: ExecSecurity,
    /// When an operator is asked.
    pub ask: ExecAsk,
    /// Allowlisted commands: names, paths, `*` globs, or prefixes with arguments.
    pub allowlist: Vec<String>,
    /// Default command timeout.
    pub timeout: Duration,
    /// How long an approval request waits (then: denied).
    pub approval_timeout: Duration,
    /// A foreground command still running after this long becomes a background job.
    pub background_after: Duration,
}

impl Default for ExecConfig {
    fn default() -> Self {
        ExecConfig {
            security: ExecSecurity::Deny,
            ask: ExecAsk::OnMiss,
            allowlist: vec![],
            timeout: Duration::from_secs(DEFAULT_TIMEOUT_SECS),
            approval_timeout: Duration::from_secs(DEFAULT_APPROVAL_TIMEOUT_SECS),
            background_after: Duration::from_millis(DEFAULT_BACKGROUND_MS),
        }
    }
}

/// The global `tools.exec` and every agent's effective one.
#[derive(Debug, Clone, Default)]
pub struct ExecSettings {
    /// From the top-level `tools.exec`.
    pub global: ExecConfig,
    /// Agents whose `tools.exec` overrides something, by id.
    pub agents: HashMap<String, ExecConfig>,
}

impl ExecSettings {
    /// The effective settings of `agent_id`.
    pub fn for_agent(&self, agent_id: &str) -> &ExecConfig {
        self.agents.get(agent_id).unwrap_or(&self.global)
    }
}

/// Validates `raw` over `base` (`key` names the block in errors).
fn apply(base: &ExecConfig, raw: &RawExec, key: &str) -> Result<ExecConfig, (String, String)> {
    let mut c = base.clone();
    if let Some(s) = &raw.security {
        c.security = match s.trim().to_ascii_lowercase().as_str() {
            "deny" => ExecSecurity::Deny,
            "allowlist" => ExecSecurity::Allowlist,
            "full" => ExecSecurity::Full,
            _ => {
                return Err((
                    format!("{key}.security"),
                    format!("unknown value `{s}` (deny, allowlist, full)"),
                ))
            }
        };
    }
    if let Some(a) = &raw.ask {
        c.ask = match a.trim().to_ascii_lowercase().as_str() {
            "off" => ExecAsk::Off,
            "on-miss" => ExecAsk::OnMiss,
            "always" => ExecAsk::Always,
            _ => {
                return Err((
                    format!("{key}.ask"),
                    format!("unknown value `{a}` (off, on-miss, always)"),
                ))
            }
        };
    }
    if let Some(list) = &raw.allowlist {
        if list.iter().any(|e| e.trim().is_empty()) {
            return Err((
                format!("{key}.allowlist"),
                "entries must not be empty".into(),
            ));
        }
        c.allowlist = list.iter().map(|e| e.trim().to_string()).collect();
    }
    let secs = |v: u64, k: &str| {
        if (1..=MAX_TIMEOUT_SECS).contains(&v) {
            Ok(Duration::from_secs(v))
        } else {
            Err((
                format!("{key}.{k}"),
                format!("must be between 1 and {MAX_TIMEOUT_SECS} seconds"),
            ))
        }
    };
    if let Some(t) = raw.timeout_sec {
        c.timeout = secs(t, "timeoutSec")?;
    }
    if let Some(t) = raw.approval_timeout_sec {
        c.approval_timeout = secs(t, "approvalTimeoutSec")?;
    }
    if let Some(ms) = raw.background_ms {
        c.background_after = Duration::from_millis(ms);
    }
    Ok(c)
}

/// Builds the settings from `tools.exec` and each agent's `tools.exec`.
pub(super) fn settings(
    raw: &RawConfig,
    file: &Option<PathBuf>,
    source: &str,
) -> Result<ExecSettings, ConfigError> {
    let err = |(k, m): (String, String)| invalid(file, source, &k, m);
    let global = match &raw.tools.exec {
        Some(r) => apply(&ExecConfig::default(), r, "tools.exec").map_err(err)?,
        None => ExecConfig::default(),
    };
    let mut agents = HashMap::new();
    for (key, id, a) in raw.agents.each() {
        let Some(r) = a.tools.as_ref().and_then(|t| t.exec.as_ref()) else {
            continue;
        };
        let Some(id) = normalize_agent_id(id) else {
            continue; // reported by the agents section
        };
        let c = apply(&global, r, &format!("{key}.tools.exec")).map_err(err)?;
        agents.insert(id, c);
    }
    Ok(ExecSettings { global, agents })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(security: Option<&str>, ask: Option<&str>, timeout: Option<u64>) -> RawExec {
        RawExec {
            security: security.map(str::to_string),
            ask: ask.map(str::to_string),
            timeout_sec: timeout,
            ..Default::default()
        }
    }

    #[test]
    fn agents_override_the_global_block_and_bad_values_name_their_key() {
        let cfg = crate::config::load_str_for_tests(
            "{ tools: { exec: { security: 'allowlist', allowlist: ['ls'], timeoutSec: 9 } },
               agents: { list: [{ id: 'Main' }, { id: 'ops', tools: { exec: { security: 'full', ask: 'always' } } }] } }",
        );
        let main = cfg.exec.for_agent("main");
        assert_eq!(
            (main.security, main.ask),
            (ExecSecurity::Allowlist, ExecAsk::OnMiss)
        );
        let ops = cfg.exec.for_agent("ops");
        assert_eq!(
            (ops.security, ops.ask),
            (ExecSecurity::Full, ExecAsk::Always)
        );
        assert_eq!(
            (ops.allowlist.clone(), ops.timeout),
            (vec!["ls".to_string()], Duration::from_secs(9))
        );
        let raw = crate::config::raw::RawConfig {
            tools: crate::config::raw_agents::RawToolPolicy {
                exec: Some(raw(None, Some("never"), None)),
                ..Default::default()
            },
            ..Default::default()
        };
        let err = settings(&raw, &None, "").unwrap_err().to_string();
        assert!(err.contains("tools.exec.ask"), "{err}");
    }

    #[test]
    fn defaults_deny_and_ask_on_miss() {
        let c = ExecConfig::default();
        assert_eq!(c.security, ExecSecurity::Deny);
        assert_eq!(c.ask, ExecAsk::OnMiss);
        assert_eq!(c.timeout, Duration::from_secs(120));
    }

    #[test]
    fn values_are_checked_and_agents_override_key_by_key() {
        let base = ExecConfig::default();
        let g = apply(&base, &raw(Some("Full"), Some("always"), Some(5)), "t").unwrap();
        assert_eq!((g.security, g.ask), (ExecSecurity::Full, ExecAsk::Always));
        let a = apply(&g, &raw(None, Some("off"), None), "a").unwrap();
        assert_eq!((a.security, a.ask), (ExecSecurity::Full, ExecAsk::Off));
        assert_eq!(a.timeout, Duration::from_secs(5));
        let e = apply(&base, &raw(Some("yes"), None, None), "tools.exec").unwrap_err();
        assert_eq!(e.0, "tools.exec.security");
        let e = apply(&base, &raw(None, Some("sometimes"), None), "tools.exec").unwrap_err();
        assert_eq!(e.0, "tools.exec.ask");
        let e = apply(&base, &raw(None, None, Some(0)), "tools.exec").unwrap_err();
        assert_eq!(e.0, "tools.exec.timeoutSec");
    }
}
