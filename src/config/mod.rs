//! Configuration: loading the JSON5 file, applying the environment and CLI overrides, and
//! validating everything once into [`Config`].
//!
//! Key names follow OpenClaw's (`gateway.auth.token`, `models.providers.<id>.baseUrl`, …) so an
//! `openclaw.json` can be read. Unknown keys are errors that name the key and its line.

mod env;
pub mod raw;

use crate::providers::types::ThinkingLevel;
use raw::{RawConfig, RawModelRef, RawToolPolicy};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Default gateway port (OpenClaw's).
pub const DEFAULT_PORT: u16 = 18789;
/// Default agent id.
pub const DEFAULT_AGENT: &str = "main";
/// Default `/v1/chat/completions` body limit (OpenClaw: 20 MiB).
pub const DEFAULT_CHAT_BODY_BYTES: usize = 20 * 1024 * 1024;
/// Default run timeout (OpenClaw: 48 h).
pub const DEFAULT_TIMEOUT_SECS: u64 = 172_800;
/// Default LLM idle timeout when no run timeout is configured (OpenClaw: 120 s).
pub const DEFAULT_IDLE_TIMEOUT_SECS: u64 = 120;

/// Errors found while loading or validating configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config {path}: {source}")]
    Read {
        /// File path.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// JSON5 syntax error.
    #[error("{path}: {message}")]
    Syntax {
        /// File path.
        path: PathBuf,
        /// Parser message (includes line and column).
        message: String,
    },
    /// A key or value that does not fit the schema.
    #[error("{path}{line}: {key}: {message}", line = line.map(|l| format!(":{l}")).unwrap_or_default())]
    Invalid {
        /// File path (or `<defaults>`).
        path: PathBuf,
        /// Dotted key path.
        key: String,
        /// 1-based line where the key was found.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// `${NAME}` referenced a variable that is not set.
    #[error("environment variable {name} is not set (referenced by {key})")]
    MissingEnv {
        /// Variable name.
        name: String,
        /// Key whose value referenced it.
        key: String,
    },
}

/// A secret string whose `Debug`/`Display` never reveal it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The secret value; call only where it is sent or compared.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How HTTP and WebSocket callers authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// No authentication (loopback binds only).
    None,
    /// `Authorization: Bearer <token>`.
    Token,
    /// Password (Bearer, Basic or `X-OpenClaw-Password`).
    Password,
}

impl AuthMode {
    /// OpenClaw's name for the mode.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMode::None => "none",
            AuthMode::Token => "token",
            AuthMode::Password => "password",
        }
    }
}

/// Failed-authentication limiter settings.
#[derive(Debug, Clone)]
pub struct RateLimitConfig {
    /// Failures allowed per window.
    pub max_attempts: u32,
    /// Window length.
    pub window: Duration,
    /// Lockout after the budget is spent.
    pub lockout: Duration,
    /// Loopback clients are exempt.
    pub exempt_loopback: bool,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            max_attempts: 10,
            window: Duration::from_secs(60),
            lockout: Duration::from_secs(300),
            exempt_loopback: true,
        }
    }
}

/// Authentication settings after resolution (config > env; CLI overrides win).
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Selected mode.
    pub mode: AuthMode,
    /// Token (token mode). `None` before start-up generates one.
    pub token: Option<Secret>,
    /// Password (password mode).
    pub password: Option<Secret>,
    /// Failed-auth limiter.
    pub rate_limit: RateLimitConfig,
}

/// `gateway.http.endpoints.*` switches.
#[derive(Debug, Clone)]
pub struct EndpointConfig {
    /// Whether the endpoint is served.
    pub enabled: bool,
    /// Body limit in bytes.
    pub max_body_bytes: usize,
}

/// Which upstream wire protocol a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderApi {
    /// OpenAI Chat Completions (OpenAI, DeepSeek, Qwen, OpenRouter, Ollama, vLLM, llama.cpp).
    OpenAiCompletions,
    /// Anthropic Messages.
    AnthropicMessages,
}

/// One configured model provider.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    /// Provider id (the part before `/` in a model ref).
    pub id: String,
    /// Base URL including the version path.
    pub base_url: String,
    /// API key, if any.
    pub api_key: Option<Secret>,
    /// Wire protocol.
    pub api: ProviderApi,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Models served (ids).
    pub models: Vec<ModelInfo>,
}

