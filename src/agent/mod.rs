//! Agent turn inputs: what one turn asks for ([`TurnRequest`]), the system prompt, and the
//! conversation folding OpenClaw applies to client-supplied histories.

pub mod isolated;
pub mod prompt;
pub mod system_events;

use crate::config::ModelRef;
use crate::providers::types::{
    ImageData, Message, ModelOptions, ThinkingLevel, ToolChoice, ToolSpec,
};
use std::time::Duration;

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
        }
    }
}

/// Marker OpenClaw puts before folded history.
pub const HISTORY_MARKER: &str = "[Chat messages since your last reply - for context]";
/// Marker OpenClaw puts before the current message.
pub const CURRENT_MARKER: &str = "[Current message - respond to this]";

/// A client-supplied conversation entry (`User`, `Assistant`, `Tool:<name>`).
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationEntry {
    /// Label as rendered (`User`, `Assistant`, `Tool`, `Tool:get_weather`).
    pub label: String,
    /// Text.
    pub text: String,
}

/// Folds earlier client-supplied entries into the current message exactly as OpenClaw does:
/// with no history the message is the bare text; otherwise both markers frame it.
pub fn render_conversation(history: &[ConversationEntry], current: &ConversationEntry) -> String {
    if history.is_empty() {
        return current.text.clone();
    }
    let mut out = String::with_capacity(256);
    out.push_str(HISTORY_MARKER);
    out.push('\n');
    for e in history {
        out.push_str(&e.label);
        out.push_str(": ");
        out.push_str(&e.text);
        out.push('\n');
    }
    out.push('\n');
    out.push_str(CURRENT_MARKER);
    out.push('\n');
    out.push_str(&current.label);
    out.push_str(": ");
    out.push_str(&current.text);
    out
}
