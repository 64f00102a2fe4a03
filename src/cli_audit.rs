//! `clawgate security audit`: reads the configuration and the state directory (no gateway
//! needed) and reports risky settings, each with how to fix it. Exits 1 when any finding is
//! critical, so it can gate a deployment script.

use crate::cli::Paths;
use crate::config::{self, AuthMode, Config, ExecAsk, ExecSecurity, Overrides};
use clap::{Args, Subcommand};
use serde::Serialize;
use std::process::ExitCode;

/// `clawgate security …`.
#[derive(Debug, Subcommand)]
pub enum SecurityCmd {
    /// Report risky settings (public bind, no auth, unrestricted shell, shared secrets,
    /// readable state, `dangerously…` switches); exit 1 when any is critical.
    Audit(AuditCmd),
}

/// `clawgate security audit`.
#[derive(Debug, Args)]
pub struct AuditCmd {
    /// Paths.
    #[command(flatten)]
    pub paths: Paths,
    /// Print `{"ok": …, "findings": [{severity, id, message, fix}]}`.
    #[arg(long)]
    pub json: bool,
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Risky; fine only on purpose.
    Warn,
    /// Exposes the gateway or the machine; the audit fails.
    Critical,
}

/// One risky setting.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// How bad it is.
    pub severity: Severity,
    /// Stable identifier (`bind.public`, `exec.full`, …).
    pub id: &'static str,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub fix: String,
}

fn finding(severity: Severity, id: &'static str, message: String, fix: &str) -> Finding {
    Finding {
        severity,
        id,
        message,
        fix: fix.to_string(),
    }
}

