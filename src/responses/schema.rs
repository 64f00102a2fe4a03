//! Typed request schema for `POST /v1/responses` (spec §4.1, wire-formats §1.3).
//!
//! These types are the *output* of [`parse_request`]: a strict, hand-walked validator over the
//! raw JSON (see `schema_parse.rs`) that reports the offending path the way OpenClaw's Zod schema
//! does (`"<path>: <message>"`). The types also derive serde with `deny_unknown_fields`, so they
//! round-trip and can be (de)serialized directly where no path-precise error is needed.
//!
//! Both the OpenAI content-part forms (`image_url`, `file_data`/`file_url`) and OpenClaw's
//! `source` form are accepted and normalized into [`MediaSource`].

use crate::providers::types::{ResponseFormat, ThinkingLevel};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use super::schema_parse::{parse_request, parse_value, SchemaError};

/// The image MIME types OpenClaw accepts in an `input_image` base64 `source` (checked at schema time).
pub const IMAGE_SOURCE_MIMES: [&str; 6] = [
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/heic",
    "image/heif",
];

/// A validated `POST /v1/responses` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponsesRequest {
    /// Requested model (`openclaw`, `openclaw/<agent>`, ...). Required.
    pub model: String,
    /// The turn input: a bare string or a list of items.
    pub input: Input,
    /// Extra instructions, prepended to the extra system prompt.
    #[serde(default)]
    pub instructions: Option<String>,
    /// Client (function) tools, flat Responses format. Absent and `[]` are both `None`/empty.
    #[serde(default)]
    pub tools: Option<Vec<FunctionTool>>,
    /// Tool choice; `None` means the default (`auto`).
    #[serde(default)]
    pub tool_choice: Option<ToolChoice>,
    /// Whether to answer with an SSE stream.
    #[serde(default)]
    pub stream: Option<bool>,
    /// Output token budget (> 0), passed to the provider as `maxTokens`.
    #[serde(default)]
    pub max_output_tokens: Option<u32>,
    /// Accepted and echoed, not enforced (> 0).
    #[serde(default)]
    pub max_tool_calls: Option<u32>,
    /// End-user id; selects the session key `...:openresponses-user:<user>`.
    #[serde(default)]
    pub user: Option<String>,
    /// Accepted and echoed.
    #[serde(default)]
    pub temperature: Option<f64>,
    /// Accepted and echoed.
    #[serde(default)]
    pub top_p: Option<f64>,
    /// String-to-string metadata, kept as the raw JSON object so it can be echoed verbatim
    /// (key order preserved).
    #[serde(default)]
    pub metadata: Option<Map<String, Value>>,
    /// Accepted and echoed.
    #[serde(default)]
    pub store: Option<bool>,
    /// Continue the session of an earlier response.
    #[serde(default)]
    pub previous_response_id: Option<String>,
    /// Accepted and echoed.
    #[serde(default)]
    pub reasoning: Option<Reasoning>,
    /// Accepted and echoed.
    #[serde(default)]
    pub truncation: Option<Truncation>,
    /// Echoed; `false` is passed to the model.
    #[serde(default)]
    pub parallel_tool_calls: Option<bool>,
    /// Extra output the client asks for (`reasoning.encrypted_content`, logprobs, ...):
    /// accepted; the gateway has none of it to add.
    #[serde(default)]
    pub include: Option<Vec<String>>,
    /// Output text format: `json_object` / `json_schema` ask the model for structured output.
    #[serde(default)]
    pub text: Option<TextConfig>,
    /// Accepted and echoed (the gateway has one tier).
    #[serde(default)]
    pub service_tier: Option<String>,
    /// Accepted and echoed.
    #[serde(default)]
    pub prompt_cache_key: Option<String>,
    /// Accepted and echoed.
    #[serde(default)]
    pub safety_identifier: Option<String>,
}

impl ResponsesRequest {
    /// `stream` with its default (`false`) applied.
    pub fn is_stream(&self) -> bool {
        self.stream.unwrap_or(false)
    }
}

/// `input`: a string or a list of items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Input {
    /// `"input": "hello"` → one user message.
    Text(String),
    /// `"input": [ {...}, ... ]`.
    Items(Vec<Item>),
}

