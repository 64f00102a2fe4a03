//! Strict, path-precise validation of a `POST /v1/responses` body into [`ResponsesRequest`].
//!
//! serde's derived errors carry no JSON path and lose it entirely inside tagged/untagged unions,
//! so the body is walked by hand: every object's keys are checked against an allow-list first
//! (an unknown key is reported as `<path>.<key>: unknown field`), then each field is converted
//! with Zod-like messages (`model: Required`, `stream: Expected boolean, received string`).
//! `null` on an optional field is treated as absent (OpenAI clients commonly send it).

use serde_json::{Map, Value};

use super::schema::{
    CompactionItem, ContentPart, FunctionCallItem, FunctionCallOutputItem, FunctionTool, Input,
    Item, ItemReference, MessageContent, MessageItem, Phase, Reasoning, ReasoningEffort,
    ReasoningItem, ReasoningSummary, ResponsesRequest, Role, TextConfig, TextFormat, TextPart,
    ToolChoice, Truncation,
};
use super::schema_parts::{parse_file, parse_image};

/// A validation failure: the JSON path of the offending value and a message.
///
/// Displays as `"<path>: <message>"` (OpenClaw's `"<path.joined>: <zod message>"`), or just the
/// message when the problem is the body itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", display_error(.path, .message))]
pub struct SchemaError {
    /// Path like `input[0].content[1].foo`; empty for the root.
    pub path: String,
    /// Human-readable reason.
    pub message: String,
}

fn display_error(path: &str, message: &str) -> String {
    if path.is_empty() {
        message.to_owned()
    } else {
        format!("{path}: {message}")
    }
}

pub(super) type Result<T> = std::result::Result<T, SchemaError>;

pub(super) fn err<T>(path: &str, message: impl Into<String>) -> Result<T> {
    Err(SchemaError {
        path: path.to_owned(),
        message: message.into(),
    })
}

pub(super) fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

pub(super) fn expected<T>(path: &str, what: &str, got: &Value) -> Result<T> {
    err(path, format!("Expected {what}, received {}", kind(got)))
}

/// Parses and validates a raw request body.
///
/// An empty body is treated as `{}` (so it fails with `model: Required`); invalid JSON fails with
/// the parser's message and an empty path.
pub fn parse_request(body: &[u8]) -> Result<ResponsesRequest> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return parse_value(&Value::Object(Map::new()));
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| SchemaError {
        path: String::new(),
        message: e.to_string(),
    })?;
    parse_value(&value)
}

/// Validates an already-parsed JSON body (used by the WebSocket `response.create` path too).
pub fn parse_value(value: &Value) -> Result<ResponsesRequest> {
    const KEYS: &[&str] = &[
        "model",
        "input",
        "instructions",
        "tools",
        "tool_choice",
        "stream",
        "max_output_tokens",
        "max_tool_calls",
        "user",
        "temperature",
        "top_p",
        "metadata",
        "store",
        "previous_response_id",
        "reasoning",
        "truncation",
        "parallel_tool_calls",
        "include",
        "text",
        "service_tier",
        "prompt_cache_key",
        "safety_identifier",
        "stream_options",
        "background",
        "top_logprobs",
    ];
    let o = Obj::new(value, "", KEYS)?;
    // OpenAI fields whose defaults are what the gateway does: accepted at the default, refused
    // by name otherwise (they are not in the typed request: the echo shows the defaults).
    o.opt("stream_options", |v, p| {
        let so = Obj::new(v, p, &["include_obfuscation"])?;
        so.opt("include_obfuscation", as_bool)
    })?;
    if o.opt("background", as_bool)? == Some(true) {
        return err("background", "background mode is not supported");
    }
    if o.opt("top_logprobs", as_number)?.is_some_and(|n| n != 0.0) {
        return err("top_logprobs", "log probabilities are not returned");
    }
    let model = o.req("model", as_string)?;
    let input = o.req("input", parse_input)?;
    Ok(ResponsesRequest {
        model,
        input,
        instructions: o.opt("instructions", as_string)?,
        tools: o.opt("tools", |v, p| array(v, p, parse_tool))?,
        tool_choice: o.opt("tool_choice", parse_tool_choice)?,
        stream: o.opt("stream", as_bool)?,
        max_output_tokens: o.opt("max_output_tokens", positive_int)?,
        max_tool_calls: o.opt("max_tool_calls", positive_int)?,
        user: o.opt("user", as_string)?,
        temperature: o.opt("temperature", as_number)?,
        top_p: o.opt("top_p", as_number)?,
        metadata: o.opt("metadata", parse_metadata)?,
        store: o.opt("store", as_bool)?,
        previous_response_id: o.opt("previous_response_id", as_string)?,
        reasoning: o.opt("reasoning", parse_reasoning)?,
        truncation: o.opt("truncation", |v, p| {
            enumeration(
                v,
                p,
                &[
                    ("auto", Truncation::Auto),
                    ("disabled", Truncation::Disabled),
                ],
            )
        })?,
        parallel_tool_calls: o.opt("parallel_tool_calls", as_bool)?,
        include: o.opt("include", |v, p| array(v, p, as_string))?,
        text: o.opt("text", parse_text)?,
        service_tier: o.opt("service_tier", as_string)?,
        prompt_cache_key: o.opt("prompt_cache_key", as_string)?,
        safety_identifier: o.opt("safety_identifier", as_string)?,
    })
}

