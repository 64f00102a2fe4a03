//! Turning the raw file shape into a validated [`Config`]: resolution order (CLI > env > file >
//! defaults), provider auto-detection, agent and model checks.

use super::env;
use super::raw::RawConfig;
use super::raw_agents::RawModelRef;
use super::types::*;
use serde_json::Value;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

/// `gateway.controlUi.{enabled, basePath}`: whether the web UI is served, and where.
fn control_ui(
    g: &super::raw::RawGateway,
    file: &Option<PathBuf>,
    source: &str,
) -> Result<(bool, String), ConfigError> {
    let ui = g.control_ui.as_ref();
    let enabled = match ui.and_then(|c| c.get("enabled")) {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(invalid(
                file,
                source,
                "gateway.controlUi.enabled",
                "must be true or false",
            ))
        }
    };
    let base = match ui.and_then(|c| c.get("basePath")) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => {
            return Err(invalid(
                file,
                source,
                "gateway.controlUi.basePath",
                "must be a string",
            ))
        }
    };
    let base = crate::http::control_ui::normalize_base_path(base)
        .map_err(|m| invalid(file, source, "gateway.controlUi.basePath", m))?;
    Ok((enabled, base))
}

pub(super) fn invalid(
    path: &Option<PathBuf>,
    source: &str,
    key: &str,
    message: impl Into<String>,
) -> ConfigError {
    ConfigError::Invalid {
        path: path.clone().unwrap_or_else(|| PathBuf::from("<defaults>")),
        key: key.to_string(),
        line: env::line_of(source, key),
        message: message.into(),
    }
}

/// The model choice at `key` (a `provider/model` string or `{primary, fallbacks}`).
pub(super) fn model_choice(
    r: &Option<RawModelRef>,
    file: &Option<PathBuf>,
    source: &str,
    key: &str,
) -> Result<ModelChoice, ConfigError> {
    let parse = |s: &str| {
        ModelRef::parse(s).ok_or_else(|| {
            invalid(
                file,
                source,
                key,
                format!("model `{s}` must look like provider/model"),
            )
        })
    };
    Ok(match r {
        None => ModelChoice::default(),
        Some(RawModelRef::Plain(s)) => ModelChoice {
            primary: Some(parse(s)?),
            fallbacks: vec![],
        },
        Some(RawModelRef::Detailed { primary, fallbacks }) => ModelChoice {
            primary: primary.as_deref().map(parse).transpose()?,
            fallbacks: fallbacks
                .iter()
                .map(|s| parse(s))
                .collect::<Result<_, _>>()?,
        },
    })
}

