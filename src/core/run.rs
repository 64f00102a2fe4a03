//! The run vocabulary every layer shares: what one turn asks for ([`TurnRequest`]), what its
//! subscribers receive ([`RunEvent`], ending with one [`RunOutcome`]), and how they subscribe.
//!
//! Actors produce these, edges render them, storage records their end; none of those needs
//! to import another layer to read a run.

use crate::config::ModelRef;
use crate::providers::types::{
    ImageData, Message, ModelOptions, StopReason, ThinkingLevel, ToolCall, ToolChoice, ToolSpec,
    Usage,
};
use crate::providers::ProviderError;
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// One agent turn as an entry point (HTTP, WS, hooks, cron, channels) asks for it.
#[derive(Debug, Clone)]
pub struct TurnRequest {
    /// Run id (also the idempotency key for WS `agent`).
    pub run_id: String,
    /// Agent id (validated).
    pub agent_id: String,
    /// Session key.
    pub session_key: String,
    /// The user's message for this turn.
    pub message: String,
    /// Images attached to the message.
    pub images: Vec<ImageData>,
    /// Structured messages placed between the stored history and `message` (client-tool
    /// round trips). Not persisted as separate user input.
    pub extra_messages: Vec<Message>,
    /// Extra system prompt text (system/developer messages, instructions, files).
    pub extra_system_prompt: Option<String>,
    /// Backend model override.
    pub model_override: Option<ModelRef>,
    /// Thinking level override.
    pub thinking: Option<ThinkingLevel>,
    /// Functions the client executes itself; calling one ends the turn.
    pub client_tools: Vec<ToolSpec>,
    /// Tool choice for the model.
    pub tool_choice: ToolChoice,
    /// Output cap.
    pub max_tokens: Option<u64>,
    /// Temperature.
    pub temperature: Option<f64>,
    /// Top-p.
    pub top_p: Option<f64>,
    /// Ask the upstream to stream (deltas reach subscribers as they arrive).
    pub stream: bool,
    /// Stop sequences, structured output and provider pass-through fields.
    pub options: ModelOptions,
    /// Ingress channel name (`webchat`, `telegram`, …).
    pub channel: String,
    /// Per-turn timeout override.
    pub timeout: Option<Duration>,
    /// Whether the sender is an owner (owner-only tools such as `cron` are offered only then):
    /// shared-secret HTTP callers, WS operators with `operator.admin`, cron jobs. `false` for
    /// hooks and channel senders.
    pub sender_is_owner: bool,
    /// How deep in `sessions_spawn` nesting this turn runs (0: not a sub-agent).
    pub spawn_depth: u32,
    /// Where to send the final reply as well (`agent --deliver`, WS `agent {deliver}`).
    pub deliver: Option<ReplyRoute>,
    /// When the gateway accepted the turn (the start of its `pre_provider` time).
    pub accepted: std::time::Instant,
}

/// A chat the final reply of a turn is delivered to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyRoute {
    /// Channel id, `<channel>:<account>` or an account id.
    pub channel: String,
    /// Target within it (`None`: the account's `defaultTo`).
    pub to: Option<String>,
}

impl TurnRequest {
    /// A turn with defaults for everything but the essentials.
    pub fn new(run_id: String, agent_id: String, session_key: String, message: String) -> Self {
        TurnRequest {
            run_id,
            agent_id,
            session_key,
            message,
            images: vec![],
            extra_messages: vec![],
            extra_system_prompt: None,
            model_override: None,
            thinking: None,
            client_tools: vec![],
            tool_choice: ToolChoice::Auto,
            max_tokens: None,
            temperature: None,
            top_p: None,
            stream: true,
            options: ModelOptions::default(),
            channel: "webchat".into(),
            timeout: None,
            sender_is_owner: false,
            spawn_depth: 0,
            deliver: None,
            accepted: std::time::Instant::now(),
        }
    }
}

/// Final state of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Still running.
    Running,
    /// Finished.
    Ok,
    /// Failed.
    Error,
    /// Cancelled by a client or timeout.
    Aborted,
    /// The gateway stopped while it ran.
    Interrupted,
}

impl RunStatus {
    /// The stored name (`ok`, `error`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Ok => "ok",
            RunStatus::Error => "error",
            RunStatus::Aborted => "aborted",
            RunStatus::Interrupted => "interrupted",
        }
    }
}