fn parse_text(v: &Value, path: &str) -> Result<TextConfig> {
    let o = Obj::new(v, path, &["format", "verbosity"])?;
    Ok(TextConfig {
        format: o.opt("format", parse_text_format)?,
        verbosity: o.opt("verbosity", as_string)?,
    })
}

fn parse_text_format(v: &Value, path: &str) -> Result<TextFormat> {
    match type_of(v, path)? {
        "text" => {
            Obj::new(v, path, &["type"])?;
            Ok(TextFormat::Text)
        }
        "json_object" => {
            Obj::new(v, path, &["type"])?;
            Ok(TextFormat::JsonObject)
        }
        "json_schema" => {
            let o = Obj::new(
                v,
                path,
                &["type", "name", "schema", "description", "strict"],
            )?;
            Ok(TextFormat::JsonSchema {
                name: o.req("name", non_empty_string)?,
                schema: o.req("schema", |v, p| match v {
                    Value::Object(_) => Ok(v.clone()),
                    _ => expected(p, "object", v),
                })?,
                description: o.opt("description", as_string)?,
                strict: o.opt("strict", as_bool)?,
            })
        }
        other => err(
            &child(path, "type"),
            format!("unsupported format type `{other}` (text, json_object, json_schema)"),
        ),
    }
}

/// A JSON object whose keys were checked against an allow-list.
pub(super) struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: &'a str,
}

impl<'a> Obj<'a> {
    pub(super) fn new(v: &'a Value, path: &'a str, allowed: &[&str]) -> Result<Self> {
        let Value::Object(map) = v else {
            return expected(path, "object", v);
        };
        if let Some(key) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            return err(&child(path, key), "unknown field");
        }
        Ok(Self { map, path })
    }

    pub(super) fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    pub(super) fn req<T>(&self, key: &str, f: impl FnOnce(&Value, &str) -> Result<T>) -> Result<T> {
        let path = child(self.path, key);
        match self.map.get(key) {
            None => err(&path, "Required"),
            Some(v) => f(v, &path),
        }
    }

    pub(super) fn opt<T>(
        &self,
        key: &str,
        f: impl FnOnce(&Value, &str) -> Result<T>,
    ) -> Result<Option<T>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => f(v, &child(self.path, key)).map(Some),
        }
    }
}

pub(super) fn as_string(v: &Value, path: &str) -> Result<String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        _ => expected(path, "string", v),
    }
}

pub(super) fn non_empty_string(v: &Value, path: &str) -> Result<String> {
    let s = as_string(v, path)?;
    if s.is_empty() {
        return err(path, "String must contain at least 1 character(s)");
    }
    Ok(s)
}

fn as_bool(v: &Value, path: &str) -> Result<bool> {
    v.as_bool().map_or_else(|| expected(path, "boolean", v), Ok)
}

fn as_number(v: &Value, path: &str) -> Result<f64> {
    v.as_f64().map_or_else(|| expected(path, "number", v), Ok)
}

fn positive_int(v: &Value, path: &str) -> Result<u32> {
    let n = as_number(v, path)?;
    if n.fract() != 0.0 {
        return err(path, "Expected integer, received float");
    }
    if n <= 0.0 {
        return err(path, "Number must be greater than 0");
    }
    if n > f64::from(u32::MAX) {
        return err(
            path,
            format!("Number must be less than or equal to {}", u32::MAX),
        );
    }
    // The checks above make this conversion exact.
    Ok(n as u32)
}

