//! `clawgate doctor`: checks a setup and prints each finding as `ok`, `warn` or `fail` with a
//! hint; `--json` prints `{ok, checks: [{id, status, message, hint?}]}`. Exit code 0 when nothing
//! failed, 1 otherwise.
//!
//! Checks: the config file parses and validates (the error names the file, line and key) and
//! which OpenClaw keys it sets that clawgate ignores; the state dir exists with mode 0700; the
//! port is free or held by a gateway (`/health`); a running gateway accepts the configured
//! credentials (`/status`); each provider's models endpoint answers (status class only, never a
//! key); enabled channels have their credentials; `tools.exec.security: full` is flagged.

use crate::cli::Remote;
use crate::client::resolve;
use crate::config::{self, Config, ExecSecurity, Overrides, ProviderApi};
use clap::Args;
use serde::Serialize;
use serde_json::json;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

/// Timeout of each network probe.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// `clawgate doctor`.
#[derive(Debug, Args)]
pub struct DoctorCmd {
    /// Config, state dir, gateway URL and credentials (as for the other commands).
    #[command(flatten)]
    pub remote: Remote,
}

/// A finding's severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Fine.
    Ok,
    /// Works, but worth a look.
    Warn,
    /// Broken.
    Fail,
}

/// One finding.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Stable id (`config`, `state_dir`, `provider:<id>`, …).
    pub id: String,
    /// Severity.
    pub status: Status,
    /// What was found.
    pub message: String,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

fn check(id: impl Into<String>, status: Status, message: impl Into<String>) -> Check {
    Check {
        id: id.into(),
        status,
        message: message.into(),
        hint: None,
    }
}

impl Check {
    fn hint(mut self, h: impl Into<String>) -> Check {
        self.hint = Some(h.into());
        self
    }
}

