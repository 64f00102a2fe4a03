//! The on-disk shape of the automation sections: `hooks.*` (HTTP webhooks) and `cron.*`
//! (scheduler), with OpenClaw's key names. Validated into [`super::HooksConfig`] and
//! [`super::CronConfig`] by `config/automation.rs`.

use serde::Deserialize;
use serde_json::Value;

/// `hooks.*`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawHooks {
    /// Serve `<path>/*` (default false).
    pub enabled: Option<bool>,
    /// Shared secret webhook callers present (required when enabled).
    pub token: Option<String>,
    /// Base path (default `/hooks`).
    pub path: Option<String>,
    /// Body limit (default 256 KiB).
    pub max_body_bytes: Option<usize>,
    /// Session key for `/hooks/agent` runs that name none.
    pub default_session_key: Option<String>,
    /// Accept `sessionKey` in `/hooks/agent` bodies (default false).
    pub allow_request_session_key: Option<bool>,
    /// Allowed (lower-case) prefixes of every hook session key.
    pub allowed_session_key_prefixes: Option<Vec<String>>,
    /// Agent ids a request may name (`*` = any; `[]` = none).
    pub allowed_agent_ids: Option<Vec<String>>,
    /// Built-in mappings to add (`gmail`).
    pub presets: Option<Vec<String>>,
    /// Where OpenClaw loads JS transforms from; accepted, unused (transforms are rejected).
    pub transforms_dir: Option<String>,
    /// `POST <path>/<name>` mappings.
    pub mappings: Option<Vec<RawHookMapping>>,
    /// Gmail watcher settings; accepted for compatibility, the watcher is not implemented.
    pub gmail: Option<Value>,
    /// OpenClaw's internal event-hook scripts; accepted, not implemented.
    pub internal: Option<Value>,
}

/// `hooks.mappings[]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawHookMapping {
    /// Identifier (for logs).
    pub id: Option<String>,
    /// What the mapping matches.
    #[serde(rename = "match")]
    pub match_: Option<RawHookMatch>,
    /// `agent` (default) or `wake`.
    pub action: Option<String>,
    /// `now` (default) or `next-heartbeat`.
    pub wake_mode: Option<String>,
    /// Human-readable name (`Hook <name>: …` summaries).
    pub name: Option<String>,
    /// Agent to run.
    pub agent_id: Option<String>,
    /// Session key template.
    pub session_key: Option<String>,
    /// Message template (agent action).
    pub message_template: Option<String>,
    /// Text template (wake action).
    pub text_template: Option<String>,
    /// Deliver the reply to a channel (default true).
    pub deliver: Option<bool>,
    /// Skip the untrusted-content wrapper.
    pub allow_unsafe_external_content: Option<bool>,
    /// Delivery channel (`last` default).
    pub channel: Option<String>,
    /// Delivery target.
    pub to: Option<String>,
    /// Backend model override.
    pub model: Option<String>,
    /// Thinking level.
    pub thinking: Option<String>,
    /// Run timeout.
    pub timeout_seconds: Option<f64>,
    /// JS/TS transform module: rejected (cannot run in clawgate).
    pub transform: Option<Value>,
}

/// `hooks.mappings[].match`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawHookMatch {
    /// Sub-path after `<path>/`, without slashes.
    pub path: Option<String>,
    /// Equals `payload.source`.
    pub source: Option<String>,
}

/// `cron.*`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawCron {
    /// Run the scheduler (default true).
    pub enabled: Option<bool>,
    /// OpenClaw's jobs.json path; accepted, unused (clawgate keeps jobs in SQLite).
    pub store: Option<String>,
    /// Jobs running at once (default 1).
    pub max_concurrent_runs: Option<usize>,
    /// Legacy `notify: true` webhook URL.
    pub webhook: Option<String>,
    /// Bearer token sent with webhook deliveries (non-strings are ignored).
    pub webhook_token: Option<Value>,
    /// clawgate extension: allow webhook deliveries to private/loopback addresses.
    pub webhook_allow_private_network: Option<bool>,
    /// Isolated run session retention; accepted, not enforced.
    pub session_retention: Option<Value>,
    /// Run log pruning.
    pub run_log: Option<RawRunLog>,
    /// One-shot retry policy.
    pub retry: Option<RawRetry>,
    /// Failure alerts; accepted, not implemented.
    pub failure_alert: Option<Value>,
}

/// `cron.runLog`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawRunLog {
    /// OpenClaw's file-size trigger; accepted, unused (rows are pruned by count).
    pub max_bytes: Option<Value>,
    /// Entries kept per job (default 2000).
    pub keep_lines: Option<usize>,
}

/// `cron.retry`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawRetry {
    /// Attempts for a one-shot job failing with a transient error (default 3).
    pub max_attempts: Option<u32>,
    /// Delays between attempts (default 30 s, 1 min, 5 min).
    pub backoff_ms: Option<Vec<u64>>,
    /// Error classes retried; accepted, the built-in classes are used.
    pub retry_on: Option<Value>,
}
