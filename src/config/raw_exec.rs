//! The on-disk shape of `tools.exec` (global, and in an agent's `tools` block), with
//! OpenClaw's key names. Validated into [`super::ExecConfig`] by `config/exec.rs`.

use serde::Deserialize;
use serde_json::Value;

/// `tools.exec` / `agents.entries.<id>.tools.exec`
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawExec {
    /// `deny` (default) | `allowlist` | `full`.
    pub security: Option<String>,
    /// `off` | `on-miss` (default) | `always`.
    pub ask: Option<String>,
    /// Commands `allowlist` security lets run without asking.
    pub allowlist: Option<Vec<String>>,
    /// Default command timeout in seconds.
    pub timeout_sec: Option<u64>,
    /// How long an approval request waits for an operator, in seconds (then: denied).
    pub approval_timeout_sec: Option<u64>,
    /// A command still running after this many milliseconds becomes a background job.
    pub background_ms: Option<u64>,
    /// Accepted for OpenClaw compatibility; not interpreted (commands run on the gateway host).
    pub host: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub node: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub path_prepend: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub safe_bins: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub cleanup_ms: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub notify_on_exit: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub apply_patch: Option<Value>,
}