pub(super) fn build(
    raw: RawConfig,
    source: &str,
    file: Option<PathBuf>,
    state_dir: PathBuf,
    ov: &Overrides,
) -> Result<Config, ConfigError> {
    let g = &raw.gateway;
    if let Some(mode) = g.mode.as_deref() {
        if mode != "local" && mode != "remote" {
            return Err(invalid(
                &file,
                source,
                "gateway.mode",
                "must be \"local\" or \"remote\"",
            ));
        }
    }
    let (port, bind) = network(g, ov, &file, source)?;
    let auth = auth(g, ov, &bind, port, &file, source)?;
    let (control_ui_enabled, control_ui_base_path) = control_ui(g, &file, source)?;
    let (chat_completions, responses, responses_raw) = endpoints(g);
    let mut providers = super::build_models::providers(&raw, &file, source)?;
    let d = &raw.agents.defaults;
    let mut default_model = model_choice(&d.model, &file, source, "agents.defaults.model")?;
    let mut probe_ollama = false;
    if providers.is_empty() {
        super::build_models::detect_providers(&mut providers, &mut default_model);
        probe_ollama = providers.is_empty();
    }
    if default_model.primary.is_none() {
        // First model of the first provider.
        default_model.primary = providers.values().find_map(|p| {
            p.models.first().map(|m| ModelRef {
                provider: p.id.clone(),
                model: m.id.clone(),
            })
        });
    }
    let (agents, default_agent, global_tools) =
        super::build_agents::agents(&raw, &state_dir, &file, source)?;
    let (run_timeout, idle_timeout) = timeouts(d);
    let main_key = raw
        .session
        .main_key
        .clone()
        .map(|k| k.trim().to_ascii_lowercase())
        .filter(|k| !k.is_empty())
        .unwrap_or_else(|| "main".into());

    let agent_ids: Vec<String> = agents.iter().map(|a| a.id.clone()).collect();
    let channels = super::channels::build(&raw, source, &file, &agent_ids)?;
    let hooks = super::automation::hooks(raw.hooks.as_ref(), auth.token.as_ref())
        .map_err(|(k, m)| invalid(&file, source, &k, m))?;
    let cron = super::automation::cron(raw.cron.as_ref())
        .map_err(|(k, m)| invalid(&file, source, &k, m))?;
    let heartbeat = super::heartbeat::build(d.heartbeat.as_ref(), d.user_timezone.as_ref())
        .map_err(|(k, m)| invalid(&file, source, &k, m))?;
    let web_search = super::web::search(
        raw.tools.web.as_ref().and_then(|w| w.search.as_ref()),
        std::env::var("BRAVE_API_KEY").ok(),
    )
    .map_err(|(k, m)| invalid(&file, source, &k, m))?;
    let skills = super::skills::build(&raw, source, &file)?;
    let exec = super::exec::settings(&raw, &file, source)?;
    let memory = super::build_agents::memory(&raw, &file, source)?;
    let storage = super::storage::build(raw.storage.as_ref())
        .map_err(|(k, m)| invalid(&file, source, &k, m))?;
    let (cluster, cluster_bus) = super::cluster::build(raw.cluster.as_ref(), &storage)
        .map_err(|(k, m)| invalid(&file, source, &k, m))?;
    let browser = super::browser::build(raw.browser.as_ref(), &state_dir)
        .map_err(|(k, m)| invalid(&file, source, &k, m))?;

    let ignored_keys = super::ignored::ignored_keys(&raw)
        .into_iter()
        .map(str::to_string)
        .collect();
    let tls = tls_config(g.tls.as_ref(), &file, source)?;
    Ok(Config {
        ignored_keys,
        skills,
        channels,
        heartbeat,
        path: file,
        state_dir,
        port,
        bind,
        auth,
        chat_completions,
        responses,
        responses_raw,
        cors_origins: g
            .http
            .cors
            .as_ref()
            .map(|c| c.allowed_origins.clone())
            .unwrap_or_default(),
        http_limits: super::build_limits::http_limits(g.http.limits.as_ref()),
        metrics_loopback_scrape: g
            .metrics
            .as_ref()
            .and_then(|m| m.allow_unauthenticated_loopback)
            .unwrap_or(false),
        hsts: g
            .http
            .security_headers
            .as_ref()
            .and_then(|h| h.strict_transport_security.clone())
            .filter(|s| !s.trim().is_empty()),
        control_ui: g.control_ui.clone(),
        control_ui_enabled,
        control_ui_base_path,
        providers,
        probe_ollama,
        agents,
        default_agent,
        default_model,
        allowed_models: d.models.as_ref().map(|m| m.keys().cloned().collect()),
        run_timeout,
        idle_timeout,
        max_reply_bytes: d
            .llm
            .as_ref()
            .and_then(|l| l.max_reply_bytes)
            .map_or(crate::providers::http::DEFAULT_MAX_REPLY_BYTES, |n| {
                n.max(1024) as usize
            }),
        max_concurrent: d.max_concurrent.unwrap_or(0),
        context_tokens: d.context_tokens,
        main_key,
        global_scope: raw.session.scope.as_deref() == Some("global"),
        tools: global_tools,
        ws: ws_config(&g.ws),
        tls,
        audit_retention_days: g
            .audit
            .as_ref()
            .and_then(|a| a.retention_days)
            .unwrap_or(90),
        shutdown_grace: Duration::from_secs(
            g.shutdown_grace_seconds
                .unwrap_or(crate::startup::SHUTDOWN_GRACE.as_secs()),
        ),
        gateway_tools: g.tools.clone(),
        web_search,
        hooks,
        cron,
        exec,
        memory,
        storage,
        cluster,
        cluster_bus,
        browser,
    })
}

