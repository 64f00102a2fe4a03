//! Provider-neutral request, message and event types shared by every upstream.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How hard the model should think.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThinkingLevel {
    /// No extended reasoning parameters are sent.
    Off,
    /// Smallest budget.
    Minimal,
    /// Low budget.
    Low,
    /// Medium budget.
    Medium,
    /// High budget.
    High,
}

impl ThinkingLevel {
    /// Parses a level name (OpenClaw's aliases `xhigh`/`max` map to `high`, `none` to `off`).
    pub fn parse(s: &str) -> Option<ThinkingLevel> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "off" | "none" => ThinkingLevel::Off,
            "minimal" | "min" => ThinkingLevel::Minimal,
            "low" => ThinkingLevel::Low,
            "medium" | "med" | "adaptive" => ThinkingLevel::Medium,
            "high" | "xhigh" | "max" => ThinkingLevel::High,
            _ => return None,
        })
    }

    /// OpenAI `reasoning_effort` value; `None` for off.
    pub fn openai_effort(self) -> Option<&'static str> {
        match self {
            ThinkingLevel::Off => None,
            ThinkingLevel::Minimal => Some("minimal"),
            ThinkingLevel::Low => Some("low"),
            ThinkingLevel::Medium => Some("medium"),
            ThinkingLevel::High => Some("high"),
        }
    }

    /// Anthropic `thinking.budget_tokens`; `None` for off.
    pub fn anthropic_budget(self) -> Option<u32> {
        match self {
            ThinkingLevel::Off => None,
            ThinkingLevel::Minimal => Some(1024),
            ThinkingLevel::Low => Some(2048),
            ThinkingLevel::Medium => Some(8192),
            ThinkingLevel::High => Some(16384),
        }
    }
}

/// Who said a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The end user (or a channel sender).
    User,
    /// The model.
    Assistant,
    /// A tool result.
    Tool,
    /// A system note injected into the conversation (wake events, hooks).
    System,
}

impl Role {
    /// Stable lowercase name (stored in SQLite).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
            Role::System => "system",
        }
    }
    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "user" => Role::User,
            "assistant" => Role::Assistant,
            "tool" => Role::Tool,
            "system" => Role::System,
            _ => return None,
        })
    }
}

/// A tool call the model made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    /// Call id (the model's).
    pub id: String,
    /// Tool name.
    pub name: String,
    /// Arguments as a JSON string, exactly as the model produced them.
    pub arguments: String,
}

/// An image attached to a user message.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageData {
    /// MIME type, e.g. `image/png`.
    pub mime: String,
    /// Base64 data (no data-URL prefix).
    pub base64: String,
}

/// One message of a conversation as providers see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Speaker.
    pub role: Role,
    /// Text content (may be empty for an assistant message with only tool calls).
    pub content: Text,
    /// Tool calls (assistant only).
    pub tool_calls: Vec<ToolCall>,
    /// For a tool result: the call it answers.
    pub tool_call_id: Option<String>,
    /// Images (user only; not persisted).
    pub images: Vec<ImageData>,
}

/// A message's text, shared: every turn copies its session's conversation into the model
/// request, and a copy of a `Text` is a reference count, not the text (issue #15). It also
/// keeps its JSON string form once built, so a history message is escaped once, not on every
/// turn that resends it.
#[derive(Clone, Default)]
pub struct Text(std::sync::Arc<TextInner>);

#[derive(Default)]
struct TextInner {
    text: Box<str>,
    json: std::sync::OnceLock<Box<serde_json::value::RawValue>>,
}

impl Text {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0.text
    }

    /// The text as a JSON string literal (quoted and escaped), built on first use and kept.
    pub fn json(&self) -> &serde_json::value::RawValue {
        self.0.json.get_or_init(|| {
            serde_json::value::to_raw_value(&*self.0.text).expect("serialising a str cannot fail")
        })
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.0.text == other.0.text
    }
}

impl Eq for Text {}

impl std::hash::Hash for Text {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.0.text.hash(h);
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0.text
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0.text
    }
}