/// A model a provider serves.
#[derive(Debug, Clone)]
pub struct ModelInfo {
    /// Upstream id.
    pub id: String,
    /// Accepts image input.
    pub images: bool,
    /// Supports reasoning / thinking parameters.
    pub reasoning: bool,
    /// Max output tokens to request (Anthropic requires one).
    pub max_tokens: Option<u64>,
}

/// A model reference `provider/model`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelRef {
    /// Provider id.
    pub provider: String,
    /// Model id at that provider (may itself contain `/`).
    pub model: String,
}

impl ModelRef {
    /// Parses `provider/model`; both parts must be non-empty.
    pub fn parse(s: &str) -> Option<ModelRef> {
        let (p, m) = s.trim().split_once('/')?;
        if p.is_empty() || m.is_empty() {
            return None;
        }
        Some(ModelRef {
            provider: p.to_string(),
            model: m.to_string(),
        })
    }
}

impl fmt::Display for ModelRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.provider, self.model)
    }
}

/// Primary model plus fallbacks.
#[derive(Debug, Clone, Default)]
pub struct ModelChoice {
    /// First choice.
    pub primary: Option<ModelRef>,
    /// Tried in order when the one before fails before its first byte.
    pub fallbacks: Vec<ModelRef>,
}

/// Which tools an agent may use.
#[derive(Debug, Clone, Default)]
pub struct ToolPolicy {
    /// When set, only these names.
    pub allow: Option<Vec<String>>,
    /// Never these names.
    pub deny: Vec<String>,
}

impl ToolPolicy {
    /// Whether `name` passes this policy.
    pub fn permits(&self, name: &str) -> bool {
        if self.deny.iter().any(|d| d == name || d == "*") {
            return false;
        }
        match &self.allow {
            Some(list) => list.iter().any(|a| a == name || a == "*"),
            None => true,
        }
    }

    fn from_raw(raw: &RawToolPolicy) -> ToolPolicy {
        let mut allow = match raw.profile.as_deref() {
            Some("minimal") => Some(vec!["session_status".to_string()]),
            Some("messaging") => Some(
                ["sessions_list", "sessions_history", "session_status"]
                    .map(String::from)
                    .to_vec(),
            ),
            _ => None,
        };
        if let Some(a) = &raw.allow {
            allow = Some(a.clone());
        }
        if let (Some(list), Some(also)) = (allow.as_mut(), &raw.also_allow) {
            list.extend(also.iter().cloned());
        }
        ToolPolicy {
            allow,
            deny: raw.deny.clone().unwrap_or_default(),
        }
    }
}

/// One agent.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// Normalised id.
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// Workspace directory with bootstrap files.
    pub workspace: PathBuf,
    /// Model (falls back to the defaults').
    pub model: ModelChoice,
    /// Default thinking level.
    pub thinking: Option<ThinkingLevel>,
    /// Extra system prompt text.
    pub system_prompt: Option<String>,
    /// Tool policy (global policy applied too).
    pub tools: ToolPolicy,
}

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from, if any.
    pub path: Option<PathBuf>,
    /// State directory (SQLite store, generated token).
    pub state_dir: PathBuf,
    /// Listen port.
    pub port: u16,
    /// Listen addresses.
    pub bind: Vec<IpAddr>,
    /// Authentication.
    pub auth: AuthConfig,
    /// `/v1/chat/completions`.
    pub chat_completions: EndpointConfig,
    /// `/v1/responses`.
    pub responses: EndpointConfig,
    /// Raw `gateway.http.endpoints.responses` (files/images policy), for the responses module.
    pub responses_raw: Option<Value>,
    /// `Strict-Transport-Security` value.
    pub hsts: Option<String>,
    /// Raw `gateway.controlUi` (browser origin policy).
    pub control_ui: Option<Value>,
    /// Providers by id.
    pub providers: BTreeMap<String, ProviderConfig>,
    /// Probe Ollama on 127.0.0.1:11434 at start-up (no provider configured or detected).
    pub probe_ollama: bool,
    /// Agents; never empty.
    pub agents: Vec<AgentConfig>,
    /// Default agent id.
    pub default_agent: String,
    /// Default model for agents without their own.
    pub default_model: ModelChoice,
    /// Allowed backend models (`agents.defaults.models` keys); `None` = any configured.
    pub allowed_models: Option<Vec<String>>,
    /// Whole-run timeout.
    pub run_timeout: Duration,
    /// LLM idle timeout (`None` disables).
    pub idle_timeout: Option<Duration>,
    /// Max agent turns running at once (0 = unlimited).
    pub max_concurrent: usize,
    /// `session.mainKey`.
    pub main_key: String,
    /// `session.scope: "global"`.
    pub global_scope: bool,
    /// Global tool policy.
    pub tools: ToolPolicy,
}