/// Port (CLI > `OPENCLAW_GATEWAY_PORT`, also `host:port` > file > default) and bind addresses.
fn network(
    g: &super::raw::RawGateway,
    ov: &Overrides,
    file: &Option<PathBuf>,
    source: &str,
) -> Result<(u16, Vec<IpAddr>), ConfigError> {
    let env_port = std::env::var("OPENCLAW_GATEWAY_PORT").ok().and_then(|v| {
        let v = v.trim();
        v.rsplit(':')
            .next()
            .and_then(|p| p.trim_end_matches(']').parse::<u16>().ok())
    });
    let port = ov.port.or(env_port).or(g.port).unwrap_or(DEFAULT_PORT);
    let bind_spec = ov
        .bind
        .clone()
        .or_else(|| g.bind.clone())
        .unwrap_or_else(|| "loopback".into());
    let bind = resolve_bind(&bind_spec, g.custom_bind_host.as_deref()).ok_or_else(|| {
        invalid(
            file,
            source,
            "gateway.bind",
            format!(
                "unknown bind `{bind_spec}` (use loopback, lan, custom, auto or an IP address)"
            ),
        )
    })?;

    Ok((port, bind))
}

/// Auth mode and secrets (file, then env; CLI overrides win) and the failed-attempt limiter;
/// refuses a non-loopback bind without auth.
fn auth(
    g: &super::raw::RawGateway,
    ov: &Overrides,
    bind: &[IpAddr],
    port: u16,
    file: &Option<PathBuf>,
    source: &str,
) -> Result<AuthConfig, ConfigError> {
    let token = ov
        .token
        .clone()
        .or_else(|| g.auth.token.clone())
        .or_else(|| std::env::var("OPENCLAW_GATEWAY_TOKEN").ok())
        .filter(|s| !s.trim().is_empty())
        .map(Secret::new);
    let password = ov
        .password
        .clone()
        .or_else(|| g.auth.password.clone())
        .or_else(|| std::env::var("OPENCLAW_GATEWAY_PASSWORD").ok())
        .filter(|s| !s.trim().is_empty())
        .map(Secret::new);
    let mode_str = ov.auth.clone().or_else(|| g.auth.mode.clone());
    let mode = match mode_str.as_deref() {
        Some("none") => AuthMode::None,
        Some("token") => AuthMode::Token,
        Some("password") => AuthMode::Password,
        Some(other) => {
            return Err(invalid(
                file,
                source,
                "gateway.auth.mode",
                format!("unsupported auth mode `{other}` (use none, token or password)"),
            ))
        }
        None => match (&token, &password) {
            (Some(_), Some(_)) if ov.token.is_none() && ov.password.is_none() => {
                return Err(invalid(
                    file,
                    source,
                    "gateway.auth.mode",
                    "both a token and a password are configured: set gateway.auth.mode",
                ))
            }
            (_, Some(_)) if ov.token.is_none() => AuthMode::Password,
            _ => AuthMode::Token,
        },
    };
    if mode == AuthMode::Password && password.is_none() {
        return Err(invalid(
            file,
            source,
            "gateway.auth.password",
            "password mode needs gateway.auth.password or OPENCLAW_GATEWAY_PASSWORD",
        ));
    }
    let rl = g.auth.rate_limit.as_ref();
    let defaults = RateLimitConfig::default();
    let rate_limit = RateLimitConfig {
        max_attempts: rl
            .and_then(|r| r.max_attempts)
            .unwrap_or(defaults.max_attempts),
        window: rl
            .and_then(|r| r.window_ms)
            .map(Duration::from_millis)
            .unwrap_or(defaults.window),
        lockout: rl
            .and_then(|r| r.lockout_ms)
            .map(Duration::from_millis)
            .unwrap_or(defaults.lockout),
        exempt_loopback: rl
            .and_then(|r| r.exempt_loopback)
            .unwrap_or(defaults.exempt_loopback),
    };
    if mode == AuthMode::None && bind.iter().any(|ip| !ip.is_loopback()) {
        return Err(invalid(file, source, "gateway.auth.mode", format!(
            "refusing to bind gateway to {}:{port} without auth (set gateway.auth.mode to token or password)",
            bind.first().map(|i| i.to_string()).unwrap_or_default()
        )));
    }

    Ok(AuthConfig {
        mode,
        token,
        password,
        rate_limit,
    })
}