pub(super) fn enumeration<T: Clone>(v: &Value, path: &str, options: &[(&str, T)]) -> Result<T> {
    let s = as_string(v, path)?;
    if let Some((_, t)) = options.iter().find(|(name, _)| *name == s) {
        return Ok(t.clone());
    }
    let list: Vec<String> = options.iter().map(|(n, _)| format!("'{n}'")).collect();
    err(
        path,
        format!(
            "Invalid enum value. Expected {}, received '{s}'",
            list.join(" | ")
        ),
    )
}

fn array<T>(v: &Value, path: &str, f: impl Fn(&Value, &str) -> Result<T>) -> Result<Vec<T>> {
    let Value::Array(items) = v else {
        return expected(path, "array", v);
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| f(item, &format!("{path}[{i}]")))
        .collect()
}

fn parse_input(v: &Value, path: &str) -> Result<Input> {
    match v {
        Value::String(s) => Ok(Input::Text(s.clone())),
        Value::Array(_) => array(v, path, parse_item).map(Input::Items),
        _ => expected(path, "string or array", v),
    }
}

/// The `type` of an item or part; a typeless object with a `role` is a message (OpenAI's
/// "easy input message").
pub(super) fn type_of<'a>(v: &'a Value, path: &str) -> Result<&'a str> {
    let Value::Object(map) = v else {
        return expected(path, "object", v);
    };
    match map.get("type") {
        Some(Value::String(t)) => Ok(t),
        Some(other) => expected(&child(path, "type"), "string", other),
        None if map.contains_key("role") => Ok("message"),
        None => err(&child(path, "type"), "Required"),
    }
}

fn parse_item(v: &Value, path: &str) -> Result<Item> {
    match type_of(v, path)? {
        "message" => parse_message(v, path).map(Item::Message),
        "function_call" => {
            let o = Obj::new(
                v,
                path,
                &["type", "id", "call_id", "name", "arguments", "status"],
            )?;
            Ok(Item::FunctionCall(FunctionCallItem {
                id: o.opt("id", as_string)?,
                call_id: o.opt("call_id", as_string)?,
                name: o.req("name", non_empty_string)?,
                arguments: o.req("arguments", as_string)?,
                status: o.opt("status", as_string)?,
            }))
        }
        "function_call_output" => {
            let o = Obj::new(v, path, &["type", "id", "call_id", "output", "status"])?;
            Ok(Item::FunctionCallOutput(FunctionCallOutputItem {
                id: o.opt("id", as_string)?,
                call_id: o.req("call_id", non_empty_string)?,
                output: o.req("output", as_string)?,
                status: o.opt("status", as_string)?,
            }))
        }
        "item_reference" => {
            let o = Obj::new(v, path, &["type", "id"])?;
            Ok(Item::ItemReference(ItemReference {
                id: o.req("id", as_string)?,
            }))
        }
        "reasoning" => {
            let keys = ["type", "id", "content", "encrypted_content", "summary"];
            let o = Obj::new(v, path, &keys)?;
            Ok(Item::Reasoning(ReasoningItem {
                id: o.opt("id", as_string)?,
                content: o.get("content").cloned(),
                encrypted_content: o.opt("encrypted_content", as_string)?,
                summary: o.get("summary").cloned(),
            }))
        }
        "compaction" => {
            let o = Obj::new(v, path, &["type", "id", "encrypted_content"])?;
            Ok(Item::Compaction(CompactionItem {
                id: o.opt("id", as_string)?,
                encrypted_content: o.req("encrypted_content", as_string)?,
            }))
        }
        "input_image" => parse_image(v, path).map(Item::InputImage),
        "input_file" => parse_file(v, path).map(Item::InputFile),
        other => err(
            &child(path, "type"),
            format!(
                "Invalid discriminator value. Expected 'message' | 'function_call' | \
                 'function_call_output' | 'item_reference' | 'reasoning' | 'compaction' | \
                 'input_image' | 'input_file', received '{other}'"
            ),
        ),
    }
}

fn parse_message(v: &Value, path: &str) -> Result<MessageItem> {
    let o = Obj::new(
        v,
        path,
        &["type", "role", "content", "phase", "id", "status"],
    )?;
    let role = o.req("role", |v, p| {
        enumeration(
            v,
            p,
            &[
                ("system", Role::System),
                ("developer", Role::Developer),
                ("user", Role::User),
                ("assistant", Role::Assistant),
            ],
        )
    })?;
    let content = o.req("content", |v, p| match v {
        Value::String(s) => Ok(MessageContent::Text(s.clone())),
        Value::Array(_) => array(v, p, parse_part).map(MessageContent::Parts),
        _ => expected(p, "string or array", v),
    })?;
    let phase = o.opt("phase", |v, p| {
        enumeration(
            v,
            p,
            &[
                ("commentary", Phase::Commentary),
                ("final_answer", Phase::FinalAnswer),
            ],
        )
    })?;
    if phase.is_some() && role != Role::Assistant {
        return err(
            &child(path, "phase"),
            "`phase` is only valid on assistant messages.",
        );
    }
    Ok(MessageItem {
        role,
        content,
        phase,
        id: o.opt("id", as_string)?,
        status: o.opt("status", as_string)?,
    })
}

