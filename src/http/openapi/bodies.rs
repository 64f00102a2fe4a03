//! The request and response bodies of the documented routes, as Rust types whose JSON Schemas
//! (`schemars`) go into `/openapi.json`. They describe the shapes in `docs/http-api.md`; the
//! handlers build the same JSON (their tests check the fields), these types only describe it.

#![allow(dead_code)]

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `/api/v1` success envelope.
#[derive(Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "Envelope_{T}")]
pub struct Envelope<T> {
    /// Always `true`.
    pub success: bool,
    /// The answer.
    pub data: T,
}

/// `POST /api/v1/message` request (seed 001).
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct MessageRequest {
    /// The user's message.
    pub text: String,
    /// Session name of the default agent (default `default`).
    pub session: Option<String>,
    /// Answer as SSE.
    pub stream: Option<bool>,
    /// A configured model id or `provider/model`.
    pub model: Option<String>,
}

/// Token counts of `/api/v1`.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiUsage {
    /// Input tokens.
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
}

/// `POST /api/v1/message` answer data.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageReply {
    /// The run id.
    pub message_id: String,
    /// The assistant's reply.
    pub text: String,
    /// Tokens.
    pub usage: ApiUsage,
}

/// One session in `/api/v1/sessions`.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiSession {
    /// The key after `agent:<id>:`.
    pub id: String,
    /// Full session key.
    pub session_key: String,
    /// Label.
    pub label: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
    /// Stored messages.
    pub message_count: u64,
    /// Model override.
    pub model: Option<String>,
}

/// `GET /api/v1/sessions` data.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct ApiSessionList {
    /// Most recent first.
    pub sessions: Vec<ApiSession>,
    /// How many exist.
    pub total: u64,
}

/// `POST /api/v1/sessions` request.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct ApiSessionCreate {
    /// Label.
    pub label: Option<String>,
    /// Model for every turn of the session.
    pub model: Option<String>,
}

/// `POST /api/v1/sessions` data.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiSessionCreated {
    /// `session_…`.
    pub session_id: String,
    /// Full key.
    pub session_key: String,
    /// Label.
    pub label: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// Model.
    pub model: Option<String>,
}

/// `{deleted: true}`.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Deleted {
    /// Always `true`.
    pub deleted: bool,
    /// The key (`/v1/sessions/{key}` only).
    pub session_key: Option<String>,
}

/// `POST /api/v1/keys` and `POST /api/v1/keys/{id}/rotate` data: the key, shown once.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct KeyIssued {
    /// `{id, name, app, scopes, agents, endUsers, origins, expiresAt, quotas, createdAt,
    /// revokedAt, status}`.
    pub api_key: Value,
    /// `cgk_<id>_<secret>` (not stored; never shown again).
    pub key: String,
}

/// `GET /api/v1/keys` data.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct KeyList {
    /// Keys, newest first, without secrets.
    pub keys: Vec<Value>,
}

/// `DELETE /api/v1/keys/{id}` data.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct KeyRevoked {
    /// Always `true`.
    pub revoked: bool,
    /// The key id.
    pub id: String,
}

/// `GET /api/v1/usage` data.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct UsageReport {
    /// `[{keyId, user, day, requests, turns, errors, tokensIn, tokensOut}]`.
    pub usage: Vec<Value>,
    /// The sums of the rows.
    pub total: Value,
}

/// `GET /api/v1/audit` data.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct AuditLog {
    /// `[{seq, ts, actor, action, target, detail}]`, newest first.
    pub entries: Vec<Value>,
}

/// `GET /api/v1/status` data.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct ApiStatus {
    /// `{status, version, uptime}`.
    pub gateway: Value,
    /// `{available, default}`.
    pub models: Value,
    /// `{active, total}`.
    pub sessions: Value,
    /// `{active}`.
    pub runs: Value,
}

/// `GET /api/v1/skills` data.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct SkillList {
    /// `{name, description, enabled, version, eligible, missing, source, location, …}`.
    pub skills: Vec<Value>,
}

