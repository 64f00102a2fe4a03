//! Parsing a `/v1/chat/completions` body into one agent turn (OpenClaw's folding rules).

use super::{chat_fields, chat_history};
use crate::agent::{render_conversation, ConversationEntry};
use crate::error::GatewayError;
use crate::providers::types::{
    ImageData, Message, ModelOptions, Role, ThinkingLevel, ToolChoice, ToolSpec,
};
use base64::Engine;
use serde_json::Value;

/// Image parts allowed in the latest user message.
pub const MAX_IMAGE_PARTS: usize = 8;
/// Decoded image bytes allowed per request.
pub const MAX_TOTAL_IMAGE_BYTES: usize = 20 * 1024 * 1024;
/// Image MIME types accepted.
pub const IMAGE_MIMES: [&str; 6] = [
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/heic",
    "image/heif",
];
const INVALID_IMAGE: &str = "Invalid image_url content in `messages`.";
const MISSING_USER: &str = "Missing user message in `messages`.";

/// A parsed request.
#[derive(Debug, Default)]
pub struct ChatInput {
    /// `model`.
    pub model: Option<String>,
    /// `stream`.
    pub stream: bool,
    /// `stream_options.include_usage`.
    pub include_usage: bool,
    /// `user`.
    pub user: Option<String>,
    /// The folded current message (empty when `history` carries the conversation).
    pub message: String,
    /// The conversation as structured messages, when it carries a client tool round trip
    /// (images of the latest user message are attached there).
    pub history: Vec<Message>,
    /// System and developer text.
    pub extra_system: Option<String>,
    /// Images of the latest user message.
    pub images: Vec<ImageData>,
    /// Client tools.
    pub tools: Vec<ToolSpec>,
    /// Tool choice.
    pub tool_choice: ToolChoice,
    /// `max_tokens` / `max_completion_tokens`.
    pub max_tokens: Option<u64>,
    /// `temperature`.
    pub temperature: Option<f64>,
    /// `top_p`.
    pub top_p: Option<f64>,
    /// Stop sequences, structured output and provider pass-through fields.
    pub options: ModelOptions,
    /// `reasoning_effort`.
    pub thinking: Option<ThinkingLevel>,
}

impl ChatInput {
    /// Whether any message of this turn carries images.
    pub fn has_images(&self) -> bool {
        !self.images.is_empty() || self.history.iter().any(|m| !m.images.is_empty())
    }
}

/// Decodes and checks the image URLs of the latest user message.
fn decode_images(urls: &[&str]) -> Result<Vec<ImageData>, GatewayError> {
    if urls.len() > MAX_IMAGE_PARTS {
        return Err(GatewayError::bad_param(INVALID_IMAGE, "messages"));
    }
    let mut images = Vec::new();
    let mut total = 0;
    for u in urls {
        let img = decode_data_url(u)
            .filter(|i| IMAGE_MIMES.contains(&i.mime.as_str()))
            .ok_or_else(|| GatewayError::bad_param(INVALID_IMAGE, "messages"))?;
        total += img.base64.len() * 3 / 4;
        if total > MAX_TOTAL_IMAGE_BYTES {
            return Err(GatewayError::bad_param(INVALID_IMAGE, "messages"));
        }
        images.push(img);
    }
    Ok(images)
}

/// The structured form of a history with a tool round trip: (system texts, messages).
fn structured(messages: &[Value]) -> Result<(Vec<String>, Vec<Message>), GatewayError> {
    let mut system = Vec::new();
    let mut history = Vec::new();
    let mut last_user: Option<(usize, Vec<&str>)> = None;
    for (i, m) in messages.iter().enumerate() {
        let role = m.get("role").and_then(Value::as_str).unwrap_or("");
        let (text, urls) = text_of(m.get("content").unwrap_or(&Value::Null));
        if role == "system" || role == "developer" {
            if !text.is_empty() {
                system.push(text);
            }
            continue;
        }
        if role == "user" {
            last_user = Some((history.len(), urls));
        }
        history.push(chat_history::message(m, i, text)?);
    }
    if !history
        .iter()
        .any(|m| matches!(m.role, Role::User | Role::Tool))
    {
        return Err(GatewayError::bad_param(MISSING_USER, "messages"));
    }
    if let Some((idx, urls)) = last_user {
        history[idx].images = decode_images(&urls)?;
    }
    Ok((system, history))
}