/// Runs the command.
pub fn run(cmd: SecurityCmd) -> ExitCode {
    let SecurityCmd::Audit(cmd) = cmd;
    let ov = Overrides {
        state_dir: cmd.paths.state_dir.clone(),
        ..Default::default()
    };
    let cfg = match config::load(cmd.paths.config.as_deref(), &ov) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("clawgate: cannot audit, the config does not load: {e}");
            return ExitCode::from(2);
        }
    };
    let findings = audit(&cfg);
    let critical = findings.iter().any(|f| f.severity == Severity::Critical);
    if cmd.json {
        println!(
            "{}",
            serde_json::json!({"ok": !critical, "findings": findings})
        );
    } else if findings.is_empty() {
        println!("no risky settings found");
    } else {
        for f in &findings {
            let label = match f.severity {
                Severity::Critical => "CRITICAL",
                Severity::Warn => "WARN    ",
                Severity::Info => "INFO    ",
            };
            println!("{label} {}: {}\n         fix: {}", f.id, f.message, f.fix);
        }
    }
    if critical {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Every finding for `cfg`, most severe first.
pub fn audit(cfg: &Config) -> Vec<Finding> {
    let mut out = Vec::new();
    network(cfg, &mut out);
    secrets(cfg, &mut out);
    shell(cfg, &mut out);
    files(cfg, &mut out);
    switches(cfg, &mut out);
    out.sort_by_key(|f| std::cmp::Reverse(f.severity));
    out
}

fn network(cfg: &Config, out: &mut Vec<Finding>) {
    let public: Vec<String> = cfg
        .bind
        .iter()
        .filter(|ip| !ip.is_loopback())
        .map(ToString::to_string)
        .collect();
    let no_auth = cfg.auth.mode == AuthMode::None;
    if !public.is_empty() {
        out.push(finding(
            if no_auth { Severity::Critical } else { Severity::Warn },
            "bind.public",
            format!("the gateway listens beyond this machine ({})", public.join(", ")),
            "bind to loopback (gateway.bind: \"loopback\") and reach it through a reverse proxy with TLS or an SSH tunnel",
        ));
    }
    if no_auth {
        out.push(finding(
            if public.is_empty() { Severity::Warn } else { Severity::Critical },
            "auth.none",
            "authentication is off: every local process and browser page that passes the origin check can run agent turns".into(),
            "set gateway.auth.mode to \"token\" (a token is generated on first start)",
        ));
    }
}

fn gateway_secret(cfg: &Config) -> Option<String> {
    match cfg.auth.mode {
        AuthMode::Password => cfg.auth.password.as_ref().map(|s| s.expose().to_string()),
        AuthMode::Token => cfg
            .auth
            .token
            .as_ref()
            .map(|s| s.expose().to_string())
            .or_else(|| {
                std::fs::read_to_string(cfg.state_dir.join("gateway.token"))
                    .ok()
                    .map(|t| t.trim().to_string())
            }),
        AuthMode::None => None,
    }
}

fn secrets(cfg: &Config, out: &mut Vec<Finding>) {
    let secret = gateway_secret(cfg);
    if let Some(s) = secret.as_deref().filter(|s| s.len() < 16) {
        out.push(finding(
            Severity::Warn,
            "auth.weak",
            format!("the gateway secret is only {} characters long", s.len()),
            "run `clawgate auth generate-token` for a 256-bit token",
        ));
    }
    let hook = cfg.hooks.token.as_ref().map(|t| t.expose());
    if cfg.hooks.enabled && hook.is_some() && hook == secret.as_deref() {
        out.push(finding(
            Severity::Critical,
            "hooks.token.shared",
            "hooks.token equals the gateway secret: anyone holding a webhook URL's token can operate the gateway".into(),
            "give hooks.token its own random value",
        ));
    }
    if cfg.hooks.enabled
        && cfg.hooks.allow_request_session_key
        && cfg.hooks.allowed_session_key_prefixes.is_none()
    {
        out.push(finding(
            Severity::Warn,
            "hooks.sessionKey.any",
            "webhooks may name any session key, including your main session's".into(),
            "set hooks.allowedSessionKeyPrefixes (e.g. [\"hook:\"])",
        ));
    }
}

fn shell(cfg: &Config, out: &mut Vec<Finding>) {
    let global = std::iter::once(("(all agents)".to_string(), &cfg.exec.global));
    let agents = cfg
        .exec
        .agents
        .iter()
        .map(|(id, e)| (format!("agent {id}"), e));
    for (who, exec) in global.chain(agents) {
        if exec.security != ExecSecurity::Full {
            continue;
        }
        let asks = exec.ask == ExecAsk::Always;
        out.push(finding(
            if asks {
                Severity::Warn
            } else {
                Severity::Critical
            },
            "exec.full",
            format!(
                "{who}: the model may run any shell command{}",
                if asks {
                    " (each one approved by an operator)"
                } else {
                    " without approval"
                }
            ),
            "use tools.exec.security \"allowlist\" with tools.exec.allowlist, or ask: \"always\"",
        ));
    }
}

#[cfg(unix)]
fn files(cfg: &Config, out: &mut Vec<Finding>) {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).ok().map(|m| m.permissions().mode());
    if let Some(m) = mode(&cfg.state_dir).filter(|m| m & 0o077 != 0) {
        out.push(finding(
            if m & 0o007 != 0 { Severity::Critical } else { Severity::Warn },
            "state.permissions",
            format!(
                "the state directory {} is {:o}: other users can reach sessions, memory and the token",
                cfg.state_dir.display(),
                m & 0o777
            ),
            &format!("chmod 700 {}", cfg.state_dir.display()),
        ));
    }
    if let Some(path) = &cfg.path {
        if let Some(m) = mode(path).filter(|m| m & 0o044 != 0) {
            out.push(finding(
                if m & 0o004 != 0 {
                    Severity::Critical
                } else {
                    Severity::Warn
                },
                "config.permissions",
                format!(
                    "the config file {} is {:o}: other users can read the secrets in it",
                    path.display(),
                    m & 0o777
                ),
                &format!("chmod 600 {}", path.display()),
            ));
        }
    }
}

#[cfg(not(unix))]
fn files(_: &Config, _: &mut Vec<Finding>) {}

fn switches(cfg: &Config, out: &mut Vec<Finding>) {
    let Some(ui) = cfg.control_ui.as_ref().and_then(|v| v.as_object()) else {
        return;
    };
    for (k, v) in ui {
        if k.starts_with("dangerously") && v.as_bool() == Some(true) {
            out.push(finding(
                Severity::Warn,
                "controlUi.dangerous",
                format!("gateway.controlUi.{k} is on"),
                &format!("remove gateway.controlUi.{k} unless you rely on it"),
            ));
        }
    }
}
