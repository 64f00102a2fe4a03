//! The OpenResponses `response` resource and its output items (spec §4.5, wire-formats §1.3).
//!
//! [`ResponseResource::to_value`] always emits **every** key the compliance suite requires,
//! with `null` where the value is absent — never omitted.

use serde_json::{json, Map, Value};

use super::schema::{ResponsesRequest, TextFormat, Truncation};

/// A fresh response id, `resp_<uuid>`.
pub fn new_response_id() -> String {
    format!("resp_{}", uuid::Uuid::new_v4())
}

/// A fresh message item id, `msg_<uuid>`.
pub fn new_message_id() -> String {
    format!("msg_{}", uuid::Uuid::new_v4())
}

/// A fresh function-call item id, `fc_<uuid>`.
pub fn new_function_call_id() -> String {
    format!("fc_{}", uuid::Uuid::new_v4())
}

/// Token usage of a response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Prompt tokens (cache reads not included, as in OpenClaw).
    pub input_tokens: u64,
    /// Completion tokens.
    pub output_tokens: u64,
    /// Total.
    pub total_tokens: u64,
    /// `input_tokens_details.cached_tokens`.
    pub cached_tokens: u64,
    /// `input_tokens_details.cache_write_tokens`.
    pub cache_write_tokens: u64,
    /// `output_tokens_details.reasoning_tokens`.
    pub reasoning_tokens: u64,
}

impl Usage {
    /// OpenClaw's mapping of run usage: `input_tokens = input`, `output_tokens = output`,
    /// `total = reported ?? input + output + cache_read + cache_write`.
    pub fn from_run(
        input: u64,
        output: u64,
        cache_read: u64,
        cache_write: u64,
        reported_total: Option<u64>,
    ) -> Self {
        Self {
            input_tokens: input,
            output_tokens: output,
            total_tokens: reported_total.unwrap_or(input + output + cache_read + cache_write),
            cached_tokens: cache_read,
            cache_write_tokens: cache_write,
            reasoning_tokens: 0,
        }
    }

    /// Wire form with both detail objects.
    pub fn to_value(&self) -> Value {
        json!({
            "input_tokens": self.input_tokens,
            "input_tokens_details": {
                "cached_tokens": self.cached_tokens,
                "cache_write_tokens": self.cache_write_tokens,
            },
            "output_tokens": self.output_tokens,
            "output_tokens_details": {"reasoning_tokens": self.reasoning_tokens},
            "total_tokens": self.total_tokens,
        })
    }
}

/// `status` of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseStatus {
    /// Streaming has started.
    InProgress,
    /// Finished normally.
    Completed,
    /// Stopped for a client tool call (OpenClaw semantics).
    Incomplete,
    /// The run failed.
    Failed,
}

impl ResponseStatus {
    /// Wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "in_progress",
            Self::Completed => "completed",
            Self::Incomplete => "incomplete",
            Self::Failed => "failed",
        }
    }
}

/// `{code, message}` of a failed response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseErrorBody {
    /// e.g. `api_error`.
    pub code: String,
    /// Human-readable (generic for server faults).
    pub message: String,
}

/// The response resource.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseResource {
    /// `resp_...`.
    pub id: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds when finished; `null` while in progress and on failure.
    pub completed_at: Option<i64>,
    /// Status.
    pub status: ResponseStatus,
    /// `{reason}` or `null`.
    pub incomplete_details: Option<Value>,
    /// Echo of the request `model`.
    pub model: String,
    /// Echo.
    pub previous_response_id: Option<String>,
    /// Echo.
    pub instructions: Option<String>,
    /// Output items.
    pub output: Vec<Value>,
    /// Error, when failed.
    pub error: Option<ResponseErrorBody>,
    /// Echo of the request tools in response form.
    pub tools: Vec<Value>,
    /// Echo of `tool_choice` (default `"auto"`).
    pub tool_choice: Value,
    /// Echo (default `disabled`).
    pub truncation: Truncation,
    /// Echo (default `true`).
    pub parallel_tool_calls: bool,
    /// Echo (default 1).
    pub temperature: f64,
    /// Echo (default 1).
    pub top_p: f64,
    /// Echo `{effort, summary}` or `null`.
    pub reasoning: Option<Value>,
    /// Usage (`null` only if explicitly unset).
    pub usage: Option<Usage>,
    /// Echo.
    pub max_output_tokens: Option<u32>,
    /// Echo.
    pub max_tool_calls: Option<u32>,
    /// Echo (default `true`).
    pub store: bool,
    /// Echo (default `{}`).
    pub metadata: Map<String, Value>,
    /// Echo of `text` (default `{"format":{"type":"text"}}`).
    pub text: Value,
    /// Echo (default `"default"`).
    pub service_tier: String,
    /// Echo.
    pub prompt_cache_key: Option<String>,
    /// Echo.
    pub safety_identifier: Option<String>,
}

