//! Anthropic Messages upstream (`api: "anthropic-messages"`).

use super::http::{self, ProviderError};
use super::types::*;
use crate::config::ProviderConfig;
use serde_json::{json, Map, Value};

mod structured;

/// Provider type name used in logs.
pub const PROVIDER_TYPE: &str = "anthropic-messages";
/// API version header value.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";
/// Output cap when neither the request nor the model config sets one (the API requires it).
pub const DEFAULT_MAX_TOKENS: u64 = 8192;

/// Builds the request body; consecutive same-role turns are merged as the API requires.
pub fn request_body(req: &ModelRequest) -> Value {
    let mut messages: Vec<(String, Vec<Value>)> = Vec::new();
    for m in &req.messages {
        let (role, blocks) = blocks_of(m);
        match messages.last_mut() {
            Some((r, b)) if *r == role => b.extend(blocks),
            _ => messages.push((role, blocks)),
        }
    }
    let messages: Vec<Value> = messages
        .into_iter()
        .map(|(role, content)| json!({"role": role, "content": content}))
        .collect();
    let mut body = Map::new();
    body.insert("model".into(), req.model.clone().into());
    let budget = req.thinking.and_then(ThinkingLevel::anthropic_budget);
    let mut max_tokens = req.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS);
    if let Some(b) = budget {
        max_tokens = max_tokens.max(u64::from(b) + 1024);
        body.insert(
            "thinking".into(),
            json!({"type": "enabled", "budget_tokens": b}),
        );
    }
    body.insert("max_tokens".into(), max_tokens.into());
    if !req.system.is_empty() {
        body.insert("system".into(), req.system.clone().into());
    }
    body.insert("messages".into(), Value::Array(messages));
    body.insert("stream".into(), req.stream.into());
    let client_tools = !req.tools.is_empty() && req.tool_choice != ToolChoice::None;
    let mut tools: Vec<Value> = Vec::new();
    if client_tools {
        tools = req
            .tools
            .iter()
            .map(|t| json!({"name": t.name, "description": t.description, "input_schema": t.parameters}))
            .collect();
    }
    let mut choice = match (&req.tool_choice, client_tools) {
        (_, false) | (ToolChoice::Auto | ToolChoice::None, _) => None,
        (ToolChoice::Required, true) => Some(json!({"type": "any"})),
        (ToolChoice::Named(n), true) => Some(json!({"type": "tool", "name": n})),
    };
    if let Some(format) = &req.options.response_format {
        // Structured output rides on a tool whose input is the answer; see `structured`.
        tools.push(structured::tool(format));
        if budget.is_some() {
            // Extended thinking refuses forced tool use: ask in the system prompt instead.
            let system = body
                .get("system")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            body.insert("system".into(), structured::system_hint(&system).into());
        } else if choice.is_none() {
            choice = Some(if client_tools && req.tool_choice == ToolChoice::Auto {
                json!({"type": "any"})
            } else {
                json!({"type": "tool", "name": structured::TOOL_NAME})
            });
        }
    }
    if req.options.parallel_tool_calls == Some(false) && !tools.is_empty() {
        let c = choice.get_or_insert_with(|| json!({"type": "auto"}));
        c["disable_parallel_tool_use"] = true.into();
    }
    if !tools.is_empty() {
        body.insert("tools".into(), Value::Array(tools));
    }
    if let Some(c) = choice {
        body.insert("tool_choice".into(), c);
    }
    if !req.options.stop.is_empty() {
        body.insert("stop_sequences".into(), json!(req.options.stop));
    }
    if budget.is_none() {
        if let Some(t) = req.temperature {
            body.insert("temperature".into(), t.into());
        }
        if let Some(p) = req.top_p {
            body.insert("top_p".into(), p.into());
        }
    }
    Value::Object(body)
}

fn blocks_of(m: &Message) -> (String, Vec<Value>) {
    match m.role {
        Role::Assistant => {
            let mut b = Vec::new();
            if !m.content.is_empty() {
                b.push(json!({"type": "text", "text": m.content}));
            }
            for c in &m.tool_calls {
                let input: Value = serde_json::from_str(&c.arguments).unwrap_or_else(|_| json!({}));
                b.push(json!({"type": "tool_use", "id": c.id, "name": c.name, "input": input}));
            }
            if b.is_empty() {
                b.push(json!({"type": "text", "text": "(no content)"}));
            }
            ("assistant".into(), b)
        }
        Role::Tool => (
            "user".into(),
            vec![
                json!({"type": "tool_result", "tool_use_id": m.tool_call_id.clone().unwrap_or_default(), "content": m.content}),
            ],
        ),
        Role::System => (
            "user".into(),
            vec![json!({"type": "text", "text": format!("[System] {}", m.content)})],
        ),
        Role::User => {
            let mut b: Vec<Value> = m
                .images
                .iter()
                .map(|i| json!({"type": "image", "source": {"type": "base64", "media_type": i.mime, "data": i.base64}}))
                .collect();
            b.push(json!({"type": "text", "text": if m.content.is_empty() { "(empty)" } else { m.content.as_str() }}));
            ("user".into(), b)
        }
    }
}