fn text_of(content: &Value) -> (String, Vec<&str>) {
    match content {
        Value::String(s) => (s.clone(), vec![]),
        Value::Array(parts) => {
            let mut texts = Vec::new();
            let mut images = Vec::new();
            for p in parts {
                match p.get("type").and_then(Value::as_str) {
                    Some("text") | Some("input_text") => {
                        if let Some(t) = p.get("text").and_then(Value::as_str) {
                            texts.push(t.to_string());
                        }
                    }
                    Some("image_url") => {
                        let url = p
                            .pointer("/image_url/url")
                            .or_else(|| p.get("image_url"))
                            .and_then(Value::as_str)
                            .unwrap_or("");
                        images.push(url);
                    }
                    _ => {
                        if let Some(t) = p.get("input_text").and_then(Value::as_str) {
                            texts.push(t.to_string());
                        }
                    }
                }
            }
            (texts.join("\n"), images)
        }
        _ => (String::new(), vec![]),
    }
}

/// Decodes a `data:<mime>[;params];base64,<data>` image URL.
pub fn decode_data_url(url: &str) -> Option<ImageData> {
    let rest = url.strip_prefix("data:")?;
    let (meta, data) = rest.split_once(',')?;
    let mut parts = meta.split(';');
    let mime = parts.next()?.trim().to_ascii_lowercase();
    if !parts.any(|p| p.trim().eq_ignore_ascii_case("base64")) {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .ok()?;
    Some(ImageData {
        mime,
        base64: base64::engine::general_purpose::STANDARD.encode(bytes),
    })
}

fn parse_tools(body: &Value) -> Result<(Vec<ToolSpec>, ToolChoice), GatewayError> {
    let mut tools = Vec::new();
    if let Some(list) = body.get("tools").filter(|t| !t.is_null()) {
        let list = list
            .as_array()
            .ok_or_else(|| GatewayError::bad_param("`tools` must be an array", "tools"))?;
        for (i, t) in list.iter().enumerate() {
            let f = t.get("function").unwrap_or(t);
            let name = f
                .get("name")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
                .ok_or_else(|| {
                    GatewayError::bad_param(
                        format!("tools[{i}].function.name is required"),
                        "tools",
                    )
                })?;
            tools.push(ToolSpec {
                name: name.to_string(),
                description: f
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                parameters: std::sync::Arc::new(
                    f.get("parameters")
                        .cloned()
                        .unwrap_or_else(|| serde_json::json!({"type": "object", "properties": {}})),
                ),
            });
        }
    }
    let choice = match body.get("tool_choice") {
        None | Some(Value::Null) => ToolChoice::Auto,
        Some(Value::String(s)) if s == "auto" => ToolChoice::Auto,
        Some(Value::String(s)) if s == "none" => ToolChoice::None,
        Some(Value::String(s)) if s == "required" => ToolChoice::Required,
        Some(v) => match v.pointer("/function/name").and_then(Value::as_str) {
            Some(n) if tools.iter().any(|t| t.name == n) => ToolChoice::Named(n.to_string()),
            _ => {
                return Err(GatewayError::bad_param(
                    "invalid `tool_choice`",
                    "tool_choice",
                ))
            }
        },
    };
    Ok((tools, choice))
}

/// Parses and folds a request body.
pub fn parse(body: &Value) -> Result<ChatInput, GatewayError> {
    let obj = body
        .as_object()
        .ok_or_else(|| GatewayError::bad_request("request body must be a JSON object"))?;
    let model = match obj.get("model") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(GatewayError::bad_param("`model` must be a string", "model")),
    };
    let messages = match obj.get("messages") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(a)) => a.as_slice(),
        Some(_) => {
            return Err(GatewayError::bad_param(
                "`messages` must be an array",
                "messages",
            ))
        }
    };
    let fields = chat_fields::parse(obj)?;
    let (tools, tool_choice) = parse_tools(body)?;
    let num = |k: &str| obj.get(k).and_then(Value::as_f64);
    let mut input = ChatInput {
        model,
        stream: obj.get("stream").and_then(Value::as_bool).unwrap_or(false),
        include_usage: obj
            .get("stream_options")
            .and_then(|o| o.get("include_usage"))
            .and_then(Value::as_bool)
            .unwrap_or(false),
        user: obj.get("user").and_then(Value::as_str).map(str::to_string),
        tools,
        tool_choice,
        max_tokens: obj
            .get("max_completion_tokens")
            .or_else(|| obj.get("max_tokens"))
            .and_then(Value::as_u64),
        temperature: num("temperature"),
        top_p: num("top_p"),
        options: fields.options,
        thinking: fields.thinking,
        ..ChatInput::default()
    };
    let (system, message, images, history) = if chat_history::has_tool_round_trip(messages) {
        let (system, history) = structured(messages)?;
        (system, String::new(), vec![], history)
    } else {
        let (system, message, images) = folded(messages)?;
        (system, message, images, vec![])
    };
    input.extra_system = (!system.is_empty()).then(|| system.join("\n\n"));
    input.message = message;
    input.images = images;
    input.history = history;
    Ok(input)
}