/// `POST /api/v1/skills/{name}/execute` request.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SkillExecute {
    /// Arguments.
    pub args: Option<Value>,
    /// Session name.
    pub session: Option<String>,
    /// Agent.
    pub agent_id: Option<String>,
}

/// `POST /api/v1/skills/{name}/execute` data.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SkillResult {
    /// The skill's result.
    pub result: Value,
    /// Milliseconds.
    pub execution_time: u64,
    /// How it ran.
    pub dispatch: Value,
}

/// `/api/v1/memory/search` request (query string or body).
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemorySearch {
    /// What to look for.
    pub query: String,
    /// Most results.
    pub limit: Option<u32>,
    /// Lowest score.
    pub min_score: Option<f64>,
    /// Agent.
    pub agent_id: Option<String>,
}

/// One memory hit.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemoryHit {
    /// Text.
    pub content: String,
    /// Score.
    pub score: f64,
    /// `memory` or `sessions`.
    pub source: String,
    /// File.
    pub path: String,
    /// First line.
    pub start_line: u64,
    /// Last line.
    pub end_line: u64,
}

/// `/api/v1/memory/search` data.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct MemoryResults {
    /// Hits.
    pub results: Vec<MemoryHit>,
    /// `keyword` or `hybrid`.
    pub mode: String,
    /// Embedding provider.
    pub provider: Option<String>,
}

/// `POST /api/v1/memory` request.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct MemoryAdd {
    /// Text to remember.
    pub content: String,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// `long-term` writes `MEMORY.md`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// `POST /api/v1/memory` data.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemoryAdded {
    /// Id.
    pub memory_id: String,
    /// RFC 3339.
    pub created_at: String,
    /// File written.
    pub path: String,
}

/// A session in seed 003's `/v1/sessions`.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RestSession {
    /// Full key.
    pub session_key: String,
    /// Agent.
    pub agent_id: String,
    /// Segment after the agent id.
    pub channel: Option<String>,
    /// Label.
    pub label: Option<String>,
    /// Transcript id.
    pub session_id: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
    /// Stored messages.
    pub message_count: u64,
    /// Model.
    pub model: Option<String>,
    /// Thinking level.
    pub thinking_level: Option<String>,
    /// Token totals.
    pub usage: Value,
}

/// `GET /v1/sessions`.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RestSessionList {
    /// The page.
    pub sessions: Vec<RestSession>,
    /// Matching sessions.
    pub total: u64,
    /// Offset of the next page.
    pub next_offset: Option<u64>,
}

/// `GET /sessions/{key}/history`.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct History {
    /// Key.
    pub session_key: String,
    /// Transcript id.
    pub session_id: String,
    /// `{id, role, content, createdAt, runId, toolCalls?, toolCallId?}`, oldest first.
    pub messages: Vec<Value>,
}

/// `POST /sessions/{key}/kill`.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Killed {
    /// `true`.
    pub ok: bool,
    /// Key.
    pub session_key: String,
    /// Turns aborted.
    pub aborted: u64,
    /// Their run ids.
    pub run_ids: Vec<String>,
}

/// One channel account.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Channel {
    /// Account id.
    pub id: String,
    /// `kind:account`.
    pub key: String,
    /// Channel label.
    pub name: String,
    /// Account.
    pub account: String,
    /// Account display name.
    pub account_name: Option<String>,
    /// The channel's default account.
    pub default: bool,
    /// Enabled.
    pub enabled: bool,
    /// Credentials present.
    pub configured: bool,
    /// `connected`, `connecting`, `disabled`, `not_configured`, `error`.
    pub status: String,
    /// Bot identity.
    pub bot_username: Option<String>,
    /// Last error.
    pub error: Option<String>,
}

/// `GET /v1/channels`.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct ChannelList {
    /// Accounts.
    pub channels: Vec<Channel>,
}

/// `POST /v1/agent/run` request (seed form).
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentRunRequest {
    /// The user's message.
    pub message: String,
    /// Session key.
    pub session_key: Option<String>,
    /// Agent.
    pub agent_id: Option<String>,
    /// `{thinking, model, timeoutSeconds}`.
    pub options: Option<Value>,
}

