//! The configuration file's shape, exactly as written on disk (JSON5, OpenClaw key names).
//!
//! Every struct denies unknown fields so a typo is reported with its path. Sections of an
//! `openclaw.json` that clawgate does not implement yet are accepted as opaque values (see
//! [`RawConfig`]) so an OpenClaw config can be read as it is. Nothing outside `config/` sees
//! these types: [`super::Config`] is built from them once, validated.

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Top-level configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawConfig {
    /// JSON schema reference some editors add.
    #[serde(rename = "$schema")]
    pub schema: Option<String>,
    /// Gateway server settings.
    #[serde(default)]
    pub gateway: RawGateway,
    /// Model providers.
    #[serde(default)]
    pub models: super::raw_agents::RawModels,
    /// Agents and their defaults.
    #[serde(default)]
    pub agents: super::raw_agents::RawAgents,
    /// Session naming.
    #[serde(default)]
    pub session: super::raw_agents::RawSession,
    /// Global tool policy.
    #[serde(default)]
    pub tools: super::raw_agents::RawToolPolicy,
    /// Inline environment defaults (only fill variables that are not already set).
    #[serde(default)]
    pub env: BTreeMap<String, Value>,
    /// HTTP webhooks (`/hooks/*`).
    pub hooks: Option<super::raw_automation::RawHooks>,
    /// The cron scheduler.
    pub cron: Option<super::raw_automation::RawCron>,
    /// Chat channels (Telegram, Slack, Discord, webhook; others accepted and ignored).
    pub channels: Option<super::raw_channels::RawChannels>,
    /// See `hooks`.
    pub meta: Option<Value>,
    /// See `hooks`.
    pub wizard: Option<Value>,
    /// See `hooks`.
    pub logging: Option<Value>,
    /// See `hooks`.
    pub update: Option<Value>,
    /// Browser control (`config::browser`).
    pub browser: Option<super::raw_browser::RawBrowser>,
    /// See `hooks`.
    pub ui: Option<Value>,
    /// See `hooks`.
    pub auth: Option<Value>,
    /// See `hooks`.
    pub bindings: Option<Value>,
    /// See `hooks`.
    pub messages: Option<Value>,
    /// See `hooks`.
    pub commands: Option<Value>,
    /// See `hooks`.
    pub approvals: Option<Value>,
    /// See `hooks`.
    pub web: Option<Value>,
    /// See `hooks`.
    pub discovery: Option<Value>,
    /// See `hooks`.
    pub canvas_host: Option<Value>,
    /// See `hooks`.
    pub talk: Option<Value>,
    /// Skills: folders, limits, per-skill entries.
    pub skills: Option<super::raw_skills::RawSkills>,
    /// See `hooks`.
    pub plugins: Option<Value>,
    /// See `hooks`.
    pub secrets: Option<Value>,
    /// `memory.search`: the memory index (see `crate::config::MemoryConfig`).
    pub memory: Option<Value>,
    /// `storage`: the store backend (see `crate::config::StorageConfig`).
    pub storage: Option<super::storage::RawStorage>,
    /// `cluster`: node id, lease lifetime and the bus (see `crate::config::ClusterConfig`).
    pub cluster: Option<super::cluster::RawCluster>,
    /// See `hooks`.
    pub diagnostics: Option<Value>,
    /// See `hooks`.
    pub audio: Option<Value>,
    /// See `hooks`.
    pub broadcast: Option<Value>,
    /// See `hooks`.
    pub identity: Option<Value>,
    /// See `hooks`.
    pub routing: Option<Value>,
    /// See `hooks` (clawgate sends no telemetry).
    pub telemetry: Option<Value>,
    /// See `hooks`.
    pub acp: Option<Value>,
    /// See `hooks`.
    pub node_host: Option<Value>,
}