/// One input item (`type` discriminator).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Item {
    /// A chat message.
    Message(MessageItem),
    /// A tool call previously made by the model (replayed by the client).
    FunctionCall(FunctionCallItem),
    /// The client's result of a tool call.
    FunctionCallOutput(FunctionCallOutputItem),
    /// Reference to an earlier item by id (accepted, ignored).
    ItemReference(ItemReference),
    /// Reasoning item (accepted, ignored).
    Reasoning(ReasoningItem),
    /// Compaction item replayed from `/responses/compact` (accepted, ignored).
    Compaction(CompactionItem),
    /// A top-level image, treated as an attachment of the user turn.
    InputImage(ImagePart),
    /// A top-level file, treated as an attachment of the user turn.
    InputFile(FilePart),
}

/// Message roles accepted in `input`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// System text → extra system prompt.
    System,
    /// Developer text → extra system prompt.
    Developer,
    /// User turn.
    User,
    /// Assistant turn.
    Assistant,
}

/// Assistant message phase (OpenResponses 2026-04-24).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Intermediate assistant text (e.g. before a tool call).
    Commentary,
    /// The final answer.
    FinalAnswer,
}

/// `{type:"message", role, content, phase?}` (plus `id`/`status` when an output item is replayed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageItem {
    /// Who speaks.
    pub role: Role,
    /// String or content parts.
    pub content: MessageContent,
    /// Only valid on assistant messages.
    #[serde(default)]
    pub phase: Option<Phase>,
    /// Item id when a previous output item is replayed.
    #[serde(default)]
    pub id: Option<String>,
    /// Item status when a previous output item is replayed.
    #[serde(default)]
    pub status: Option<String>,
}

/// Message content: a string or a list of parts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MessageContent {
    /// Plain text.
    Text(String),
    /// Typed parts.
    Parts(Vec<ContentPart>),
}

/// A content part (`type` discriminator).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentPart {
    /// `{type:"input_text", text}`.
    InputText(TextPart),
    /// `{type:"output_text", text, annotations?, logprobs?}`.
    OutputText(TextPart),
    /// An image.
    InputImage(ImagePart),
    /// A file.
    InputFile(FilePart),
}

/// Text of an `input_text` / `output_text` part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextPart {
    /// The text.
    pub text: String,
    /// Replayed `output_text` annotations (ignored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Value>,
    /// Replayed `output_text` logprobs (ignored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<Value>,
}

/// Where an image or file comes from, normalized from either wire form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum MediaSource {
    /// Fetch from an http(s) URL (SSRF-guarded).
    Url {
        /// The URL.
        url: String,
    },
    /// Inline base64 data.
    Base64 {
        /// Declared MIME type (`None` when only raw base64 was given without a data URL).
        media_type: Option<String>,
        /// Base64 payload (no `data:` prefix).
        data: String,
        /// Optional file name (OpenClaw source form).
        #[serde(default)]
        filename: Option<String>,
    },
}

/// Image detail hint (OpenAI form; accepted, ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageDetail {
    /// Low resolution.
    Low,
    /// High resolution.
    High,
    /// Provider decides.
    Auto,
}

/// An `input_image` part, from `{image_url, detail?}` or `{source}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImagePart {
    /// Normalized source.
    pub source: MediaSource,
    /// OpenAI `detail` hint.
    #[serde(default)]
    pub detail: Option<ImageDetail>,
}

/// An `input_file` part, from `{file_data?, file_url?, filename?}` or `{source}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilePart {
    /// Normalized source.
    pub source: MediaSource,
    /// File name shown to the model (`filename` key, or the source's `filename`).
    #[serde(default)]
    pub filename: Option<String>,
}

/// `{type:"function_call", call_id, name, arguments, id?, status?}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionCallItem {
    /// Item id (`fc_...`).
    #[serde(default)]
    pub id: Option<String>,
    /// Model-side call id that a later `function_call_output` refers to.
    #[serde(default)]
    pub call_id: Option<String>,
    /// Tool name.
    pub name: String,
    /// JSON-encoded arguments.
    pub arguments: String,
    /// Replayed item status.
    #[serde(default)]
    pub status: Option<String>,
}

/// `{type:"function_call_output", call_id, output, id?, status?}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionCallOutputItem {
    /// Item id.
    #[serde(default)]
    pub id: Option<String>,
    /// The call this answers.
    pub call_id: String,
    /// Tool result text.
    pub output: String,
    /// Replayed item status.
    #[serde(default)]
    pub status: Option<String>,
}

/// `{type:"item_reference", id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemReference {
    /// Referenced item id.
    pub id: String,
}