fn parse_part(v: &Value, path: &str) -> Result<ContentPart> {
    match type_of(v, path)? {
        "input_text" => {
            let o = Obj::new(v, path, &["type", "text"])?;
            Ok(ContentPart::InputText(TextPart {
                text: o.req("text", as_string)?,
                annotations: None,
                logprobs: None,
            }))
        }
        "output_text" => {
            let o = Obj::new(v, path, &["type", "text", "annotations", "logprobs"])?;
            Ok(ContentPart::OutputText(TextPart {
                text: o.req("text", as_string)?,
                annotations: o.get("annotations").cloned(),
                logprobs: o.get("logprobs").cloned(),
            }))
        }
        "input_image" => parse_image(v, path).map(ContentPart::InputImage),
        "input_file" => parse_file(v, path).map(ContentPart::InputFile),
        other => err(
            &child(path, "type"),
            format!(
                "Invalid discriminator value. Expected 'input_text' | 'output_text' | \
                 'input_image' | 'input_file', received '{other}'"
            ),
        ),
    }
}

fn parse_tool(v: &Value, path: &str) -> Result<FunctionTool> {
    let o = Obj::new(
        v,
        path,
        &["type", "name", "description", "parameters", "strict"],
    )?;
    o.req("type", |v, p| enumeration(v, p, &[("function", ())]))?;
    Ok(FunctionTool {
        name: o.req("name", non_empty_string)?,
        description: o.opt("description", as_string)?,
        parameters: o.opt("parameters", |v, p| match v {
            Value::Object(_) => Ok(v.clone()),
            _ => expected(p, "object", v),
        })?,
        strict: o.opt("strict", as_bool)?,
    })
}

fn parse_tool_choice(v: &Value, path: &str) -> Result<ToolChoice> {
    if let Value::String(_) = v {
        return enumeration(
            v,
            path,
            &[
                ("auto", ToolChoice::Auto),
                ("none", ToolChoice::None),
                ("required", ToolChoice::Required),
            ],
        );
    }
    let o = Obj::new(v, path, &["type", "name", "function"])?;
    o.req("type", |v, p| enumeration(v, p, &[("function", ())]))?;
    let name = match (o.get("name"), o.get("function")) {
        (Some(_), None) => o.req("name", non_empty_string)?,
        (None, Some(f)) => {
            let fp = child(path, "function");
            let fo = Obj::new(f, &fp, &["name"])?;
            fo.req("name", non_empty_string)?
        }
        (Some(_), Some(_)) => return err(path, "Specify only one of `name` or `function`"),
        (None, None) => return err(&child(path, "name"), "Required"),
    };
    Ok(ToolChoice::Function(name))
}

fn parse_metadata(v: &Value, path: &str) -> Result<Map<String, Value>> {
    let Value::Object(map) = v else {
        return expected(path, "object", v);
    };
    for (k, val) in map {
        if !val.is_string() {
            return expected(&child(path, k), "string", val);
        }
    }
    Ok(map.clone())
}

fn parse_reasoning(v: &Value, path: &str) -> Result<Reasoning> {
    let o = Obj::new(v, path, &["effort", "summary"])?;
    Ok(Reasoning {
        effort: o.opt("effort", |v, p| {
            enumeration(
                v,
                p,
                &[
                    ("none", ReasoningEffort::None),
                    ("minimal", ReasoningEffort::Minimal),
                    ("low", ReasoningEffort::Low),
                    ("medium", ReasoningEffort::Medium),
                    ("high", ReasoningEffort::High),
                    ("xhigh", ReasoningEffort::Xhigh),
                ],
            )
        })?,
        summary: o.opt("summary", |v, p| {
            enumeration(
                v,
                p,
                &[
                    ("auto", ReasoningSummary::Auto),
                    ("concise", ReasoningSummary::Concise),
                    ("detailed", ReasoningSummary::Detailed),
                ],
            )
        })?,
    })
}

#[cfg(test)]
#[path = "schema_tests.rs"]
mod tests;