impl ResponseResource {
    /// An in-progress resource with defaults for every echoed field and zero usage.
    pub fn new(id: impl Into<String>, created_at: i64, model: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            created_at,
            completed_at: None,
            status: ResponseStatus::InProgress,
            incomplete_details: None,
            model: model.into(),
            previous_response_id: None,
            instructions: None,
            output: Vec::new(),
            error: None,
            tools: Vec::new(),
            tool_choice: Value::from("auto"),
            truncation: Truncation::Disabled,
            parallel_tool_calls: true,
            temperature: 1.0,
            top_p: 1.0,
            reasoning: None,
            usage: Some(Usage::default()),
            max_output_tokens: None,
            max_tool_calls: None,
            store: true,
            metadata: Map::new(),
            text: json!({"format": {"type": "text"}}),
            service_tier: "default".to_string(),
            prompt_cache_key: None,
            safety_identifier: None,
        }
    }

    /// An in-progress resource echoing `req`.
    pub fn from_request(id: impl Into<String>, created_at: i64, req: &ResponsesRequest) -> Self {
        let mut r = Self::new(id, created_at, req.model.clone());
        r.previous_response_id.clone_from(&req.previous_response_id);
        r.instructions.clone_from(&req.instructions);
        r.tools = req
            .tools
            .iter()
            .flatten()
            .map(|t| {
                json!({
                    "type": "function",
                    "name": t.name,
                    "description": t.description,
                    "parameters": t.parameters,
                    "strict": t.strict,
                })
            })
            .collect();
        if let Some(choice) = &req.tool_choice {
            r.tool_choice = choice.to_value();
        }
        r.truncation = req.truncation.unwrap_or(Truncation::Disabled);
        r.parallel_tool_calls = req.parallel_tool_calls.unwrap_or(true);
        r.temperature = req.temperature.unwrap_or(1.0);
        r.top_p = req.top_p.unwrap_or(1.0);
        r.reasoning = req
            .reasoning
            .as_ref()
            .map(|re| json!({"effort": re.effort, "summary": re.summary}));
        r.max_output_tokens = req.max_output_tokens;
        r.max_tool_calls = req.max_tool_calls;
        r.store = req.store.unwrap_or(true);
        r.metadata = req.metadata.clone().unwrap_or_default();
        if let Some(text) = &req.text {
            let mut t = json!({"format": text.format.clone().unwrap_or(TextFormat::Text)});
            if let Some(v) = &text.verbosity {
                t["verbosity"] = v.clone().into();
            }
            r.text = t;
        }
        if let Some(tier) = &req.service_tier {
            r.service_tier.clone_from(tier);
        }
        r.prompt_cache_key.clone_from(&req.prompt_cache_key);
        r.safety_identifier.clone_from(&req.safety_identifier);
        r
    }

    /// Full wire form; every required key present.
    pub fn to_value(&self) -> Value {
        json!({
            "id": self.id,
            "object": "response",
            "created_at": self.created_at,
            "completed_at": self.completed_at,
            "status": self.status.as_str(),
            "incomplete_details": self.incomplete_details,
            "model": self.model,
            "previous_response_id": self.previous_response_id,
            "instructions": self.instructions,
            "output": self.output,
            "error": self.error.as_ref().map(|e| json!({"code": e.code, "message": e.message})),
            "tools": self.tools,
            "tool_choice": self.tool_choice,
            "truncation": match self.truncation {
                Truncation::Auto => "auto",
                Truncation::Disabled => "disabled",
            },
            "parallel_tool_calls": self.parallel_tool_calls,
            "text": self.text,
            "top_p": self.top_p,
            "presence_penalty": 0.0,
            "frequency_penalty": 0.0,
            "top_logprobs": 0,
            "temperature": self.temperature,
            "reasoning": self.reasoning,
            "usage": self.usage.as_ref().map(Usage::to_value),
            "max_output_tokens": self.max_output_tokens,
            "max_tool_calls": self.max_tool_calls,
            "store": self.store,
            "background": false,
            "service_tier": self.service_tier,
            "metadata": self.metadata,
            "safety_identifier": self.safety_identifier,
            "prompt_cache_key": self.prompt_cache_key,
        })
    }
}

/// An `output_text` content part.
pub fn output_text_part(text: &str) -> Value {
    json!({"type": "output_text", "text": text, "annotations": []})
}

/// An assistant message output item. `phase` is `final_answer` or `commentary`; `None` omits it
/// (in-progress items); `status` is `in_progress` / `completed` / `incomplete`.
pub fn message_item(id: &str, text: Option<&str>, phase: Option<&str>, status: &str) -> Value {
    let content: Vec<Value> = text.map(output_text_part).into_iter().collect();
    let mut item = json!({
        "type": "message",
        "id": id,
        "status": status,
        "role": "assistant",
        "content": content,
    });
    if let Some(p) = phase {
        item["phase"] = Value::from(p);
    }
    item
}

/// A `function_call` output item.
pub fn function_call_item(
    id: &str,
    call_id: &str,
    name: &str,
    arguments: &str,
    status: &str,
) -> Value {
    json!({
        "type": "function_call",
        "id": id,
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
        "status": status,
    })
}