impl std::borrow::Borrow<str> for Text {
    fn borrow(&self) -> &str {
        &self.0.text
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text(std::sync::Arc::new(TextInner {
            text: s.into_boxed_str(),
            json: std::sync::OnceLock::new(),
        }))
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text::from(s.to_string())
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Self {
        Text::from(s.clone())
    }
}

impl From<Text> for String {
    fn from(t: Text) -> Self {
        t.0.text.to_string()
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.0.text, f)
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.text)
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        &*self.0.text == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        &*self.0.text == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        *self.0.text == **other
    }
}

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.text)
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Text::from)
    }
}

impl Message {
    /// A plain text message.
    pub fn text(role: Role, content: impl Into<Text>) -> Message {
        Message {
            role,
            content: content.into(),
            tool_calls: vec![],
            tool_call_id: None,
            images: vec![],
        }
    }

    /// Roughly the heap bytes this message holds (its text, tool calls and ids).
    pub fn heap_bytes(&self) -> usize {
        self.content.len()
            + self.tool_call_id.as_ref().map_or(0, String::len)
            + self
                .tool_calls
                .iter()
                .map(|c| c.id.len() + c.name.len() + c.arguments.len())
                .sum::<usize>()
    }
}

/// A function the model may call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    /// Name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// JSON schema of its arguments (shared: a server tool's schema is built once per
    /// process, not once per turn).
    pub parameters: std::sync::Arc<Value>,
}

/// Forcing or forbidding tool use.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ToolChoice {
    /// The model decides.
    #[default]
    Auto,
    /// No tools.
    None,
    /// Some tool must be called.
    Required,
    /// This tool must be called.
    Named(String),
}

/// Everything a provider needs for one model call.
#[derive(Debug, Clone)]
pub struct ModelRequest {
    /// Upstream model id.
    pub model: String,
    /// System prompt.
    pub system: String,
    /// Conversation, oldest first.
    pub messages: Vec<Message>,
    /// Tools offered.
    pub tools: Vec<ToolSpec>,
    /// Tool choice.
    pub tool_choice: ToolChoice,
    /// Thinking level.
    pub thinking: Option<ThinkingLevel>,
    /// Output cap.
    pub max_tokens: Option<u64>,
    /// Sampling temperature.
    pub temperature: Option<f64>,
    /// Nucleus sampling.
    pub top_p: Option<f64>,
    /// Stream the answer (always true inside agent runs that have streaming subscribers).
    pub stream: bool,
    /// Output controls beyond the basics (stop sequences, structured output, pass-through).
    pub options: ModelOptions,
}

/// Structured output the client asked for (`response_format` / `text.format`).
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseFormat {
    /// Any JSON object (OpenAI "JSON mode").
    JsonObject,
    /// JSON matching a schema.
    JsonSchema {
        /// Schema name (`[a-zA-Z0-9_-]`, as OpenAI requires).
        name: String,
        /// The JSON schema.
        schema: Value,
        /// `strict`, when the client set it.
        strict: Option<bool>,
    },
}

impl ResponseFormat {
    /// The OpenAI Chat Completions `response_format` value.
    pub fn openai_value(&self) -> Value {
        match self {
            ResponseFormat::JsonObject => serde_json::json!({"type": "json_object"}),
            ResponseFormat::JsonSchema {
                name,
                schema,
                strict,
            } => {
                let mut js = serde_json::json!({"name": name, "schema": schema});
                if let Some(s) = strict {
                    js["strict"] = (*s).into();
                }
                serde_json::json!({"type": "json_schema", "json_schema": js})
            }
        }
    }

    /// The schema the answer must match (`{"type":"object"}` for JSON mode).
    pub fn schema(&self) -> Value {
        match self {
            ResponseFormat::JsonObject => serde_json::json!({"type": "object"}),
            ResponseFormat::JsonSchema { schema, .. } => schema.clone(),
        }
    }
}

