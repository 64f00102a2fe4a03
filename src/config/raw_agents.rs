//! The agent half of the configuration file's shape: `models`, `agents`, `tools` and
//! `session`, as written on disk (see [`super::raw`] for the rules every raw type follows).

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// `models`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawModels {
    /// `merge` | `replace` (accepted; clawgate has no built-in catalog to merge with).
    pub mode: Option<String>,
    /// Provider id → provider.
    #[serde(default)]
    pub providers: BTreeMap<String, RawProvider>,
    /// Accepted for OpenClaw compatibility (catalog refresh from the internet); ignored.
    pub catalog_refresh: Option<Value>,
}

/// `models.providers.<id>`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawProvider {
    /// Base URL including the version path, e.g. `https://api.openai.com/v1`.
    pub base_url: Option<String>,
    /// API key (may be `${ENV}`).
    pub api_key: Option<String>,
    /// `openai-completions` | `anthropic-messages`.
    pub api: Option<String>,
    /// Extra headers sent upstream.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Models this provider serves.
    #[serde(default)]
    pub models: Vec<RawModel>,
    /// Accepted for OpenClaw compatibility; not implemented.
    pub auth: Option<Value>,
    /// Accepted for OpenClaw compatibility; not implemented.
    pub auth_header: Option<Value>,
    /// Accepted for OpenClaw compatibility; not implemented.
    pub request: Option<Value>,
}

/// `models.providers.<id>.models[]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawModel {
    /// Upstream model id.
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// Whether the model reasons (thinking levels apply).
    pub reasoning: Option<bool>,
    /// Input modalities, e.g. `["text","image"]`.
    pub input: Option<Vec<String>>,
    /// Context window in tokens.
    pub context_window: Option<u64>,
    /// Max output tokens.
    pub max_tokens: Option<u64>,
    /// Accepted for OpenClaw compatibility.
    pub cost: Option<Value>,
    /// Accepted for OpenClaw compatibility.
    pub context_tokens: Option<Value>,
    /// Accepted for OpenClaw compatibility.
    pub compat: Option<Value>,
    /// Accepted for OpenClaw compatibility.
    pub api: Option<Value>,
}

/// `agents`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawAgents {
    /// Defaults for every agent.
    #[serde(default)]
    pub defaults: RawAgentDefaults,
    /// Configured agents.
    #[serde(default)]
    pub list: Vec<RawAgent>,
    /// Configured agents, newer spelling: `agents.entries.<id>` (the `id` field may be left out).
    #[serde(default)]
    pub entries: BTreeMap<String, RawAgent>,
}

impl RawAgents {
    /// Every configured agent, `agents.list[]` first, then `agents.entries`: its config key
    /// (`agents.list[0]`, `agents.entries.ops`), its id as written, and its block.
    pub fn each(&self) -> impl Iterator<Item = (String, &str, &RawAgent)> {
        let listed = self
            .list
            .iter()
            .enumerate()
            .map(|(i, a)| (format!("agents.list[{i}]"), a.id.as_str(), a));
        let entries = self
            .entries
            .iter()
            .map(|(id, a)| (format!("agents.entries.{id}"), id.as_str(), a));
        listed.chain(entries)
    }
}

/// A model reference: `"provider/model"` or `{primary, fallbacks}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RawModelRef {
    /// `"provider/model"`.
    Plain(String),
    /// Primary plus ordered fallbacks.
    Detailed {
        /// First choice.
        primary: Option<String>,
        /// Tried in order when the primary fails before its first byte.
        #[serde(default)]
        fallbacks: Vec<String>,
    },
}

