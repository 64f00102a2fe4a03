//! What the store keeps, independent of the backend: rows, messages, runs, queries, errors.

use crate::core::run::RunStatus;
use crate::providers::types::{Role, ToolCall, Usage};
use serde::Serialize;
use std::path::PathBuf;

/// Store errors.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend failed (its message).
    #[error("store: {0}")]
    Backend(String),
    /// A batched commit failed (the message is SQLite's).
    #[error("store: commit failed: {0}")]
    Commit(String),
    /// The state directory could not be created.
    #[error("store: cannot create {path}: {source}")]
    Dir {
        /// Directory.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
}

/// A persisted session.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionRow {
    /// Session key (`agent:main:main`, `agent:main:openai-user:alice`, …).
    pub key: String,
    /// Current transcript id (changes on reset).
    pub session_id: String,
    /// Owning agent.
    pub agent_id: String,
    /// Optional label.
    pub label: Option<String>,
    /// Creation time (ms since epoch).
    pub created_at: i64,
    /// Last update (ms since epoch).
    pub updated_at: i64,
    /// Messages in the current transcript.
    pub message_count: i64,
    /// Accumulated input tokens.
    pub input_tokens: i64,
    /// Accumulated output tokens.
    pub output_tokens: i64,
    /// Accumulated total tokens.
    pub total_tokens: i64,
    /// Model override (`provider/model`).
    pub model: Option<String>,
    /// Thinking level override.
    pub thinking_level: Option<String>,
}

/// A persisted message.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredMessage {
    /// Row id (monotonic).
    pub id: i64,
    /// Speaker.
    pub role: Role,
    /// Text.
    pub content: String,
    /// Tool calls (assistant).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// Answered call (tool).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    /// Run that produced it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// Creation time (ms since epoch).
    pub created_at: i64,
}

/// A change to a session's label and overrides: `None` leaves a field, `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionPatch {
    /// Label.
    pub label: Option<Option<String>>,
    /// Model override (`provider/model`).
    pub model: Option<Option<String>>,
    /// Thinking level override.
    pub thinking_level: Option<Option<String>>,
}

impl SessionPatch {
    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.label.is_none() && self.model.is_none() && self.thinking_level.is_none()
    }
}

/// A message about to be appended.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// Speaker.
    pub role: Role,
    /// Text.
    pub content: String,
    /// Tool calls.
    pub tool_calls: Vec<ToolCall>,
    /// Answered call.
    pub tool_call_id: Option<String>,
}

/// A persisted run.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunRow {
    /// Run id.
    pub run_id: String,
    /// Session key.
    pub session_key: String,
    /// Status name.
    pub status: String,
    /// Start (ms).
    pub started_at: i64,
    /// End (ms).
    pub ended_at: Option<i64>,
    /// Error text.
    pub error: Option<String>,
}

/// Current time in ms since the epoch.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Everything [`TranscriptStore::end_turn`] records.
#[derive(Debug, Clone)]
pub struct TurnEnd {
    /// Session key.
    pub key: String,
    /// Transcript id.
    pub session_id: String,
    /// Run id.
    pub run_id: String,
    /// Messages the turn produced.
    pub messages: Vec<NewMessage>,
    /// Final status.
    pub status: RunStatus,
    /// Usage summed over the run.
    pub usage: Usage,
    /// `provider/model` that answered.
    pub model: Option<String>,
    /// Failure text.
    pub error: Option<String>,
}

/// Filters for reading the run log (newest first unless `ascending`).
#[derive(Debug, Clone, Default)]
pub struct RunLogQuery {
    /// One job, or every job.
    pub job_id: Option<String>,
    /// Keep entries whose status is one of these (empty = any).
    pub statuses: Vec<String>,
    /// Keep entries whose delivery status is one of these (empty = any).
    pub delivery_statuses: Vec<String>,
    /// Case-insensitive text the entry must contain.
    pub query: Option<String>,
    /// Oldest first.
    pub ascending: bool,
    /// Page size.
    pub limit: usize,
    /// Entries skipped.
    pub offset: usize,
}

/// A stored `/v1/responses` result (for `previous_response_id` and `GET /v1/responses/{id}`).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResponse {
    /// `resp_…` id.
    pub id: String,
    /// Session the response belongs to.
    pub session_key: String,
    /// Agent that answered.
    pub agent_id: String,
    /// Who may read or continue it (hash of the credential, never the credential).
    pub auth_subject: String,
    /// `x-openclaw-session-key` the request carried, if any.
    pub requested_session_key: Option<String>,
    /// Creation time (ms).
    pub created_at: i64,
    /// The final ResponseResource JSON.
    pub body: String,
}

/// A page of sessions: filters, most recently updated first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionQuery {
    /// Only this agent's sessions.
    pub agent_id: Option<String>,
    /// Only keys containing this segment after the agent (`telegram` matches
    /// `agent:main:telegram:…`).
    pub channel: Option<String>,
    /// Only sessions updated at or after this time (ms since epoch).
    pub updated_since: Option<i64>,
    /// Page size.
    pub limit: usize,
    /// Rows skipped.
    pub offset: usize,
    /// Only keys starting with one of these (an API key's session namespaces); empty = any.
    pub key_prefixes: Vec<String>,
}

/// The outcome of [`crate::storage::RunStore::claim_idempotency`].
#[derive(Debug, Clone, PartialEq)]
pub struct IdempotencyClaim {
    /// The run id the key names.
    pub run_id: String,
    /// `true` when this call made the claim (start the run); `false` when it already existed.
    pub fresh: bool,
    /// The final answer recorded for the key, once there is one.
    pub record: Option<String>,
}

/// A named lease held by one node until `expires_at_ms` (see [`crate::storage::LeaseStore`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Lease {
    /// The lease's name (`channel:telegram:default`, …).
    pub name: String,
    /// Who holds it (a node id).
    pub holder: String,
    /// When it lapses unless renewed (ms since epoch, by the store's clock).
    pub expires_at_ms: i64,
}
