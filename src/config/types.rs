//! Validated configuration types: what the rest of the gateway sees.

use super::raw_agents::RawToolPolicy;
use crate::providers::types::ThinkingLevel;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
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

/// WebSocket RPC limits (`gateway.ws`; `OPENCLAW_HANDSHAKE_TIMEOUT_MS` overrides the handshake
/// timeout).
#[derive(Debug, Clone)]
pub struct WsConfig {
    /// Time allowed between the upgrade and a successful `connect`.
    pub handshake_timeout: Duration,
    /// Bytes queued for one client before it is closed as a slow consumer.
    pub max_buffered_bytes: usize,
    /// `tick` keepalive interval.
    pub tick_interval: Duration,
    /// Sockets one address may hold before they authenticate.
    pub max_unauthenticated_per_address: usize,
}

/// `gateway.tls`: PEM files served over rustls, reloaded when they change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsConfig {
    /// Certificate chain.
    pub cert_path: std::path::PathBuf,
    /// Private key.
    pub key_path: std::path::PathBuf,
}

impl Default for WsConfig {
    fn default() -> Self {
        WsConfig {
            handshake_timeout: Duration::from_millis(10_000),
            max_buffered_bytes: 52_428_800,
            tick_interval: Duration::from_millis(15_000),
            max_unauthenticated_per_address: 128,
        }
    }
}

/// One route family's request limits (per credential); `0`/`None` turns one limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FamilyLimits {
    /// Requests per minute.
    pub rate_per_minute: u32,
    /// Requests in flight at once.
    pub max_concurrent: u32,
    /// Largest declared body (`Content-Length`) accepted.
    pub max_body_bytes: Option<u64>,
    /// Longest time until the response starts (a stream's body is not cut).
    pub timeout: Option<std::time::Duration>,
    /// Whose counters a request spends: the seeds' families left at the defaults share one
    /// budget per credential (`seed`), as seed 003 describes; a family configured with its
    /// own limits counts alone (its name).
    pub budget: &'static str,
}

impl FamilyLimits {
    /// Seed 003's limits: 100 requests a minute, 10 at once, 10 MB bodies, 300 s.
    pub const SEED: FamilyLimits = FamilyLimits {
        rate_per_minute: 100,
        max_concurrent: 10,
        max_body_bytes: Some(10 * 1024 * 1024),
        timeout: Some(std::time::Duration::from_secs(300)),
        budget: "seed",
    };
}

/// The route families `gateway.http.limits` configures: the seeds' families (limited by
/// default) and the opt-in ones.
pub const LIMIT_FAMILIES: &[(&str, bool)] = &[
    ("api_v1", true),
    ("agent", true),
    ("sessions", true),
    ("channels", true),
    ("browser", true),
    ("openai", false),
    ("tools_invoke", false),
    ("hooks", false),
];

/// Request limits by route family (`gateway.http.limits`); a family absent here is not limited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpLimits {
    /// Family name → its limits.
    pub families: std::collections::BTreeMap<&'static str, FamilyLimits>,
}

impl HttpLimits {
    /// The limits of `family`, if it is limited.
    pub fn family(&self, family: &str) -> Option<&FamilyLimits> {
        self.families.get(family)
    }
}

impl Default for HttpLimits {
    /// Seed 003's limits on the seeds' families; the others unlimited.
    fn default() -> Self {
        HttpLimits {
            families: LIMIT_FAMILIES
                .iter()
                .filter(|(_, seed)| *seed)
                .map(|(f, _)| (*f, FamilyLimits::SEED))
                .collect(),
        }
    }
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

impl ProviderApi {
    /// The config name (`openai-completions`, `anthropic-messages`).
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderApi::OpenAiCompletions => "openai-completions",
            ProviderApi::AnthropicMessages => "anthropic-messages",
        }
    }
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
    /// Display name (`name`), when configured.
    pub name: Option<String>,
    /// Accepts image input.
    pub images: bool,
    /// Supports reasoning / thinking parameters.
    pub reasoning: bool,
    /// Max output tokens to request (Anthropic requires one).
    pub max_tokens: Option<u64>,
    /// Context window in tokens, when configured (`contextWindow`).
    pub context_window: Option<u64>,
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

/// One `tools` block as configured (the global `tools` or an agent's `tools`): names and
/// `group:*` entries as written; `crate::tools::policy` expands and applies them.
#[derive(Debug, Clone, Default)]
pub struct ToolRules {
    /// `minimal` | `coding` | `messaging` | `full`.
    pub profile: Option<String>,
    /// When set (and non-empty), only these tools.
    pub allow: Option<Vec<String>>,
    /// Added to the profile's (or `allow`'s) set.
    pub also_allow: Vec<String>,
    /// Never these tools (wins over every allow).
    pub deny: Vec<String>,
    /// `byProvider`: rules for a provider or `provider/model` key (lower-cased), applied
    /// after these when a turn runs on a matching model.
    pub by_provider: Vec<(String, ToolRules)>,
}