/// Request options a client may set beyond the basics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelOptions {
    /// Stop sequences (OpenAI `stop`, Anthropic `stop_sequences`).
    pub stop: Vec<String>,
    /// Structured output; `None` means free text.
    pub response_format: Option<ResponseFormat>,
    /// `parallel_tool_calls` (Anthropic: `disable_parallel_tool_use` when false).
    pub parallel_tool_calls: Option<bool>,
    /// Chat Completions fields forwarded verbatim to OpenAI-compatible upstreams only (`seed`,
    /// penalties, `logit_bias`, ...). The HTTP layer refuses them for other protocols.
    pub openai_passthrough: serde_json::Map<String, Value>,
}

/// Token usage as reported upstream (unreported fields are zero).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    /// Prompt tokens not served from cache.
    pub input: u64,
    /// Completion tokens.
    pub output: u64,
    /// Prompt tokens read from cache.
    pub cache_read: u64,
    /// Prompt tokens written to cache.
    pub cache_write: u64,
    /// Total as reported (0 when not reported).
    pub total: u64,
}

impl Usage {
    /// Adds another call's usage (multi-step runs).
    pub fn add(&mut self, o: &Usage) {
        self.input += o.input;
        self.output += o.output;
        self.cache_read += o.cache_read;
        self.cache_write += o.cache_write;
        self.total += o.total;
    }

    /// OpenAI-shaped triple per OpenClaw: prompt = input + cacheRead, completion = output,
    /// total = max(prompt + completion, reported total).
    pub fn openai_triple(&self) -> (u64, u64, u64) {
        let p = self.input + self.cache_read;
        let c = self.output;
        (p, c, (p + c).max(self.total))
    }
}

/// Why the model stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// Finished normally.
    Stop,
    /// Hit the output cap.
    Length,
    /// Wants tool results.
    ToolCalls,
    /// Content filtered.
    ContentFilter,
}

impl StopReason {
    /// OpenAI `finish_reason` string.
    pub fn as_openai(self) -> &'static str {
        match self {
            StopReason::Stop => "stop",
            StopReason::Length => "length",
            StopReason::ToolCalls => "tool_calls",
            StopReason::ContentFilter => "content_filter",
        }
    }
}

/// Incremental output of a model call.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelEvent {
    /// Assistant text.
    TextDelta(String),
    /// Reasoning / thinking text.
    ReasoningDelta(String),
    /// A tool call began.
    ToolCallStart {
        /// Position among this response's calls.
        index: usize,
        /// Call id.
        id: String,
        /// Tool name.
        name: String,
    },
    /// A fragment of a tool call's JSON arguments.
    ToolCallArgs {
        /// Position among this response's calls.
        index: usize,
        /// Fragment.
        fragment: String,
    },
}

/// The finished result of a model call.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelOutput {
    /// Full assistant text.
    pub text: String,
    /// Tool calls, in order.
    pub tool_calls: Vec<ToolCall>,
    /// Stop reason.
    pub stop: StopReason,
    /// Usage of this call.
    pub usage: Usage,
}

impl ModelOutput {
    /// Assembles an output; any tool call makes the stop reason `tool_calls` whatever the
    /// upstream said (some report `stop` alongside calls).
    pub fn assemble(
        text: String,
        tool_calls: Vec<ToolCall>,
        stop: Option<StopReason>,
        usage: Usage,
    ) -> ModelOutput {
        let stop = if tool_calls.is_empty() {
            stop.unwrap_or(StopReason::Stop)
        } else {
            StopReason::ToolCalls
        };
        ModelOutput {
            text,
            tool_calls,
            stop,
            usage,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Text;

    #[test]
    fn a_texts_json_form_is_the_escaped_string_and_built_once() {
        let t = Text::from("say \"hi\"\n\u{1}é");
        assert_eq!(t.json().get(), r#""say \"hi\"\n\u0001é""#);
        let copy = t.clone();
        assert!(
            std::ptr::eq(t.json(), copy.json()),
            "copies share the cached form"
        );
        assert_eq!(
            serde_json::from_str::<String>(copy.json().get()).unwrap(),
            t.as_str()
        );
    }
}