/// `gateway.*`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawGateway {
    /// `local` (default) or `remote` (client-side only; refused by `gateway run`).
    pub mode: Option<String>,
    /// TCP port (default 18789).
    pub port: Option<u16>,
    /// `loopback` | `lan` | `custom` | `auto` | `tailnet`, or a literal IP address.
    pub bind: Option<String>,
    /// Address used with `bind: "custom"`.
    pub custom_bind_host: Option<String>,
    /// Authentication.
    #[serde(default)]
    pub auth: RawAuth,
    /// Prometheus scrape options (clawgate-specific).
    pub metrics: Option<RawMetrics>,
    /// HTTP endpoint switches and limits.
    #[serde(default)]
    pub http: RawHttp,
    /// Browser-origin policy for WebSocket upgrades.
    pub control_ui: Option<Value>,
    /// Proxies whose `X-Forwarded-For` is trusted.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
    /// Use `X-Real-IP` when no forwarded-for hop is usable.
    pub allow_real_ip_fallback: Option<bool>,
    /// `/tools/invoke` allow/deny overrides.
    pub tools: Option<Value>,
    /// HTTPS/WSS with rustls: `{certPath, keyPath}` (PEM; reloaded when the files change).
    pub tls: Option<RawTls>,
    /// The audit log (clawgate-specific): `{retentionDays}`.
    pub audit: Option<RawAudit>,
    /// Accepted for OpenClaw compatibility; not implemented.
    pub reload: Option<Value>,
    /// Accepted for OpenClaw compatibility; not implemented.
    pub tailscale: Option<Value>,
    /// Client-side remote gateway settings (used by the CLI).
    pub remote: Option<Value>,
    /// Accepted for OpenClaw compatibility; not implemented.
    pub webchat: Option<Value>,
    /// Accepted for OpenClaw compatibility; not implemented.
    pub push: Option<Value>,
    /// Accepted for OpenClaw compatibility; not implemented.
    pub nodes: Option<Value>,
    /// Accepted for OpenClaw compatibility; not implemented.
    pub channel_health_check_minutes: Option<Value>,
    /// Accepted for OpenClaw compatibility; not implemented.
    pub channel_stale_event_threshold_minutes: Option<Value>,
    /// Accepted for OpenClaw compatibility; not implemented.
    pub channel_max_restarts_per_hour: Option<Value>,
    /// Seconds a channel long poll (Telegram `getUpdates`, Signal receive) asks the platform
    /// to hold (clawgate's key; default 25 for Telegram, 10 for Signal).
    pub channel_poll_timeout_seconds: Option<Value>,
    /// Seconds without progress after which a channel long poll or gateway socket is torn
    /// down and restarted (clawgate's key; default twice the poll hold or heartbeat interval
    /// plus 10 s).
    pub channel_stall_timeout_seconds: Option<Value>,
    /// Seconds a stopping gateway lets running and queued turns finish before aborting them
    /// (default 20; clawgate's key).
    pub shutdown_grace_seconds: Option<u64>,
    /// clawgate's WebSocket limits (not an OpenClaw key).
    #[serde(default)]
    pub ws: RawWs,
}

/// `gateway.tls`: serve HTTPS and WSS directly.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawTls {
    /// Off when `false` (default on when both paths are set).
    pub enabled: Option<bool>,
    /// PEM certificate chain.
    pub cert_path: Option<String>,
    /// PEM private key.
    pub key_path: Option<String>,
    /// Accepted for OpenClaw compatibility; not implemented.
    pub auto_generate: Option<Value>,
    /// Accepted for OpenClaw compatibility; not implemented.
    pub ca_path: Option<Value>,
}

/// `gateway.audit` (clawgate-specific).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawAudit {
    /// Days audit entries are kept (default 90; 0 keeps them forever).
    pub retention_days: Option<u64>,
}

/// `gateway.ws` (clawgate-specific): WebSocket RPC limits.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawWs {
    /// Close a socket that has not completed `connect` after this long (default 10000).
    pub handshake_timeout_ms: Option<u64>,
    /// Bytes queued for one client before it is closed as a slow consumer (default 50 MiB).
    pub max_buffered_bytes: Option<usize>,
    /// `tick` keepalive interval (default 15000, protocol 4); a client silent for two intervals
    /// is closed with 4000.
    pub tick_interval_ms: Option<u64>,
    /// Sockets one address may hold open before they authenticate (default 128); more are
    /// refused with 429 before the upgrade.
    pub max_unauthenticated_per_address: Option<usize>,
}

/// `gateway.auth`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawAuth {
    /// `none` | `token` | `password` | `trusted-proxy`.
    pub mode: Option<String>,
    /// Shared bearer token.
    pub token: Option<String>,
    /// Shared password.
    pub password: Option<String>,
    /// Failed-auth limiter.
    pub rate_limit: Option<RawRateLimit>,
    /// Accepted for OpenClaw compatibility; not implemented.
    pub allow_tailscale: Option<bool>,
    /// Accepted for OpenClaw compatibility; not implemented.
    pub trusted_proxy: Option<Value>,
}

/// `gateway.auth.rateLimit`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawRateLimit {
    /// Failures allowed inside the window.
    pub max_attempts: Option<u32>,
    /// Sliding window length.
    pub window_ms: Option<u64>,
    /// Lockout once the budget is spent.
    pub lockout_ms: Option<u64>,
    /// Loopback clients are never limited.
    pub exempt_loopback: Option<bool>,
}

/// `gateway.metrics` (clawgate-specific)
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawMetrics {
    /// Let a loopback peer scrape `/metrics` without the gateway token (default false).
    pub allow_unauthenticated_loopback: Option<bool>,
}