#[derive(Default)]
struct Acc {
    text: String,
    calls: Vec<ToolCall>,
    /// Content block index → tool call index.
    block_call: Vec<Option<usize>>,
    /// Content block carrying the structured-output tool's input (streamed as text).
    answer_block: Option<usize>,
    stop: Option<StopReason>,
    usage: Usage,
    done: bool,
}

fn usage_into(u: &Value, usage: &mut Usage) {
    let n = |k: &str| u.get(k).and_then(Value::as_u64);
    if let Some(v) = n("input_tokens") {
        usage.input = v;
    }
    if let Some(v) = n("output_tokens") {
        usage.output = v;
    }
    if let Some(v) = n("cache_read_input_tokens") {
        usage.cache_read = v;
    }
    if let Some(v) = n("cache_creation_input_tokens") {
        usage.cache_write = v;
    }
}

impl Acc {
    fn event(
        &mut self,
        v: &Value,
        on_event: &mut dyn FnMut(ModelEvent),
    ) -> Result<(), (String, String)> {
        match v.get("type").and_then(Value::as_str).unwrap_or("") {
            "message_start" => {
                if let Some(u) = v.pointer("/message/usage") {
                    usage_into(u, &mut self.usage);
                }
            }
            "content_block_start" => {
                let idx = v.get("index").and_then(Value::as_u64).unwrap_or(0) as usize;
                while self.block_call.len() <= idx {
                    self.block_call.push(None);
                }
                let block = &v["content_block"];
                let is_tool = block.get("type").and_then(Value::as_str) == Some("tool_use");
                if is_tool
                    && block.get("name").and_then(Value::as_str) == Some(structured::TOOL_NAME)
                {
                    self.answer_block = Some(idx);
                } else if is_tool {
                    let call = ToolCall {
                        id: block
                            .get("id")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                        name: block
                            .get("name")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                        arguments: String::new(),
                    };
                    let ci = self.calls.len();
                    on_event(ModelEvent::ToolCallStart {
                        index: ci,
                        id: call.id.clone(),
                        name: call.name.clone(),
                    });
                    self.calls.push(call);
                    self.block_call[idx] = Some(ci);
                } else if let Some(t) = block
                    .get("text")
                    .and_then(Value::as_str)
                    .filter(|t| !t.is_empty())
                {
                    self.text.push_str(t);
                    on_event(ModelEvent::TextDelta(t.to_string()));
                }
            }
            "content_block_delta" => {
                let idx = v.get("index").and_then(Value::as_u64).unwrap_or(0) as usize;
                let d = &v["delta"];
                match d.get("type").and_then(Value::as_str).unwrap_or("") {
                    "text_delta" => {
                        let t = d.get("text").and_then(Value::as_str).unwrap_or("");
                        if !t.is_empty() {
                            self.text.push_str(t);
                            on_event(ModelEvent::TextDelta(t.to_string()));
                        }
                    }
                    "thinking_delta" => {
                        let t = d.get("thinking").and_then(Value::as_str).unwrap_or("");
                        if !t.is_empty() {
                            on_event(ModelEvent::ReasoningDelta(t.to_string()));
                        }
                    }
                    "input_json_delta" => {
                        let frag = d.get("partial_json").and_then(Value::as_str).unwrap_or("");
                        if self.answer_block == Some(idx) {
                            if !frag.is_empty() {
                                self.text.push_str(frag);
                                on_event(ModelEvent::TextDelta(frag.to_string()));
                            }
                        } else if let Some(Some(ci)) = self.block_call.get(idx) {
                            if !frag.is_empty() {
                                self.calls[*ci].arguments.push_str(frag);
                                on_event(ModelEvent::ToolCallArgs {
                                    index: *ci,
                                    fragment: frag.to_string(),
                                });
                            }
                        }
                    }
                    _ => {}
                }
            }
            "message_delta" => {
                if let Some(r) = v.pointer("/delta/stop_reason").and_then(Value::as_str) {
                    self.stop = Some(match r {
                        "max_tokens" => StopReason::Length,
                        "tool_use" => StopReason::ToolCalls,
                        "refusal" => StopReason::ContentFilter,
                        _ => StopReason::Stop,
                    });
                }
                if let Some(u) = v.get("usage") {
                    usage_into(u, &mut self.usage);
                }
            }
            "message_stop" => self.done = true,
            "error" => {
                let kind = v
                    .pointer("/error/type")
                    .and_then(Value::as_str)
                    .unwrap_or("api_error")
                    .to_string();
                let msg = v
                    .pointer("/error/message")
                    .and_then(Value::as_str)
                    .unwrap_or("upstream error")
                    .to_string();
                return Err((kind, msg));
            }
            _ => {}
        }
        Ok(())
    }