/// `agents.defaults`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawAgentDefaults {
    /// Workspace directory holding AGENTS.md, SOUL.md, USER.md, MEMORY.md.
    pub workspace: Option<String>,
    /// Default model.
    pub model: Option<RawModelRef>,
    /// Model allowlist / aliases: `"provider/model" → {alias?, params?}`.
    pub models: Option<BTreeMap<String, Value>>,
    /// Default thinking level.
    pub thinking_default: Option<String>,
    /// Whole-run timeout in seconds.
    pub timeout_seconds: Option<u64>,
    /// LLM stream settings.
    pub llm: Option<RawLlm>,
    /// Max agent turns running at once.
    pub max_concurrent: Option<usize>,
    /// Extra system prompt text for every agent.
    pub system_prompt: Option<String>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub verbose_default: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub elevated_default: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub reasoning_default: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub image_model: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub pdf_model: Option<Value>,
    /// History budget per model call, in tokens (older messages are left out beyond it).
    pub context_tokens: Option<u64>,
    /// `sessions_spawn` limits (`allowAgents`, `maxSpawnDepth`, `maxConcurrent`, `model`).
    pub subagents: Option<Value>,
    /// The periodic heartbeat (see `crate::config::heartbeat`).
    pub heartbeat: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub compaction: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub context_pruning: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub sandbox: Option<Value>,
    /// Old spelling of `memory.search` (see `crate::config::MemoryConfig`).
    pub memory_search: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub user_timezone: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub params: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub embedded_harness: Option<Value>,
    /// Skill allowlist (a list of names; `None` = every skill).
    pub skills: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub block_streaming_default: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub human_delay: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub typing_mode: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub time_format: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub envelope_timezone: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub bootstrap_max_chars: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub repo_root: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub skip_bootstrap: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub cli_backends: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub media_max_mb: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub fast_mode_default: Option<Value>,
}

/// `agents.defaults.llm`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawLlm {
    /// Seconds without a streamed byte before the model call is abandoned (0 disables).
    pub idle_timeout_seconds: Option<u64>,
    /// Largest model reply kept, in bytes (text, reasoning and tool arguments); past it the
    /// stream is cut and the reply ends as truncated (`finish_reason: "length"`).
    pub max_reply_bytes: Option<u64>,
}

/// `agents.list[]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawAgent {
    /// Agent id (`^[a-z0-9][a-z0-9_-]{0,63}$`); under `agents.entries` the key is the id.
    #[serde(default)]
    pub id: String,
    /// Marks the default agent.
    pub default: Option<bool>,
    /// Display name.
    pub name: Option<String>,
    /// Workspace directory.
    pub workspace: Option<String>,
    /// Model for this agent.
    pub model: Option<RawModelRef>,
    /// Default thinking level.
    pub thinking_default: Option<String>,
    /// Extra system prompt text.
    pub system_prompt: Option<String>,
    /// Tool policy.
    pub tools: Option<RawToolPolicy>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub agent_dir: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub reasoning_default: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub fast_mode_default: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub params: Option<Value>,
    /// Skill allowlist (a list of names; `None` = every skill).
    pub skills: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub identity: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub group_chat: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub sandbox: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub runtime: Option<Value>,
    /// `sessions_spawn` limits (`allowAgents`, `maxSpawnDepth`, `maxConcurrent`, `model`).
    pub subagents: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub heartbeat: Option<Value>,
    /// Old spelling of `memory.search` for this agent (see `crate::config::MemoryConfig`).
    pub memory_search: Option<Value>,
    /// `memory.search` for this agent (see `crate::config::MemoryConfig`).
    pub memory: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub human_delay: Option<Value>,
}

/// Tool policy (`tools`, `agents.list[].tools` or `agents.entries.<id>.tools`).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawToolPolicy {
    /// `minimal` | `messaging` | `full` | `coding`.
    pub profile: Option<String>,
    /// Only these tools (names or `group:*`).
    pub allow: Option<Vec<String>>,
    /// Added to the allowed set.
    pub also_allow: Option<Vec<String>>,
    /// Never these tools.
    pub deny: Option<Vec<String>>,
    /// Extra rules for one provider (`openai`) or model (`openai/gpt-5`).
    pub by_provider: Option<BTreeMap<String, RawToolPolicy>>,
    /// The shell tools' security, approvals and limits (`exec`, `process`).
    pub exec: Option<super::raw_exec::RawExec>,
    /// Web tools (`search` is read from the global block only).
    pub web: Option<super::raw_web::RawWebTools>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub media: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub loop_detection: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub elevated: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub sandbox: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub agent_to_agent: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub links: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub message: Option<Value>,
    /// `sessions_spawn` limits (`allowAgents`, `maxSpawnDepth`, `maxConcurrent`, `model`).
    pub subagents: Option<Value>,
}

/// `session`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawSession {
    /// Main session key (default `main`).
    pub main_key: Option<String>,
    /// `per-sender` (default) or `global`.
    pub scope: Option<String>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub dm_scope: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub identity_links: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub reset: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub reset_by_type: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub reset_by_channel: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub store: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub maintenance: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub parent_fork_max_tokens: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub reset_triggers: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub send_policy: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub typing_interval_seconds: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub typing_mode: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub agent_to_agent: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub idle_minutes: Option<Value>,
}