/// `gateway.http`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawHttp {
    /// Per-endpoint switches.
    #[serde(default)]
    pub endpoints: RawEndpoints,
    /// Request limits of the seeds' REST families.
    pub limits: Option<RawLimits>,
    /// CORS for browser callers.
    pub cors: Option<RawCors>,
    /// Extra response headers.
    pub security_headers: Option<RawSecurityHeaders>,
}

/// `gateway.http.limits`: per credential and route family. `requestsPerMinute` and
/// `concurrency` set the seeds' families' defaults; each family may override its limits, or be
/// turned off with `false`, `null` or `enabled: false`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawLimits {
    /// Requests per minute of the seeds' families (default 100).
    pub requests_per_minute: Option<u32>,
    /// Requests in flight at once of the seeds' families (default 10).
    pub concurrency: Option<u32>,
    /// `/api/v1/…`.
    #[serde(default, alias = "api_v1", deserialize_with = "present")]
    pub api_v1: Option<Option<RawFamilyLimits>>,
    /// `/v1/agent/…`.
    #[serde(default, deserialize_with = "present")]
    pub agent: Option<Option<RawFamilyLimits>>,
    /// `/v1/sessions…`, `/sessions/…`.
    #[serde(default, deserialize_with = "present")]
    pub sessions: Option<Option<RawFamilyLimits>>,
    /// `/v1/channels…`.
    #[serde(default, deserialize_with = "present")]
    pub channels: Option<Option<RawFamilyLimits>>,
    /// `/browser…`.
    #[serde(default, deserialize_with = "present")]
    pub browser: Option<Option<RawFamilyLimits>>,
    /// The OpenAI-compatible endpoints (opt-in).
    #[serde(default, deserialize_with = "present")]
    pub openai: Option<Option<RawFamilyLimits>>,
    /// `/tools/invoke` (opt-in).
    #[serde(default, alias = "tools_invoke", deserialize_with = "present")]
    pub tools_invoke: Option<Option<RawFamilyLimits>>,
    /// Webhooks under `hooks.path` (opt-in).
    #[serde(default, deserialize_with = "present")]
    pub hooks: Option<Option<RawFamilyLimits>>,
}

/// A key that is present, `null` included (`Some(None)`), as opposed to absent (`None`).
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// One family's limits: `false` (off), `true` (the defaults) or an object.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawFamilyLimits {
    /// `true`: the family's defaults; `false`: not limited.
    Switch(bool),
    /// Each limit optional; `enabled: false` turns the family off.
    Limits(RawFamilyLimitFields),
}

/// `gateway.http.limits.<family>` as an object.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawFamilyLimitFields {
    /// `false` turns the family's limits off.
    pub enabled: Option<bool>,
    /// Largest declared body in bytes (`0` = no limit here).
    pub max_body_bytes: Option<u64>,
    /// Seconds until the response must start (`0` = none).
    pub timeout_seconds: Option<u64>,
    /// Requests in flight at once (`0` = unlimited).
    pub max_concurrent: Option<u32>,
    /// Requests per minute (`0` = unlimited).
    pub rate_per_minute: Option<u32>,
}

/// `gateway.http.cors`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawCors {
    /// Origins allowed to call the gateway from a browser page (`*` = any).
    #[serde(default)]
    pub allowed_origins: Vec<String>,
}

/// `gateway.http.securityHeaders`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawSecurityHeaders {
    /// Value of `Strict-Transport-Security` (sent only when non-empty).
    pub strict_transport_security: Option<String>,
}

/// `gateway.http.endpoints`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawEndpoints {
    /// `POST /v1/chat/completions`.
    pub chat_completions: Option<RawEndpoint>,
    /// `POST /v1/responses`.
    pub responses: Option<RawResponsesEndpoint>,
}

/// A simple endpoint switch with a body limit.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawEndpoint {
    /// Whether the endpoint is served.
    pub enabled: Option<bool>,
    /// Request body limit in bytes.
    pub max_body_bytes: Option<usize>,
    /// Image parts allowed in one request.
    pub max_image_parts: Option<usize>,
    /// Total decoded image bytes allowed in one request.
    pub max_total_image_bytes: Option<usize>,
    /// Image input policy.
    pub images: Option<Value>,
}

/// `gateway.http.endpoints.responses`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawResponsesEndpoint {
    /// Whether the endpoint is served.
    pub enabled: Option<bool>,
    /// Request body limit in bytes.
    pub max_body_bytes: Option<usize>,
    /// URL-sourced parts allowed in one request.
    pub max_url_parts: Option<usize>,
    /// File input policy.
    pub files: Option<Value>,
    /// Image input policy.
    pub images: Option<Value>,
}
