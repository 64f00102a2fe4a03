//! Prompt building (spec §4.2): a validated [`ResponsesRequest`] becomes a provider-neutral
//! [`TurnInput`] — extra system prompt, flattened history, current message, attachments,
//! client tools — plus the same conversation as structured items for providers that replay real
//! `function_call` / tool messages.
//!
//! [`render_conversation`] is the shared history format of `/v1/chat/completions` (§3.2).

use serde_json::{json, Value};

use super::media::{FileRef, ImageRef};
use super::schema::{ContentPart, Input, Item, MessageContent, ResponsesRequest, Role, ToolChoice};

/// First line of the history block.
pub const HISTORY_CONTEXT_MARKER: &str = "[Chat messages since your last reply - for context]";
/// Line introducing the current message.
pub const CURRENT_MESSAGE_MARKER: &str = "[Current message - respond to this]";
/// System-prompt line added for `tool_choice: "required"`.
pub const REQUIRED_TOOL_PROMPT: &str =
    "You must call one of the available tools before responding.";
/// Body used for a current user message that only carries images.
pub const IMAGE_ONLY_MESSAGE: &str = "User sent image(s) with no text.";
/// Body used for a current user message that only carries files.
pub const FILE_ONLY_MESSAGE: &str = "User sent file(s) with no text.";

/// Prompt-building failures (HTTP 400, `invalid_request_error`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PromptError {
    /// No user message or tool output to respond to.
    #[error("Missing user message in `input`.")]
    MissingUserMessage,
    /// `tool_choice: "required"` without tools.
    #[error("invalid tool configuration")]
    InvalidToolConfiguration,
    /// `tool_choice` names a function that is not in `tools`.
    #[error("tool_choice requested unknown tool: {0}")]
    UnknownTool(String),
}

/// Who a history entry is from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryRole {
    /// The user.
    User,
    /// The assistant.
    Assistant,
    /// A tool result.
    Tool,
}

/// One flattened conversation entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Speaker.
    pub role: HistoryRole,
    /// Body text.
    pub text: String,
    /// For tool results: the call id answered (`function_call_output.call_id`).
    pub tool_call_id: Option<String>,
    /// For tool results: the tool name, when known (chat-completions `name`).
    pub tool_name: Option<String>,
}

impl HistoryEntry {
    /// A user entry.
    pub fn user(text: impl Into<String>) -> Self {
        Self::new(HistoryRole::User, text)
    }

    /// An assistant entry.
    pub fn assistant(text: impl Into<String>) -> Self {
        Self::new(HistoryRole::Assistant, text)
    }

    /// A tool-result entry for `call_id`.
    pub fn tool_output(call_id: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            tool_call_id: Some(call_id.into()),
            ..Self::new(HistoryRole::Tool, text)
        }
    }

    fn new(role: HistoryRole, text: impl Into<String>) -> Self {
        Self {
            role,
            text: text.into(),
            tool_call_id: None,
            tool_name: None,
        }
    }

    /// The sender label: `User`, `Assistant`, `Tool:<name or call id>` or `Tool`.
    pub fn sender(&self) -> String {
        match self.role {
            HistoryRole::User => "User".to_owned(),
            HistoryRole::Assistant => "Assistant".to_owned(),
            HistoryRole::Tool => match self.tool_name.as_ref().or(self.tool_call_id.as_ref()) {
                Some(label) => format!("Tool:{label}"),
                None => "Tool".to_owned(),
            },
        }
    }

    /// `"<sender>: <text>"`.
    pub fn render(&self) -> String {
        format!("{}: {}", self.sender(), self.text)
    }
}

/// Renders the agent message: the bare current text when there is no history, otherwise the
/// history block, a blank line, and the current entry under [`CURRENT_MESSAGE_MARKER`].
pub fn render_conversation(history: &[HistoryEntry], current: &HistoryEntry) -> String {
    if history.is_empty() {
        return current.text.clone();
    }
    let lines: Vec<String> = history.iter().map(HistoryEntry::render).collect();
    [
        HISTORY_CONTEXT_MARKER.to_owned(),
        lines.join("\n"),
        String::new(),
        CURRENT_MESSAGE_MARKER.to_owned(),
        current.render(),
    ]
    .join("\n")
}