/// `{type:"reasoning", id?, content?, encrypted_content?, summary?}` (kept raw, ignored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasoningItem {
    /// Item id.
    #[serde(default)]
    pub id: Option<String>,
    /// Raw reasoning content.
    #[serde(default)]
    pub content: Option<Value>,
    /// Opaque provider blob.
    #[serde(default)]
    pub encrypted_content: Option<String>,
    /// Raw summary.
    #[serde(default)]
    pub summary: Option<Value>,
}

/// `{type:"compaction", id?, encrypted_content}` (ignored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompactionItem {
    /// Item id.
    #[serde(default)]
    pub id: Option<String>,
    /// Opaque compacted history.
    pub encrypted_content: String,
}

/// Flat Responses function tool `{type:"function", name, description?, parameters?, strict?}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionTool {
    /// Non-empty tool name.
    pub name: String,
    /// Description for the model.
    #[serde(default)]
    pub description: Option<String>,
    /// JSON schema object of the arguments.
    #[serde(default)]
    pub parameters: Option<Value>,
    /// Strict argument validation hint.
    #[serde(default)]
    pub strict: Option<bool>,
}

/// `tool_choice`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolChoice {
    /// Model decides (default).
    Auto,
    /// No tools are offered.
    None,
    /// The model must call one of the tools.
    Required,
    /// The model must call this named function
    /// (`{type:"function",name}` or `{type:"function",function:{name}}`).
    Function(String),
}

impl ToolChoice {
    /// The wire form echoed in a response resource (`"auto"` or `{type:"function",name}`).
    pub fn to_value(&self) -> Value {
        match self {
            Self::Auto => Value::from("auto"),
            Self::None => Value::from("none"),
            Self::Required => Value::from("required"),
            Self::Function(name) => serde_json::json!({"type": "function", "name": name}),
        }
    }
}

/// Reasoning effort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasoningEffort {
    /// No reasoning.
    None,
    /// Minimal.
    Minimal,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Extra high (mapped to the highest thinking level).
    Xhigh,
}

impl ReasoningEffort {
    /// The gateway thinking level for this effort.
    pub fn thinking_level(self) -> ThinkingLevel {
        match self {
            ReasoningEffort::None => ThinkingLevel::Off,
            ReasoningEffort::Minimal => ThinkingLevel::Minimal,
            ReasoningEffort::Low => ThinkingLevel::Low,
            ReasoningEffort::Medium => ThinkingLevel::Medium,
            ReasoningEffort::High | ReasoningEffort::Xhigh => ThinkingLevel::High,
        }
    }
}

/// `text`: output text configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextConfig {
    /// `text.format` (default `{type:"text"}`).
    #[serde(default)]
    pub format: Option<TextFormat>,
    /// `text.verbosity` (`low`/`medium`/`high`), echoed.
    #[serde(default)]
    pub verbosity: Option<String>,
}

/// `text.format`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TextFormat {
    /// Free text.
    Text,
    /// Any JSON object.
    JsonObject,
    /// JSON matching `schema`.
    JsonSchema {
        /// Schema name.
        name: String,
        /// The JSON schema.
        schema: Value,
        /// Description (echoed).
        #[serde(default)]
        description: Option<String>,
        /// Strict mode, when set.
        #[serde(default)]
        strict: Option<bool>,
    },
}

impl TextFormat {
    /// The structured-output request for the model (`None` for free text).
    pub fn response_format(&self) -> Option<ResponseFormat> {
        match self {
            TextFormat::Text => None,
            TextFormat::JsonObject => Some(ResponseFormat::JsonObject),
            TextFormat::JsonSchema {
                name,
                schema,
                strict,
                ..
            } => Some(ResponseFormat::JsonSchema {
                name: name.clone(),
                schema: schema.clone(),
                strict: *strict,
            }),
        }
    }
}

/// Reasoning summary style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasoningSummary {
    /// Auto.
    Auto,
    /// Concise.
    Concise,
    /// Detailed.
    Detailed,
}

/// `reasoning: {effort?, summary?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reasoning {
    /// Effort (echoed as `null` when absent).
    #[serde(default)]
    pub effort: Option<ReasoningEffort>,
    /// Summary (echoed as `null` when absent).
    #[serde(default)]
    pub summary: Option<ReasoningSummary>,
}

/// `truncation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Truncation {
    /// Auto.
    Auto,
    /// Disabled (default when echoed).
    Disabled,
}