/// The OpenAI-compatible endpoint switches and OpenResponses' media settings.
fn endpoints(g: &super::raw::RawGateway) -> (EndpointConfig, EndpointConfig, Option<Value>) {
    let ep = &g.http.endpoints;
    let chat = ep.chat_completions.as_ref();
    let chat_completions = EndpointConfig {
        enabled: chat.and_then(|c| c.enabled).unwrap_or(true),
        max_body_bytes: chat
            .and_then(|c| c.max_body_bytes)
            .unwrap_or(DEFAULT_CHAT_BODY_BYTES),
    };
    let resp = ep.responses.as_ref();
    let responses = EndpointConfig {
        enabled: resp.and_then(|c| c.enabled).unwrap_or(false),
        max_body_bytes: resp
            .and_then(|c| c.max_body_bytes)
            .unwrap_or(DEFAULT_CHAT_BODY_BYTES),
    };
    let responses_raw = resp.map(|r| {
        let mut m = serde_json::Map::new();
        if let Some(v) = r.max_url_parts {
            m.insert("maxUrlParts".into(), v.into());
        }
        if let Some(v) = &r.files {
            m.insert("files".into(), v.clone());
        }
        if let Some(v) = &r.images {
            m.insert("images".into(), v.clone());
        }
        Value::Object(m)
    });

    (chat_completions, responses, responses_raw)
}

/// The run timeout and the model idle timeout (`None` = off).
fn timeouts(d: &super::raw_agents::RawAgentDefaults) -> (Duration, Option<Duration>) {
    let run_timeout = Duration::from_secs(match d.timeout_seconds {
        Some(0) | None => DEFAULT_TIMEOUT_SECS,
        Some(s) => s,
    });
    let idle_timeout = match d.llm.as_ref().and_then(|l| l.idle_timeout_seconds) {
        Some(0) => None,
        Some(s) => Some(Duration::from_secs(s)),
        None => Some(Duration::from_secs(
            d.timeout_seconds
                .filter(|s| *s > 0)
                .unwrap_or(DEFAULT_IDLE_TIMEOUT_SECS),
        )),
    };
    (run_timeout, idle_timeout)
}

/// `gateway.ws`, with `OPENCLAW_HANDSHAKE_TIMEOUT_MS` (non-empty) winning for the handshake.
fn tls_config(
    raw: Option<&super::raw::RawTls>,
    file: &Option<PathBuf>,
    source: &str,
) -> Result<Option<super::TlsConfig>, ConfigError> {
    let Some(t) = raw.filter(|t| t.enabled != Some(false)) else {
        return Ok(None);
    };
    let base = file.as_ref().and_then(|f| f.parent().map(PathBuf::from));
    let resolve = |p: &str| {
        let p = expand_home(p);
        match (&base, p.is_relative()) {
            (Some(b), true) => b.join(p),
            _ => p,
        }
    };
    match (&t.cert_path, &t.key_path) {
        (Some(c), Some(k)) => Ok(Some(super::TlsConfig {
            cert_path: resolve(c),
            key_path: resolve(k),
        })),
        (None, None) if t.enabled.is_none() => Ok(None),
        _ => Err(invalid(
            file,
            source,
            "gateway.tls",
            "needs both certPath and keyPath",
        )),
    }
}

fn ws_config(raw: &super::raw::RawWs) -> super::WsConfig {
    let d = super::WsConfig::default();
    let env_ms = std::env::var("OPENCLAW_HANDSHAKE_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok());
    super::WsConfig {
        handshake_timeout: env_ms
            .or(raw.handshake_timeout_ms)
            .map(|ms| Duration::from_millis(ms.max(1)))
            .unwrap_or(d.handshake_timeout),
        max_buffered_bytes: raw.max_buffered_bytes.unwrap_or(d.max_buffered_bytes),
        tick_interval: raw
            .tick_interval_ms
            .map(|ms| Duration::from_millis(ms.max(10)))
            .unwrap_or(d.tick_interval),
        max_unauthenticated_per_address: raw
            .max_unauthenticated_per_address
            .map(|n| n.max(1))
            .unwrap_or(d.max_unauthenticated_per_address),
    }
}

pub(super) fn expand_home(p: &str) -> PathBuf {
    match p.strip_prefix("~/") {
        Some(rest) => std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default()
            .join(rest),
        None => PathBuf::from(p),
    }
}

/// Resolves `gateway.bind` to listen addresses.
fn resolve_bind(spec: &str, custom: Option<&str>) -> Option<Vec<IpAddr>> {
    let v4_loopback: IpAddr = [127, 0, 0, 1].into();
    match spec {
        "loopback" | "auto" | "tailnet" => Some(vec![v4_loopback]),
        "lan" => Some(vec![[0, 0, 0, 0].into()]),
        "custom" => Some(vec![custom
            .and_then(|h| h.parse().ok())
            .unwrap_or([0, 0, 0, 0].into())]),
        "localhost" => Some(vec![v4_loopback]),
        other => other.parse::<IpAddr>().ok().map(|ip| vec![ip]),
    }
}