/// The conversation as ordered structured items (system text excluded), for providers that send
/// real tool-call messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConversationItem {
    /// A user or assistant message (non-empty text).
    Message {
        /// `User` or `Assistant`.
        role: HistoryRole,
        /// Text of the message.
        text: String,
    },
    /// A tool call the model made earlier.
    FunctionCall {
        /// Call id (may be empty when the client omitted it).
        call_id: String,
        /// Tool name.
        name: String,
        /// JSON-encoded arguments.
        arguments: String,
    },
    /// The client's result for a call.
    FunctionCallOutput {
        /// Call id answered.
        call_id: String,
        /// Result text.
        output: String,
    },
}

/// A client-executed tool offered to the model.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientTool {
    /// Tool name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// JSON schema (`{"type":"object","properties":{}}` when the request gave none).
    pub parameters: Value,
    /// Strict flag, preserved.
    pub strict: Option<bool>,
}

impl ClientTool {
    /// Chat-Completions form `{type:"function",function:{name,description,parameters,strict}}`
    /// (absent optional fields omitted).
    pub fn to_chat_tool(&self) -> Value {
        let mut function = json!({"name": self.name, "parameters": self.parameters});
        if let Some(d) = &self.description {
            function["description"] = Value::from(d.as_str());
        }
        if let Some(s) = self.strict {
            function["strict"] = Value::from(s);
        }
        json!({"type": "function", "function": function})
    }
}

/// Everything a provider needs for one `/v1/responses` turn.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnInput {
    /// `[instructions, system/developer text, tool_choice prompt, file context]` joined by a
    /// blank line; `None` when all are empty.
    pub extra_system_prompt: Option<String>,
    /// Entries before the current one (trailing assistant entries after it are dropped).
    pub history: Vec<HistoryEntry>,
    /// The rendered agent message ([`render_conversation`]).
    pub message: String,
    /// Images of user messages and top-level `input_image` items, in order.
    pub images: Vec<ImageRef>,
    /// Files of user messages and top-level `input_file` items, in order.
    pub files: Vec<FileRef>,
    /// Tools after `tool_choice` filtering (empty for `"none"`).
    pub client_tools: Vec<ClientTool>,
    /// Effective tool choice (`Auto` when absent).
    pub tool_choice: ToolChoice,
    /// `max_output_tokens`, for the provider's `maxTokens`.
    pub max_output_tokens: Option<u32>,
    /// Structured conversation, in input order.
    pub items: Vec<ConversationItem>,
}

impl TurnInput {
    /// Appends resolved file blocks (last element of the extra system prompt).
    pub fn append_file_context(&mut self, file_context: &str) {
        if file_context.is_empty() {
            return;
        }
        self.extra_system_prompt = Some(match self.extra_system_prompt.take() {
            Some(prev) => format!("{prev}\n\n{file_context}"),
            None => file_context.to_owned(),
        });
    }
}