/// OpenClaw's folding: (system texts, folded current message, its images).
fn folded(messages: &[Value]) -> Result<(Vec<String>, String, Vec<ImageData>), GatewayError> {
    let mut system = Vec::new();
    let mut entries: Vec<(ConversationEntry, bool, Vec<&str>)> = Vec::new();
    for m in messages {
        let role = m.get("role").and_then(Value::as_str).unwrap_or("");
        let (text, images) = text_of(m.get("content").unwrap_or(&Value::Null));
        match role {
            "system" | "developer" => {
                if !text.is_empty() {
                    system.push(text);
                }
            }
            "user" => entries.push((
                ConversationEntry {
                    label: "User".into(),
                    text,
                },
                true,
                images,
            )),
            "assistant" => entries.push((
                ConversationEntry {
                    label: "Assistant".into(),
                    text,
                },
                false,
                vec![],
            )),
            "tool" | "function" => {
                let label = match m.get("name").and_then(Value::as_str) {
                    Some(n) if !n.is_empty() => format!("Tool:{n}"),
                    _ => "Tool".into(),
                };
                entries.push((ConversationEntry { label, text }, false, vec![]));
            }
            _ => {
                return Err(GatewayError::bad_param(
                    format!("unsupported message role `{role}`"),
                    "messages",
                ))
            }
        }
    }
    let current_idx = entries
        .iter()
        .rposition(|(e, _, _)| e.label == "User" || e.label.starts_with("Tool"));
    let mut images = Vec::new();
    let (message, current_text_empty) = match current_idx {
        None => (String::new(), true),
        Some(i) => {
            let (cur, is_user, urls) = &entries[i];
            if *is_user {
                images = decode_images(urls)?;
            }
            let mut cur = cur.clone();
            let empty = cur.text.trim().is_empty();
            if empty && !images.is_empty() {
                cur.text = "User sent image(s) with no text.".into();
            }
            let history: Vec<ConversationEntry> =
                entries[..i].iter().map(|(e, _, _)| e.clone()).collect();
            (
                render_conversation(&history, &cur),
                empty && images.is_empty(),
            )
        }
    };
    if current_text_empty {
        return Err(GatewayError::bad_param(MISSING_USER, "messages"));
    }
    Ok((system, message, images))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn single_user_message_is_bare() {
        let c = parse(&json!({"messages":[{"role":"system","content":"s"},{"role":"user","content":"Hello"}]})).unwrap();
        assert_eq!(c.message, "Hello");
        assert_eq!(c.extra_system.as_deref(), Some("s"));
    }

    #[test]
    fn history_is_folded_with_markers() {
        let c = parse(&json!({"messages":[
            {"role":"system","content":"You are helpful."},
            {"role":"user","content":"Hello, who are you?"},
            {"role":"assistant","content":"I am Claude."},
            {"role":"user","content":"What did I just ask you?"}]}))
        .unwrap();
        assert_eq!(c.message, "[Chat messages since your last reply - for context]\nUser: Hello, who are you?\nAssistant: I am Claude.\n\n[Current message - respond to this]\nUser: What did I just ask you?");
    }

    #[test]
    fn parts_join_and_trailing_tool_is_current() {
        let c = parse(&json!({"messages":[{"role":"user","content":[{"type":"text","text":"hello"},{"type":"input_text","text":"world"}]}]})).unwrap();
        assert_eq!(c.message, "hello\nworld");
        let c = parse(&json!({"messages":[{"role":"user","content":"weather?"},{"role":"tool","content":"Sunny, 70F."}]})).unwrap();
        assert!(c.message.ends_with("Tool: Sunny, 70F."), "{}", c.message);
    }

    #[test]
    fn images_are_validated() {
        let png = "data:image/png;charset=utf-8;base64,iVBORw0KGgo=";
        let c = parse(&json!({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":png}}]}]})).unwrap();
        assert_eq!(c.images.len(), 1);
        assert_eq!(c.message, "User sent image(s) with no text.");
        for bad in [
            "https://example.com/a.png",
            "data:application/pdf;base64,AAAA",
            "data:image/png,notbase64",
        ] {
            let e = parse(&json!({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":bad}}]}]})).unwrap_err();
            assert_eq!(e.to_string(), INVALID_IMAGE);
        }
        let many: Vec<_> = (0..9)
            .map(|_| json!({"type":"image_url","image_url":{"url":png}}))
            .collect();
        assert!(parse(&json!({"messages":[{"role":"user","content":many}]})).is_err());
    }

    #[test]
    fn missing_user_message_is_rejected() {
        for body in [
            json!({}),
            json!({"messages":[{"role":"system","content":"x"}]}),
        ] {
            assert_eq!(parse(&body).unwrap_err().to_string(), MISSING_USER);
        }
    }
}