/// Runs `clawgate doctor`.
pub fn run(cmd: DoctorCmd) -> ExitCode {
    let checks = actix_web::rt::System::new().block_on(collect(&cmd.remote));
    let failed = checks.iter().any(|c| c.status == Status::Fail);
    if cmd.remote.json {
        println!("{}", json!({"ok": !failed, "checks": checks}));
    } else {
        for c in &checks {
            let tag = match c.status {
                Status::Ok => "ok  ",
                Status::Warn => "warn",
                Status::Fail => "FAIL",
            };
            println!("[{tag}] {:<18} {}", c.id, c.message);
            if let Some(h) = &c.hint {
                println!("       {:<18} hint: {h}", "");
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Every check, in order.
pub async fn collect(remote: &Remote) -> Vec<Check> {
    let ov = Overrides {
        state_dir: remote.paths.state_dir.clone(),
        ..Default::default()
    };
    let mut out = Vec::new();
    let cfg = match config::load(remote.paths.config.as_deref(), &ov) {
        Ok(c) => c,
        Err(e) => {
            out.push(
                check("config", Status::Fail, e.to_string())
                    .hint("fix the named key, then run `clawgate config validate`"),
            );
            let dir = remote
                .paths
                .state_dir
                .clone()
                .unwrap_or_else(config::default_state_dir);
            out.push(state_dir(&dir));
            return out;
        }
    };
    let file = cfg
        .path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "no config file (defaults)".into());
    out.push(check("config", Status::Ok, format!("valid: {file}")));
    out.push(if cfg.ignored_keys.is_empty() {
        check("ignored_keys", Status::Ok, "no ignored keys")
    } else {
        check(
            "ignored_keys",
            Status::Warn,
            format!("ignored by clawgate: {}", cfg.ignored_keys.join(", ")),
        )
        .hint("these OpenClaw keys are accepted but have no effect; remove them to silence this")
    });
    out.push(state_dir(&cfg.state_dir));
    let running = port(&cfg, &mut out).await;
    out.push(gateway_auth(remote, running).await);
    for p in cfg.providers.values() {
        out.push(provider(p).await);
    }
    out.extend(channels(&cfg));
    out.extend(exec(&cfg));
    out
}

fn state_dir(dir: &Path) -> Check {
    let shown = dir.display();
    let Ok(meta) = std::fs::metadata(dir) else {
        return check(
            "state_dir",
            Status::Warn,
            format!("{shown} does not exist yet"),
        )
        .hint("the gateway creates it (mode 0700) at first start");
    };
    if !meta.is_dir() {
        return check(
            "state_dir",
            Status::Fail,
            format!("{shown} is not a directory"),
        )
        .hint("point --state-dir / OPENCLAW_STATE_DIR at a directory");
    }
    use std::os::unix::fs::PermissionsExt as _;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return check(
            "state_dir",
            Status::Warn,
            format!("{shown} has mode {mode:04o}: other users can read the store and token"),
        )
        .hint(format!("chmod 700 {shown}"));
    }
    check(
        "state_dir",
        Status::Ok,
        format!("{shown} (mode {mode:04o})"),
    )
}

/// The port check; returns whether a gateway answers on it.
async fn port(cfg: &Config, out: &mut Vec<Check>) -> bool {
    let addr = cfg
        .bind
        .first()
        .copied()
        .unwrap_or(std::net::Ipv4Addr::LOCALHOST.into());
    if std::net::TcpListener::bind((addr, cfg.port)).is_ok() {
        out.push(check(
            "port",
            Status::Ok,
            format!("{addr}:{} is free", cfg.port),
        ));
        return false;
    }
    let probe = if addr.is_unspecified() {
        std::net::Ipv4Addr::LOCALHOST.into()
    } else {
        addr
    };
    let host = match probe {
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
        v4 => v4.to_string(),
    };
    let url = format!("http://{host}:{}/health", cfg.port);
    let client = awc::Client::builder().timeout(PROBE_TIMEOUT).finish();
    let is_gateway = match client.get(&url).send().await {
        Ok(mut r) if r.status().is_success() => r
            .json::<serde_json::Value>()
            .await
            .is_ok_and(|v| v["status"] == "live"),
        _ => false,
    };
    if is_gateway {
        out.push(check(
            "port",
            Status::Ok,
            format!("{addr}:{} is held by a running gateway", cfg.port),
        ));
    } else {
        out.push(
            check(
                "port",
                Status::Fail,
                format!("{addr}:{} is in use by another program", cfg.port),
            )
            .hint("stop that program or set gateway.port to a free port"),
        );
    }
    is_gateway
}

async fn gateway_auth(remote: &Remote, running: bool) -> Check {
    let t = match resolve(remote) {
        Ok(t) => t,
        Err(e) => return check("gateway_auth", Status::Fail, e),
    };
    if !running && remote.url.is_none() {
        return check(
            "gateway_auth",
            Status::Warn,
            format!("no gateway is running at {}", t.base),
        )
        .hint("start it with `clawgate gateway`");
    }
    let client = awc::Client::builder().timeout(PROBE_TIMEOUT).finish();
    let mut req = client.get(format!("{}/status", t.base));
    if let Some(a) = &t.auth {
        req = req.insert_header(("authorization", a.as_str()));
    }
    match req.send().await {
        Ok(r) if r.status().is_success() => check(
            "gateway_auth",
            Status::Ok,
            format!("{} accepts the configured credentials", t.base),
        ),
        Ok(r) if r.status().as_u16() == 401 || r.status().as_u16() == 403 => check(
            "gateway_auth",
            Status::Fail,
            format!("{} refused the credentials (HTTP {})", t.base, r.status().as_u16()),
        )
        .hint("use the gateway's token: --token, OPENCLAW_GATEWAY_TOKEN, gateway.auth.token or <state dir>/gateway.token"),
        Ok(r) => check(
            "gateway_auth",
            Status::Warn,
            format!("{}/status answered HTTP {}", t.base, r.status().as_u16()),
        ),
        Err(e) => check(
            "gateway_auth",
            Status::Fail,
            format!("cannot reach {}: {e}", t.base),
        )
        .hint("check --url / OPENCLAW_GATEWAY_URL and that the gateway runs"),
    }
}

/// `GET <baseUrl>/models` with the provider's key; only the status class is reported.
async fn provider(p: &config::ProviderConfig) -> Check {
    let id = format!("provider:{}", p.id);
    let base = p.base_url.trim_end_matches('/');
    let shown = base.split('?').next().unwrap_or_default().to_string();
    let client = awc::Client::builder().timeout(PROBE_TIMEOUT).finish();
    let mut req = client.get(format!("{base}/models"));
    if let Some(k) = &p.api_key {
        req = match p.api {
            ProviderApi::AnthropicMessages => req
                .insert_header(("x-api-key", k.expose()))
                .insert_header(("anthropic-version", "2023-06-01")),
            ProviderApi::OpenAiCompletions => {
                req.insert_header(("authorization", format!("Bearer {}", k.expose())))
            }
        };
    }
    for (k, v) in &p.headers {
        req = req.insert_header((k.as_str(), v.as_str()));
    }
    match req.send().await {
        Ok(r) => {
            let code = r.status().as_u16();
            match code {
                200..=299 => check(&id, Status::Ok, format!("{shown} reachable (HTTP {code})")),
                401 | 403 => check(
                    &id,
                    Status::Fail,
                    format!("{shown} refused the API key (HTTP {code})"),
                )
                .hint(format!("check models.providers.{}.apiKey", p.id)),
                400..=499 => check(
                    &id,
                    Status::Warn,
                    format!("{shown} reachable, but /models answered HTTP {code} (4xx)"),
                )
                .hint("the server may not list models; check baseUrl includes the version path"),
                _ => check(
                    &id,
                    Status::Warn,
                    format!("{shown} answered HTTP {code} (server error)"),
                ),
            }
        }
        Err(e) => check(&id, Status::Fail, format!("{shown} unreachable: {e}")).hint(format!(
            "check models.providers.{}.baseUrl and the network",
            p.id
        )),
    }
}

fn channels(cfg: &Config) -> Vec<Check> {
    let mut out = Vec::new();
    for a in cfg.channels.accounts.iter().filter(|a| a.enabled) {
        let id = format!("channel:{}", a.key());
        let kind = a.kind.as_str();
        out.push(if !a.configured {
            let need = match kind {
                "telegram" => "botToken",
                "discord" => "token",
                "slack" => "botToken and signingSecret",
                _ => "secret",
            };
            check(&id, Status::Fail, format!("enabled but {need} is missing"))
                .hint(format!("set channels.{kind}.{need} or disable the account"))
        } else if let Some(why) = &a.unsupported {
            check(&id, Status::Warn, why.clone())
        } else {
            check(&id, Status::Ok, "credentials present")
        });
    }
    out
}

fn exec(cfg: &Config) -> Vec<Check> {
    let mut full: Vec<String> = Vec::new();
    if cfg.exec.global.security == ExecSecurity::Full {
        full.push("tools.exec".into());
    }
    let mut agents: Vec<&String> = cfg
        .exec
        .agents
        .iter()
        .filter(|(_, c)| c.security == ExecSecurity::Full)
        .map(|(id, _)| id)
        .collect();
    agents.sort();
    full.extend(agents.into_iter().map(|a| format!("agent {a}")));
    if full.is_empty() {
        return vec![check(
            "exec",
            Status::Ok,
            "exec security is deny or allowlist",
        )];
    }
    vec![check(
        "exec",
        Status::Warn,
        format!(
            "security `full` (any command runs) for: {}",
            full.join(", ")
        ),
    )
    .hint("prefer `allowlist` with tools.exec.allowlist, or ask: \"always\"")]
}