    fn finish(mut self) -> ModelOutput {
        if self.answer_block.is_some() && self.calls.is_empty() {
            // The structured answer arrived as a tool call; to the client it is the answer.
            if self.stop == Some(StopReason::ToolCalls) {
                self.stop = Some(StopReason::Stop);
            }
        }
        for c in &mut self.calls {
            if c.arguments.is_empty() {
                c.arguments = "{}".into();
            }
        }
        ModelOutput::assemble(self.text, self.calls, self.stop, self.usage)
    }
}

fn error_status(kind: &str) -> u16 {
    match kind {
        "rate_limit_error" => 429,
        "overloaded_error" => 529,
        "invalid_request_error" => 400,
        "authentication_error" => 401,
        "permission_error" => 403,
        _ => 500,
    }
}

/// Calls the upstream once, waiting at most `first_byte` for the response head and `idle`
/// between body reads.
pub async fn call(
    p: &ProviderConfig,
    req: &ModelRequest,
    limits: http::CallLimits,
    on_event: &mut dyn FnMut(ModelEvent),
) -> Result<ModelOutput, ProviderError> {
    let url = format!("{}/messages", p.base_url);
    let mut builder = http::client()
        .post(url)
        .timeout(limits.first_byte)
        .insert_header(("content-type", "application/json"))
        .insert_header(("anthropic-version", ANTHROPIC_VERSION));
    if let Some(k) = &p.api_key {
        builder = builder.insert_header(("x-api-key", k.expose()));
    }
    for (k, v) in &p.headers {
        builder = builder.insert_header((k.as_str(), v.as_str()));
    }
    let body = serde_json::to_vec(&request_body(req)).unwrap_or_default();
    let mut resp = builder
        .send_body(body)
        .await
        .map_err(|e| http::send_error(&p.id, e))?;
    if !resp.status().is_success() {
        return Err(http::status_error(&p.id, &mut resp).await);
    }
    let mut acc = Acc::default();
    let status_err = |(kind, msg): (String, String)| {
        ProviderError::status(&p.id, error_status(&kind), &msg, None)
    };
    if req.stream {
        let mut received = false;
        let meter = http::ReplyMeter::new(limits.max_reply_bytes);
        let mut metered = |e: ModelEvent| {
            meter.add(&e);
            on_event(e)
        };
        let res = http::read_sse(&p.id, &mut resp, limits.idle, |ev| {
            let v: Value = serde_json::from_str(&ev.data).map_err(|e| ProviderError::Protocol {
                provider: p.id.clone(),
                message: format!("bad event: {e}"),
            })?;
            acc.event(&v, &mut metered).map_err(status_err)?;
            received = true;
            if meter.over(&p.id) {
                acc.calls.clear();
                acc.stop = Some(StopReason::Length);
                return Ok(true);
            }
            Ok(acc.done)
        })
        .await;
        http::stream_end(
            &p.id,
            res,
            acc.stop.is_some(),
            received && !acc.text.is_empty(),
        )?;
        Ok(acc.finish())
    } else {
        let v = http::read_json(&p.id, &mut resp, limits.idle).await?;
        if let Some(u) = v.get("usage") {
            usage_into(u, &mut acc.usage);
        }
        for (i, block) in v
            .get("content")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let start = json!({"type": "content_block_start", "index": i, "content_block": block});
            acc.event(&start, on_event).map_err(status_err)?;
            if acc.answer_block == Some(i) {
                let text = block
                    .get("input")
                    .cloned()
                    .unwrap_or(Value::Null)
                    .to_string();
                acc.text.push_str(&text);
                on_event(ModelEvent::TextDelta(text));
                continue;
            }
            if let Some(input) = block
                .get("input")
                .filter(|_| block.get("type").and_then(Value::as_str) == Some("tool_use"))
            {
                if let Some(Some(ci)) = acc.block_call.get(i) {
                    acc.calls[*ci].arguments = input.to_string();
                }
            }
        }
        let stop = json!({"type": "message_delta", "delta": {"stop_reason": v.get("stop_reason")}});
        acc.event(&stop, on_event).map_err(status_err)?;
        Ok(acc.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_events_accumulate_text_thinking_and_tool_input() {
        let mut acc = Acc::default();
        let mut events = vec![];
        let mut sink = |e: ModelEvent| events.push(e);
        for e in [
            json!({"type":"message_start","message":{"usage":{"input_tokens":10,"output_tokens":1,"cache_read_input_tokens":2}}}),
            json!({"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}),
            json!({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"let me see"}}),
            json!({"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}),
            json!({"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Hi"}}),
            json!({"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_1","name":"lookup","input":{}}}),
            json!({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"q\":"}}),
            json!({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"1}"}}),
            json!({"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":7}}),
            json!({"type":"message_stop"}),
        ] {
            acc.event(&e, &mut sink).unwrap();
        }
        assert!(acc.done);
        let out = acc.finish();
        assert_eq!(out.text, "Hi");
        assert_eq!(out.tool_calls[0].arguments, "{\"q\":1}");
        assert_eq!(out.stop, StopReason::ToolCalls);
        assert_eq!(
            out.usage,
            Usage {
                input: 10,
                output: 7,
                cache_read: 2,
                cache_write: 0,
                total: 0
            }
        );
        assert_eq!(events[0], ModelEvent::ReasoningDelta("let me see".into()));
    }

    #[test]
    fn consecutive_user_turns_are_merged_and_tool_results_become_user_blocks() {
        let req = ModelRequest {
            model: "claude".into(),
            system: "s".into(),
            messages: vec![
                Message::text(Role::User, "a"),
                Message::text(Role::User, "b"),
                Message {
                    tool_calls: vec![ToolCall {
                        id: "t1".into(),
                        name: "x".into(),
                        arguments: "{\"k\":1}".into(),
                    }],
                    ..Message::text(Role::Assistant, "")
                },
                Message {
                    tool_call_id: Some("t1".into()),
                    ..Message::text(Role::Tool, "result")
                },
            ],
            tools: vec![],
            tool_choice: ToolChoice::Auto,
            thinking: Some(ThinkingLevel::Low),
            max_tokens: None,
            temperature: Some(0.5),
            top_p: None,
            stream: false,
            options: ModelOptions::default(),
        };
        let b = request_body(&req);
        assert_eq!(b["messages"].as_array().unwrap().len(), 3);
        assert_eq!(b["messages"][0]["content"].as_array().unwrap().len(), 2);
        assert_eq!(b["messages"][1]["content"][0]["input"]["k"], 1);
        assert_eq!(b["messages"][2]["content"][0]["type"], "tool_result");
        assert_eq!(b["thinking"]["budget_tokens"], 2048);
        assert!(b.get("temperature").is_none());
    }

    #[test]
    fn structured_output_is_a_forced_tool_unless_thinking_forbids_forcing() {
        let mut req = ModelRequest {
            model: "claude".into(),
            system: "s".into(),
            messages: vec![Message::text(Role::User, "who?")],
            tools: vec![],
            tool_choice: ToolChoice::Auto,
            thinking: None,
            max_tokens: None,
            temperature: None,
            top_p: None,
            stream: true,
            options: ModelOptions {
                response_format: Some(ResponseFormat::JsonObject),
                ..ModelOptions::default()
            },
        };
        let b = request_body(&req);
        assert_eq!(b["tools"][0]["name"], structured::TOOL_NAME);
        assert_eq!(b["tools"][0]["input_schema"], json!({"type": "object"}));
        assert_eq!(
            b["tool_choice"],
            json!({"type": "tool", "name": structured::TOOL_NAME})
        );
        req.thinking = Some(ThinkingLevel::Low);
        let b = request_body(&req);
        assert!(b.get("tool_choice").is_none(), "{b}");
        assert!(b["system"]
            .as_str()
            .unwrap()
            .ends_with("Give your final answer by calling the `structured_output` tool."));
    }

    #[test]
    fn the_structured_answer_streams_as_text_and_ends_with_stop() {
        let mut acc = Acc::default();
        let mut events = vec![];
        let mut sink = |e: ModelEvent| events.push(e);
        for e in [
            json!({"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"structured_output","input":{}}}),
            json!({"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"a\":"}}),
            json!({"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"1}"}}),
            json!({"type":"message_delta","delta":{"stop_reason":"tool_use"}}),
        ] {
            acc.event(&e, &mut sink).unwrap();
        }
        let out = acc.finish();
        assert_eq!(out.text, "{\"a\":1}");
        assert!(out.tool_calls.is_empty());
        assert_eq!(out.stop, StopReason::Stop);
        assert_eq!(
            events,
            vec![
                ModelEvent::TextDelta("{\"a\":".into()),
                ModelEvent::TextDelta("1}".into())
            ]
        );
    }
}