impl ToolRules {
    pub(super) fn from_raw(raw: &RawToolPolicy) -> ToolRules {
        ToolRules {
            profile: raw.profile.clone(),
            allow: raw.allow.clone(),
            also_allow: raw.also_allow.clone().unwrap_or_default(),
            deny: raw.deny.clone().unwrap_or_default(),
            by_provider: raw
                .by_provider
                .iter()
                .flatten()
                .map(|(k, r)| (k.trim().to_ascii_lowercase(), ToolRules::from_raw(r)))
                .collect(),
        }
    }

    /// The `byProvider` rules for `model`: its `provider/model` key, else its provider's.
    pub fn for_model(&self, model: &ModelRef) -> Option<&ToolRules> {
        let full = model.to_string().to_ascii_lowercase();
        let provider = model.provider.to_ascii_lowercase();
        let find = |key: &str| self.by_provider.iter().find(|(k, _)| k == key);
        find(&full).or_else(|| find(&provider)).map(|(_, r)| r)
    }
}

/// Which tools an agent may use: the global `tools` block, then the agent's own; both apply
/// (see `crate::tools::policy` for the resolution).
#[derive(Debug, Clone, Default)]
pub struct ToolPolicy {
    /// The top-level `tools` block.
    pub global: ToolRules,
    /// `agents.list[].tools` (or `agents.entries.<id>.tools`).
    pub agent: ToolRules,
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
    /// Tool policy (the global block and the agent's own).
    pub tools: ToolPolicy,
    /// `sessions_spawn` limits (`subagents`, over `agents.defaults.subagents`).
    pub subagents: super::SubagentPolicy,
}

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// OpenClaw keys the file sets that clawgate accepts but ignores (warned about once).
    pub ignored_keys: Vec<String>,
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
    /// Limits of the seeds' REST families.
    pub http_limits: HttpLimits,
    /// `gateway.metrics.allowUnauthenticatedLoopback`: a loopback peer may scrape `/metrics`
    /// without the gateway token.
    pub metrics_loopback_scrape: bool,
    /// Origins allowed to call the HTTP API from a browser page (`*` = any).
    pub cors_origins: Vec<String>,
    /// `/v1/responses`.
    pub responses: EndpointConfig,
    /// Raw `gateway.http.endpoints.responses` (files/images policy), for the responses module.
    pub responses_raw: Option<Value>,
    /// `Strict-Transport-Security` value.
    pub hsts: Option<String>,
    /// Raw `gateway.controlUi` (browser origin policy).
    pub control_ui: Option<Value>,
    /// `gateway.controlUi.enabled` (default true): serve the web UI ([`crate::http::control_ui`]).
    pub control_ui_enabled: bool,
    /// `gateway.controlUi.basePath` normalised: `""` for the root, else `/seg…` without a
    /// trailing slash.
    pub control_ui_base_path: String,
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
    /// `agents.defaults.llm.maxReplyBytes`: the cap on one model reply.
    pub max_reply_bytes: usize,
    /// Max agent turns running at once (0 = unlimited).
    pub max_concurrent: usize,
    /// `agents.defaults.contextTokens`: history budget per model call, in tokens.
    pub context_tokens: Option<u64>,
    /// `session.mainKey`.
    pub main_key: String,
    /// `session.scope: "global"`.
    pub global_scope: bool,
    /// Global tool policy.
    pub tools: ToolPolicy,
    /// WebSocket RPC limits.
    pub ws: WsConfig,
    /// `gateway.tls`: HTTPS/WSS certificate and key (`None`: plain HTTP).
    pub tls: Option<TlsConfig>,
    /// `gateway.audit.retentionDays` (0 = forever).
    pub audit_retention_days: u64,
    /// `gateway.shutdownGraceSeconds`: how long shutdown lets turns finish before aborting them.
    pub shutdown_grace: Duration,
    /// Raw `gateway.tools` (`allow`/`deny` for `/tools/invoke`).
    pub gateway_tools: Option<Value>,
    /// `tools.web.search` (`None`: `web_search` is off).
    pub web_search: Option<super::WebSearchConfig>,
    /// `tools.exec` (global and per agent): the shell tools' security and limits.
    pub exec: super::ExecSettings,
    /// Chat channels, DM scoping, inbound queue mode.
    pub channels: super::ChannelsConfig,
    /// HTTP webhooks (`hooks.*`).
    pub hooks: super::HooksConfig,
    /// The cron scheduler (`cron.*`).
    pub cron: super::CronConfig,
    /// The periodic heartbeat (`agents.defaults.heartbeat`; `None` = off).
    pub heartbeat: Option<super::heartbeat::HeartbeatConfig>,
    /// Skills: folders, limits, per-skill entries, per-agent allowlists (`skills.*`).
    pub skills: super::SkillsConfig,
    /// Memory search (`memory.search`, per agent too).
    pub memory: super::MemoryConfig,
    /// The store backend (`storage.*`).
    pub storage: super::StorageConfig,
    /// Node id and lease lifetime (`cluster.*`).
    pub cluster: super::ClusterConfig,
    /// The bus between nodes (`cluster.bus`; `None`: no bus, one node per session store).
    pub cluster_bus: Option<super::cluster::BusConfig>,
    /// Browser control (`browser.*`; off unless configured).
    pub browser: super::BrowserConfig,
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
            crate::core::SessionKey::main(agent_id, &self.main_key).into_string()
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