fn content_text(content: &MessageContent) -> String {
    match content {
        MessageContent::Text(s) => s.trim().to_owned(),
        MessageContent::Parts(parts) => parts
            .iter()
            .filter_map(|p| match p {
                ContentPart::InputText(t) | ContentPart::OutputText(t) => Some(t.text.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_owned(),
    }
}

/// Builds the turn input for a validated request.
pub fn build_turn(req: &ResponsesRequest) -> Result<TurnInput, PromptError> {
    let mut system_parts: Vec<String> = Vec::new();
    let mut entries: Vec<HistoryEntry> = Vec::new();
    let mut items: Vec<ConversationItem> = Vec::new();
    let mut images: Vec<ImageRef> = Vec::new();
    let mut files: Vec<FileRef> = Vec::new();

    match &req.input {
        Input::Text(text) => {
            entries.push(HistoryEntry::user(text.as_str()));
            items.push(ConversationItem::Message {
                role: HistoryRole::User,
                text: text.clone(),
            });
        }
        Input::Items(list) => {
            for item in list {
                collect_item(
                    item,
                    &mut system_parts,
                    &mut entries,
                    &mut items,
                    &mut images,
                    &mut files,
                );
            }
        }
    }

    let current_idx = entries
        .iter()
        .rposition(|e| matches!(e.role, HistoryRole::User | HistoryRole::Tool))
        .ok_or(PromptError::MissingUserMessage)?;
    entries.truncate(current_idx + 1);
    let current = entries.pop().ok_or(PromptError::MissingUserMessage)?;
    let message = render_conversation(&entries, &current);

    let tool_choice = req.tool_choice.clone().unwrap_or(ToolChoice::Auto);
    let all_tools: Vec<ClientTool> = req
        .tools
        .iter()
        .flatten()
        .map(|t| ClientTool {
            name: t.name.clone(),
            description: t.description.clone(),
            parameters: t
                .parameters
                .clone()
                .unwrap_or_else(|| json!({"type": "object", "properties": {}})),
            strict: t.strict,
        })
        .collect();
    let (client_tools, tool_prompt) = match &tool_choice {
        ToolChoice::Auto => (all_tools, None),
        ToolChoice::None => (Vec::new(), None),
        ToolChoice::Required => {
            if all_tools.is_empty() {
                return Err(PromptError::InvalidToolConfiguration);
            }
            (all_tools, Some(REQUIRED_TOOL_PROMPT.to_owned()))
        }
        ToolChoice::Function(name) => {
            let chosen: Vec<ClientTool> =
                all_tools.into_iter().filter(|t| &t.name == name).collect();
            if chosen.is_empty() {
                return Err(PromptError::UnknownTool(name.clone()));
            }
            (
                chosen,
                Some(format!("You must call the {name} tool before responding.")),
            )
        }
    };

    let system_text = system_parts.join("\n\n");
    let prompt_parts: Vec<&str> = [
        req.instructions.as_deref().map(str::trim),
        Some(system_text.as_str()),
        tool_prompt.as_deref(),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.is_empty())
    .collect();
    let extra_system_prompt = (!prompt_parts.is_empty()).then(|| prompt_parts.join("\n\n"));

    Ok(TurnInput {
        extra_system_prompt,
        history: entries,
        message,
        images,
        files,
        client_tools,
        tool_choice,
        max_output_tokens: req.max_output_tokens,
        items,
    })
}

fn collect_item(
    item: &Item,
    system_parts: &mut Vec<String>,
    entries: &mut Vec<HistoryEntry>,
    items: &mut Vec<ConversationItem>,
    images: &mut Vec<ImageRef>,
    files: &mut Vec<FileRef>,
) {
    match item {
        Item::Message(m) => {
            let mut text = content_text(&m.content);
            if matches!(m.role, Role::System | Role::Developer) {
                if !text.is_empty() {
                    system_parts.push(text);
                }
                return;
            }
            let (mut has_images, mut has_files) = (false, false);
            if m.role == Role::User {
                if let MessageContent::Parts(parts) = &m.content {
                    for part in parts {
                        match part {
                            ContentPart::InputImage(img) => {
                                has_images = true;
                                images.push(img.source.clone());
                            }
                            ContentPart::InputFile(f) => {
                                has_files = true;
                                files.push(FileRef {
                                    source: f.source.clone(),
                                    filename: f.filename.clone(),
                                });
                            }
                            _ => {}
                        }
                    }
                }
                if text.is_empty() && has_images {
                    text = IMAGE_ONLY_MESSAGE.to_owned();
                } else if text.is_empty() && has_files {
                    text = FILE_ONLY_MESSAGE.to_owned();
                }
            }
            if text.is_empty() {
                return;
            }
            let role = if m.role == Role::User {
                HistoryRole::User
            } else {
                HistoryRole::Assistant
            };
            entries.push(HistoryEntry::new(role, text.as_str()));
            items.push(ConversationItem::Message { role, text });
        }
        Item::FunctionCall(c) => items.push(ConversationItem::FunctionCall {
            call_id: c
                .call_id
                .clone()
                .or_else(|| c.id.clone())
                .unwrap_or_default(),
            name: c.name.clone(),
            arguments: c.arguments.clone(),
        }),
        Item::FunctionCallOutput(o) => {
            entries.push(HistoryEntry::tool_output(
                o.call_id.as_str(),
                o.output.as_str(),
            ));
            items.push(ConversationItem::FunctionCallOutput {
                call_id: o.call_id.clone(),
                output: o.output.clone(),
            });
        }
        Item::InputImage(img) => images.push(img.source.clone()),
        Item::InputFile(f) => files.push(FileRef {
            source: f.source.clone(),
            filename: f.filename.clone(),
        }),
        Item::ItemReference(_) | Item::Reasoning(_) | Item::Compaction(_) => {}
    }
}

#[cfg(test)]
#[path = "prompt_tests.rs"]
mod tests;