/// Seed token counts.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunUsage {
    /// Input tokens.
    pub prompt_tokens: u64,
    /// Output tokens.
    pub completion_tokens: u64,
    /// Both.
    pub total_tokens: u64,
}

/// `POST /v1/agent/run` answer.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentRunResult {
    /// Run id.
    pub run_id: String,
    /// Session key.
    pub session_key: String,
    /// The reply.
    pub response: String,
    /// `provider/model`.
    pub model: Option<String>,
    /// Tokens.
    pub usage: RunUsage,
}

/// An OpenAI chat message.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct ChatMessage {
    /// `system`, `user`, `assistant`, `tool`.
    pub role: String,
    /// Text or content parts.
    pub content: Value,
}

/// `POST /v1/chat/completions` request.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct ChatRequest {
    /// `openclaw`, `openclaw/<agentId>`, or `provider/model`.
    pub model: String,
    /// The conversation.
    pub messages: Vec<ChatMessage>,
    /// SSE.
    pub stream: Option<bool>,
    /// Session by user.
    pub user: Option<String>,
    /// Client tools.
    pub tools: Option<Vec<Value>>,
}

/// `POST /v1/chat/completions` answer.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct ChatCompletion {
    /// `chatcmpl_…`.
    pub id: String,
    /// `chat.completion`.
    pub object: String,
    /// Seconds.
    pub created: i64,
    /// Echoed model.
    pub model: String,
    /// `[{index, message, finish_reason}]`.
    pub choices: Vec<Value>,
    /// `{prompt_tokens, completion_tokens, total_tokens}`.
    pub usage: Value,
}

/// `POST /v1/responses` request.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct ResponsesRequest {
    /// Model.
    pub model: String,
    /// Text or items.
    pub input: Value,
    /// SSE.
    pub stream: Option<bool>,
    /// Keep it for `GET /v1/responses/{id}`.
    pub store: Option<bool>,
}

/// An OpenResponses response.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct ResponseObject {
    /// `resp_…`.
    pub id: String,
    /// `response`.
    pub object: String,
    /// `completed`, `failed`, …
    pub status: String,
    /// Items.
    pub output: Vec<Value>,
    /// Tokens.
    pub usage: Option<Value>,
}

/// `GET /v1/models`.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct ModelList {
    /// `list`.
    pub object: String,
    /// `{id, object, created, owned_by}`.
    pub data: Vec<Value>,
}

/// `POST /v1/embeddings` request.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct EmbeddingsRequest {
    /// Model.
    pub model: String,
    /// Text or texts.
    pub input: Value,
}

/// `POST /tools/invoke` request.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolsInvoke {
    /// Tool name (or `name`).
    pub tool: String,
    /// Action.
    pub action: Option<String>,
    /// Arguments.
    pub args: Option<Value>,
    /// Session.
    pub session_key: Option<String>,
    /// Agent.
    pub agent_id: Option<String>,
}

/// `POST /tools/invoke` answer.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct ToolsResult {
    /// `true`.
    pub ok: bool,
    /// The tool's result.
    pub result: Value,
}

/// `GET /health`.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Live {
    /// `true`.
    pub ok: bool,
    /// `live`.
    pub status: String,
}

/// `GET /ready`.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Ready {
    /// Ready.
    pub ready: bool,
    /// What fails (local or authenticated callers).
    pub failing: Option<Vec<String>>,
    /// Uptime (local or authenticated callers).
    pub uptime_ms: Option<u64>,
}