/// Values given on the command line or by the environment that override the file.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `--port` (wins over `OPENCLAW_GATEWAY_PORT`).
    pub port: Option<u16>,
    /// `--bind`.
    pub bind: Option<String>,
    /// `--auth`.
    pub auth: Option<String>,
    /// `--token`.
    pub token: Option<String>,
    /// `--password`.
    pub password: Option<String>,
    /// `--state-dir` / `CLAWGATE_STATE_DIR`.
    pub state_dir: Option<PathBuf>,
}

/// Default state directory: `$CLAWGATE_STATE_DIR`, else `~/.clawgate`.
pub fn default_state_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("CLAWGATE_STATE_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".clawgate")
}

/// Loads configuration from `path` (or `<state dir>/clawgate.json5` when it exists; or
/// nothing) and applies `overrides`.
pub fn load(path: Option<&Path>, overrides: &Overrides) -> Result<Config, ConfigError> {
    let state_dir = overrides
        .state_dir
        .clone()
        .unwrap_or_else(default_state_dir);
    let candidate = match path {
        Some(p) => Some(p.to_path_buf()),
        None => std::env::var_os("CLAWGATE_CONFIG")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                let p = state_dir.join("clawgate.json5");
                p.exists().then_some(p)
            }),
    };
    let (raw, source, file) = match candidate {
        Some(p) => {
            let text = std::fs::read_to_string(&p).map_err(|source| ConfigError::Read {
                path: p.clone(),
                source,
            })?;
            let raw = parse_raw(&text, &p)?;
            (raw, text, Some(p))
        }
        None => (RawConfig::default(), String::new(), None),
    };
    build(raw, &source, file, state_dir, overrides)
}