/// Events buffered per subscriber before it is considered too slow and dropped.
pub const SUBSCRIBER_BUFFER: usize = 4096;

/// Why a run did not complete.
#[derive(Debug, Clone)]
pub enum RunFailure {
    /// The provider failed.
    Provider(ProviderError),
    /// The run exceeded its timeout.
    Timeout,
    /// Cancelled (`chat.abort`, client disconnect, shutdown); the reason is given.
    Aborted(&'static str),
    /// Unexpected internal failure.
    Internal(String),
}

impl RunFailure {
    /// The run status this failure ends a run with.
    pub fn status(&self) -> RunStatus {
        match self {
            RunFailure::Aborted(_) => RunStatus::Aborted,
            _ => RunStatus::Error,
        }
    }
}

impl std::fmt::Display for RunFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunFailure::Provider(e) => write!(f, "{e}"),
            RunFailure::Timeout => f.write_str("run timed out"),
            RunFailure::Aborted(r) => write!(f, "aborted: {r}"),
            RunFailure::Internal(e) => write!(f, "internal error: {e}"),
        }
    }
}

/// The end of a run, delivered once as [`RunEvent::Done`].
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// Run id.
    pub run_id: String,
    /// Session key.
    pub session_key: String,
    /// Agent id.
    pub agent_id: String,
    /// Final status.
    pub status: RunStatus,
    /// Final assistant text (last model step).
    pub text: String,
    /// Usage summed over every model call.
    pub usage: Usage,
    /// Why the model stopped.
    pub stop: StopReason,
    /// Client-tool calls the caller must answer (stop reason `tool_calls`).
    pub pending_tool_calls: Vec<ToolCall>,
    /// Failure, when status is not `ok`.
    pub failure: Option<RunFailure>,
    /// `provider/model` that answered.
    pub model: Option<String>,
    /// Start (ms since epoch).
    pub started_at: i64,
    /// End (ms since epoch).
    pub ended_at: i64,
    /// What became of the delivery the turn asked for: `{ok: true, channel, to, messageIds}`
    /// or `{ok: false, channel, error}` (`None`: none asked, or the turn failed).
    pub delivery: Option<Box<serde_json::Value>>,
    /// Where the turn's time went (absent for a turn that never ran).
    pub times: Option<Box<TurnTimes>>,
}

/// Where a turn's time went.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TurnTimes {
    /// From the turn being accepted to the first model request being sent (the whole turn
    /// when no model was called).
    pub pre_provider: Duration,
    /// In model calls.
    pub provider: Duration,
    /// From the last model call's end to the outcome being committed.
    pub post_provider: Duration,
    /// The whole turn, accepted to committed.
    pub total: Duration,
}

/// What subscribers receive.
#[derive(Debug, Clone)]
pub enum RunEvent {
    /// The run started.
    Start {
        /// Run id.
        run_id: String,
        /// Session key.
        session_key: String,
        /// The session's current transcript id.
        session_id: String,
        /// `provider/model` the turn asks for first (`None`: no model configured).
        model: Option<String>,
        /// The turn's message (the task title).
        message: String,
        /// Start (ms).
        started_at: i64,
    },
    /// Assistant text.
    Delta(String),
    /// Reasoning text.
    Reasoning(String),
    /// The model called a tool (server or client).
    ToolCall {
        /// Call id.
        call_id: String,
        /// Tool name.
        name: String,
        /// JSON arguments.
        arguments: String,
    },
    /// A server tool returned.
    ToolResult {
        /// Call id.
        call_id: String,
        /// Tool name.
        name: String,
        /// OpenClaw-shaped result.
        result: Value,
        /// Whether it failed.
        is_error: bool,
    },
    /// The run ended (always the last event).
    Done(RunOutcome),
}

/// Shared event (one allocation fanned out to every subscriber).
pub type EventRef = Arc<RunEvent>;

/// A subscriber's handle.
#[derive(Debug, Clone)]
pub struct Subscriber {
    /// Where events go.
    pub tx: mpsc::Sender<EventRef>,
    /// When every owner is gone the run is aborted.
    pub owner: bool,
}

impl Subscriber {
    /// A new channel; returns the handle and the receiving end.
    pub fn channel(owner: bool) -> (Subscriber, mpsc::Receiver<EventRef>) {
        let (tx, rx) = mpsc::channel(SUBSCRIBER_BUFFER);
        (Subscriber { tx, owner }, rx)
    }
}
