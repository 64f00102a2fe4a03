//! Agent turn helpers: the system prompt, isolated and system-event turns, and the
//! conversation folding OpenClaw applies to client-supplied histories.

pub mod heartbeat_reply;
pub mod isolated;
pub mod prompt;
pub mod system_events;

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