/// A schema for a body: `(request, response)` of `method path`, generated into `g`.
pub fn for_route(
    g: &mut schemars::SchemaGenerator,
    path: &str,
    method: &str,
) -> (Option<schemars::Schema>, Option<schemars::Schema>) {
    macro_rules! s {
        ($t:ty) => {
            Some(g.subschema_for::<$t>())
        };
    }
    match (method, path) {
        ("POST", "/api/v1/message") => (s!(MessageRequest), s!(Envelope<MessageReply>)),
        ("POST", "/api/v1/message/stream") => (s!(MessageRequest), None),
        ("GET", "/api/v1/sessions") => (None, s!(Envelope<ApiSessionList>)),
        ("POST", "/api/v1/sessions") => (s!(ApiSessionCreate), s!(Envelope<ApiSessionCreated>)),
        ("DELETE", "/api/v1/sessions/{id}") => (None, s!(Envelope<Deleted>)),
        ("GET", "/api/v1/status") => (None, s!(Envelope<ApiStatus>)),
        ("GET", "/api/v1/keys") => (None, s!(Envelope<KeyList>)),
        ("POST", "/api/v1/keys") => (s!(crate::keys::KeyPolicy), s!(Envelope<KeyIssued>)),
        ("DELETE", "/api/v1/keys/{id}") => (None, s!(Envelope<KeyRevoked>)),
        ("POST", "/api/v1/keys/{id}/rotate") => (None, s!(Envelope<KeyIssued>)),
        ("GET", "/api/v1/usage") => (None, s!(Envelope<UsageReport>)),
        ("GET", "/api/v1/audit") => (None, s!(Envelope<AuditLog>)),
        ("GET", "/api/v1/config/{path:.*}") => (None, s!(Envelope<Value>)),
        ("GET", "/api/v1/skills") => (None, s!(Envelope<SkillList>)),
        ("POST", "/api/v1/skills/{name}/execute") => (s!(SkillExecute), s!(Envelope<SkillResult>)),
        (_, "/api/v1/memory/search") => (s!(MemorySearch), s!(Envelope<MemoryResults>)),
        ("POST", "/api/v1/memory") => (s!(MemoryAdd), s!(Envelope<MemoryAdded>)),
        ("GET", "/v1/sessions") => (None, s!(RestSessionList)),
        ("GET", "/v1/sessions/{key}") => (None, s!(RestSession)),
        ("DELETE", "/v1/sessions/{key}") => (None, s!(Deleted)),
        ("GET", "/sessions/{key}/history") => (None, s!(History)),
        ("POST", "/sessions/{key}/kill") => (None, s!(Killed)),
        ("GET", "/v1/channels") => (None, s!(ChannelList)),
        ("GET", "/v1/browser/status") => (None, s!(super::browser_bodies::BrowserStatus)),
        ("POST", "/v1/browser/navigate") => (
            s!(super::browser_bodies::BrowserNavigate),
            s!(super::browser_bodies::BrowserNavigated),
        ),
        ("POST", "/v1/browser/screenshot") => (
            s!(super::browser_bodies::BrowserScreenshot),
            s!(super::browser_bodies::BrowserShot),
        ),
        ("POST", "/v1/browser/act") => (
            s!(super::browser_bodies::BrowserAct),
            s!(super::browser_bodies::BrowserActed),
        ),
        ("GET", "/v1/browser/snapshot") => (None, s!(super::browser_bodies::BrowserSnapshot)),
        (_, p) if p.starts_with("/v1/channels/") => (None, s!(Channel)),
        ("POST", "/v1/agent/run") => (s!(AgentRunRequest), s!(AgentRunResult)),
        ("POST", "/v1/agent/run/stream") => (s!(AgentRunRequest), None),
        ("POST", "/v1/chat/completions") => (s!(ChatRequest), s!(ChatCompletion)),
        ("POST", "/v1/responses") => (s!(ResponsesRequest), s!(ResponseObject)),
        ("GET", "/v1/responses/{id}") => (None, s!(ResponseObject)),
        ("GET", "/v1/models") => (None, s!(ModelList)),
        ("POST", "/v1/embeddings") => (s!(EmbeddingsRequest), None),
        ("POST", "/tools/invoke") => (s!(ToolsInvoke), s!(ToolsResult)),
        (_, "/health" | "/healthz") => (None, s!(Live)),
        (_, "/ready" | "/readyz") => (None, s!(Ready)),
        _ => (None, None),
    }
}