/// Parses JSON5 text into the raw shape, with `${ENV}` applied.
pub fn parse_raw(text: &str, path: &Path) -> Result<RawConfig, ConfigError> {
    let mut value: Value = json5::from_str(text).map_err(|e| ConfigError::Syntax {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let overlay: BTreeMap<String, String> = value
        .get("env")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| match v {
                    Value::String(s) => Some((k.clone(), s.clone())),
                    Value::Number(n) => Some((k.clone(), n.to_string())),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    env::substitute(&mut value, &overlay, "")?;
    serde_path_to_error::deserialize::<_, RawConfig>(value).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.into_inner().to_string();
        // serde names the unknown field in the message; point at it rather than its parent.
        let full_key = match unknown_field_name(&inner) {
            Some(field) if key == "." || key.is_empty() => field.to_string(),
            Some(field) => format!("{key}.{field}"),
            None => key,
        };
        ConfigError::Invalid {
            path: path.to_path_buf(),
            line: env::line_of(text, &full_key),
            key: full_key,
            message: inner,
        }
    })
}

fn unknown_field_name(msg: &str) -> Option<&str> {
    let rest = msg.strip_prefix("unknown field `")?;
    rest.split('`').next()
}

fn invalid(
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

/// Normalises an agent id (`^[a-z0-9][a-z0-9_-]{0,63}$`); `None` when it cannot be.
pub fn normalize_agent_id(id: &str) -> Option<String> {
    let id = id.trim().to_ascii_lowercase();
    let ok = !id.is_empty()
        && id.len() <= 64
        && id.as_bytes()[0].is_ascii_alphanumeric()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    ok.then_some(id)
}

fn model_choice(
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

fn build(
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
    // Port: CLI > OPENCLAW_GATEWAY_PORT (also host:port) > file > default.
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
            &file,
            source,
            "gateway.bind",
            format!(
                "unknown bind `{bind_spec}` (use loopback, lan, custom, auto or an IP address)"
            ),
        )
    })?;

    // Auth: file first, then env; CLI overrides win.
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
                &file,
                source,
                "gateway.auth.mode",
                format!("unsupported auth mode `{other}` (use none, token or password)"),
            ))
        }
        None => match (&token, &password) {
            (Some(_), Some(_)) if ov.token.is_none() && ov.password.is_none() => {
                return Err(invalid(
                    &file,
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
            &file,
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
        return Err(invalid(&file, source, "gateway.auth.mode", format!(
            "refusing to bind gateway to {}:{port} without auth (set gateway.auth.mode to token or password)",
            bind.first().map(|i| i.to_string()).unwrap_or_default()
        )));
    }

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

    // Providers.
    let mut providers = BTreeMap::new();
    for (id, p) in &raw.models.providers {
        let key = format!("models.providers.{id}");
        let api = match p.api.as_deref() {
            None | Some("openai-completions") | Some("openai") => ProviderApi::OpenAiCompletions,
            Some("anthropic-messages") | Some("anthropic") => ProviderApi::AnthropicMessages,
            Some(other) => {
                return Err(invalid(
                    &file,
                    source,
                    &format!("{key}.api"),
                    format!(
                        "unsupported api `{other}` (use openai-completions or anthropic-messages)"
                    ),
                ))
            }
        };
        let base_url = match &p.base_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => match (id.as_str(), api) {
                ("openai", _) => "https://api.openai.com/v1".into(),
                ("anthropic", _) | (_, ProviderApi::AnthropicMessages) => {
                    "https://api.anthropic.com/v1".into()
                }
                ("ollama", _) => "http://127.0.0.1:11434/v1".into(),
                _ => {
                    return Err(invalid(
                        &file,
                        source,
                        &format!("{key}.baseUrl"),
                        "baseUrl is required",
                    ))
                }
            },
        };
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(invalid(
                &file,
                source,
                &format!("{key}.baseUrl"),
                "baseUrl must start with http:// or https://",
            ));
        }
        let api_key = p
            .api_key
            .clone()
            .or_else(|| match id.as_str() {
                "openai" => std::env::var("OPENAI_API_KEY").ok(),
                "anthropic" => std::env::var("ANTHROPIC_API_KEY").ok(),
                _ => None,
            })
            .filter(|k| !k.is_empty())
            .map(Secret::new);
        let models = p
            .models
            .iter()
            .map(|m| ModelInfo {
                id: m.id.clone(),
                images: m
                    .input
                    .as_ref()
                    .is_some_and(|i| i.iter().any(|x| x == "image")),
                reasoning: m.reasoning.unwrap_or(false),
                max_tokens: m.max_tokens,
            })
            .collect();
        providers.insert(
            id.clone(),
            ProviderConfig {
                id: id.clone(),
                base_url,
                api_key,
                api,
                headers: p
                    .headers
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                models,
            },
        );
    }

    let d = &raw.agents.defaults;
    let mut default_model = model_choice(&d.model, &file, source, "agents.defaults.model")?;
    let mut probe_ollama = false;
    if providers.is_empty() {
        detect_providers(&mut providers, &mut default_model);
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
    let thinking_of = |s: &Option<String>,
                       key: &str|
     -> Result<Option<ThinkingLevel>, ConfigError> {
        s.as_deref()
            .map(|t| {
                ThinkingLevel::parse(t).ok_or_else(|| {
                    invalid(
                        &file,
                        source,
                        key,
                        format!("unknown thinking level `{t}` (off, minimal, low, medium, high)"),
                    )
                })
            })
            .transpose()
    };
    let default_thinking = thinking_of(&d.thinking_default, "agents.defaults.thinkingDefault")?;
    let default_workspace = d
        .workspace
        .as_deref()
        .map(expand_home)
        .unwrap_or_else(|| state_dir.join("workspace"));
    let global_tools = ToolPolicy::from_raw(&raw.tools);

    let mut agents = Vec::new();
    let mut default_agent = None;
    for (i, a) in raw.agents.list.iter().enumerate() {
        let key = format!("agents.list[{i}]");
        let id = normalize_agent_id(&a.id).ok_or_else(|| {
            invalid(
                &file,
                source,
                &format!("{key}.id"),
                format!("invalid agent id `{}`", a.id),
            )
        })?;
        if agents.iter().any(|x: &AgentConfig| x.id == id) {
            return Err(invalid(
                &file,
                source,
                &format!("{key}.id"),
                format!("duplicate agent id `{id}`"),
            ));
        }
        if a.default == Some(true) && default_agent.is_none() {
            default_agent = Some(id.clone());
        }
        let mut tools = a
            .tools
            .as_ref()
            .map(ToolPolicy::from_raw)
            .unwrap_or_default();
        tools.deny.extend(global_tools.deny.iter().cloned());
        if tools.allow.is_none() {
            tools.allow = global_tools.allow.clone();
        }
        agents.push(AgentConfig {
            model: model_choice(&a.model, &file, source, &format!("{key}.model"))?,
            thinking: thinking_of(&a.thinking_default, &format!("{key}.thinkingDefault"))?
                .or(default_thinking),
            system_prompt: a.system_prompt.clone().or_else(|| d.system_prompt.clone()),
            workspace: a
                .workspace
                .as_deref()
                .map(expand_home)
                .unwrap_or_else(|| default_workspace.clone()),
            name: a.name.clone(),
            id,
            tools,
        });
    }
    if agents.is_empty() {
        agents.push(AgentConfig {
            id: DEFAULT_AGENT.into(),
            name: None,
            workspace: default_workspace,
            model: ModelChoice::default(),
            thinking: default_thinking,
            system_prompt: d.system_prompt.clone(),
            tools: global_tools.clone(),
        });
    }
    let default_agent = default_agent.unwrap_or_else(|| agents[0].id.clone());

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
    let main_key = raw
        .session
        .main_key
        .clone()
        .map(|k| k.trim().to_ascii_lowercase())
        .filter(|k| !k.is_empty())
        .unwrap_or_else(|| "main".into());

    Ok(Config {
        path: file,
        state_dir,
        port,
        bind,
        auth: AuthConfig {
            mode,
            token,
            password,
            rate_limit,
        },
        chat_completions,
        responses,
        responses_raw,
        hsts: g
            .http
            .security_headers
            .as_ref()
            .and_then(|h| h.strict_transport_security.clone())
            .filter(|s| !s.trim().is_empty()),
        control_ui: g.control_ui.clone(),
        providers,
        probe_ollama,
        agents,
        default_agent,
        default_model,
        allowed_models: d.models.as_ref().map(|m| m.keys().cloned().collect()),
        run_timeout,
        idle_timeout,
        max_concurrent: d.max_concurrent.unwrap_or(0),
        main_key,
        global_scope: raw.session.scope.as_deref() == Some("global"),
        tools: global_tools,
    })
}

fn expand_home(p: &str) -> PathBuf {
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

/// With no providers configured, picks them up from well-known environment variables.
fn detect_providers(
    providers: &mut BTreeMap<String, ProviderConfig>,
    default_model: &mut ModelChoice,
) {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    if let Some(key) = env("OPENAI_API_KEY") {
        let model = env("OPENAI_MODEL").unwrap_or_else(|| "gpt-4o-mini".into());
        providers.insert(
            "openai".into(),
            ProviderConfig {
                id: "openai".into(),
                base_url: env("OPENAI_BASE_URL")
                    .unwrap_or_else(|| "https://api.openai.com/v1".into())
                    .trim_end_matches('/')
                    .into(),
                api_key: Some(Secret::new(key)),
                api: ProviderApi::OpenAiCompletions,
                headers: vec![],
                models: vec![ModelInfo {
                    id: model.clone(),
                    images: true,
                    reasoning: false,
                    max_tokens: None,
                }],
            },
        );
        if default_model.primary.is_none() {
            default_model.primary = Some(ModelRef {
                provider: "openai".into(),
                model,
            });
        }
    }
    if let Some(key) = env("ANTHROPIC_API_KEY") {
        let model = env("ANTHROPIC_MODEL").unwrap_or_else(|| "claude-sonnet-4-5".into());
        providers.insert(
            "anthropic".into(),
            ProviderConfig {
                id: "anthropic".into(),
                base_url: env("ANTHROPIC_BASE_URL")
                    .unwrap_or_else(|| "https://api.anthropic.com/v1".into())
                    .trim_end_matches('/')
                    .into(),
                api_key: Some(Secret::new(key)),
                api: ProviderApi::AnthropicMessages,
                headers: vec![],
                models: vec![ModelInfo {
                    id: model.clone(),
                    images: true,
                    reasoning: true,
                    max_tokens: None,
                }],
            },
        );
        if default_model.primary.is_none() {
            default_model.primary = Some(ModelRef {
                provider: "anthropic".into(),
                model,
            });
        }
    }
}

impl Config {
    /// The agent with `id`, if configured.
    pub fn agent(&self, id: &str) -> Option<&AgentConfig> {
        self.agents.iter().find(|a| a.id == id)
    }

    /// The main session key of an agent (`agent:<id>:<mainKey>`, or `global`).
    pub fn main_session_key(&self, agent_id: &str) -> String {
        if self.global_scope {
            "global".into()
        } else {
            format!("agent:{agent_id}:{}", self.main_key)
        }
    }

    /// The model choice for an agent (its own, else the defaults').
    pub fn model_for(&self, agent: &AgentConfig) -> ModelChoice {
        if agent.model.primary.is_some() {
            agent.model.clone()
        } else {
            self.default_model.clone()
        }
    }

    /// Resolves an `x-openclaw-model` override for an agent: `Ok(None)` when not allowed,
    /// `Err(())` when the value cannot be a model reference at all.
    #[expect(
        clippy::result_unit_err,
        reason = "callers map the unit error to their own message"
    )]
    pub fn resolve_model_override(
        &self,
        agent: &AgentConfig,
        raw: &str,
    ) -> Result<Option<ModelRef>, ()> {
        let raw = raw.trim();
        if raw.is_empty() || raw.ends_with('/') || raw.starts_with('/') {
            return Err(());
        }
        let mut allowed: Vec<ModelRef> = match &self.allowed_models {
            Some(list) => list.iter().filter_map(|s| ModelRef::parse(s)).collect(),
            None => self
                .providers
                .values()
                .flat_map(|p| {
                    p.models.iter().map(|m| ModelRef {
                        provider: p.id.clone(),
                        model: m.id.clone(),
                    })
                })
                .collect(),
        };
        let choice = self.model_for(agent);
        allowed.extend(choice.primary.into_iter().chain(choice.fallbacks));
        if let Some(r) = ModelRef::parse(raw) {
            if allowed.contains(&r) {
                return Ok(Some(r));
            }
            // A bare id that itself contains '/' (OpenRouter style).
            return Ok(allowed.into_iter().find(|a| a.model == raw));
        }
        Ok(allowed.into_iter().find(|a| a.model == raw))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_str(text: &str) -> Result<Config, ConfigError> {
        let raw = parse_raw(text, Path::new("test.json5"))?;
        build(
            raw,
            text,
            Some("test.json5".into()),
            PathBuf::from("/tmp/cg"),
            &Overrides::default(),
        )
    }

    #[test]
    fn unknown_keys_are_named_with_their_line() {
        let err = load_str("{\n  gateway: {\n    auth: {\n      tokn: 'x',\n    },\n  },\n}")
            .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("gateway.auth.tokn"), "{msg}");
        assert!(msg.contains("test.json5:4"), "{msg}");
    }

    #[test]
    fn mistyped_values_are_named() {
        let err = load_str("{ gateway: { port: 'eighty' } }")
            .unwrap_err()
            .to_string();
        assert!(err.contains("gateway.port"), "{err}");
    }

    #[test]
    fn openclaw_sections_are_accepted() {
        let cfg = load_str(
            "{ gateway: { port: 1234, tailscale: { mode: 'off' } }, channels: { telegram: {} }, agents: { defaults: { heartbeat: { every: '30m' } }, list: [{ id: 'Main', default: true }, { id: 'beta' }] } }",
        )
        .unwrap();
        assert_eq!(cfg.port, 1234);
        assert_eq!(cfg.default_agent, "main");
        assert_eq!(cfg.agents.len(), 2);
    }

    #[test]
    fn no_auth_on_a_public_bind_is_refused() {
        let err = load_str("{ gateway: { bind: 'lan', auth: { mode: 'none' } } }")
            .unwrap_err()
            .to_string();
        assert!(err.contains("refusing to bind"), "{err}");
    }

    #[test]
    fn model_refs_split_at_the_first_slash() {
        let r = ModelRef::parse("openrouter/anthropic/claude").unwrap();
        assert_eq!(r.provider, "openrouter");
        assert_eq!(r.model, "anthropic/claude");
        assert!(ModelRef::parse("openai/").is_none());
    }
}
