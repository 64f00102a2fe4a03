//! OpenAI Chat Completions upstream (`api: "openai-completions"`): OpenAI, DeepSeek,
//! Qwen/DashScope, OpenRouter, Ollama, vLLM, llama.cpp and anything else that speaks it.

use super::http::{self, ProviderError};
use super::openai_chunk::ChunkIn;
use super::types::*;
use crate::config::ProviderConfig;
use serde_json::Value;

/// Provider type name used in logs.
pub const PROVIDER_TYPE: &str = "openai-completions";

/// Accumulates streamed chunks into the final output.
#[derive(Default)]
struct Acc {
    text: String,
    calls: Vec<ToolCall>,
    stop: Option<StopReason>,
    usage: Usage,
}

fn stop_reason(s: &str) -> StopReason {
    match s {
        "length" => StopReason::Length,
        "tool_calls" | "function_call" => StopReason::ToolCalls,
        "content_filter" => StopReason::ContentFilter,
        _ => StopReason::Stop,
    }
}

fn parse_usage(u: &Value) -> Usage {
    let n = |p: &str| u.pointer(p).and_then(Value::as_u64).unwrap_or(0);
    let cached = n("/prompt_tokens_details/cached_tokens");
    Usage {
        input: n("/prompt_tokens").saturating_sub(cached),
        output: n("/completion_tokens"),
        cache_read: cached,
        cache_write: 0,
        total: n("/total_tokens"),
    }
}

impl Acc {
    fn chunk(&mut self, c: &ChunkIn<'_>, on_event: &mut dyn FnMut(ModelEvent)) {
        if let Some(u) = c.usage.as_ref().filter(|u| u.is_object()) {
            self.usage = parse_usage(u);
        }
        let Some(choice) = c.choices.first() else {
            return;
        };
        let delta = &choice.delta;
        for r in [&delta.reasoning_content, &delta.reasoning] {
            if let Some(r) = r.as_deref().filter(|r| !r.is_empty()) {
                on_event(ModelEvent::ReasoningDelta(r.to_string()));
            }
        }
        if let Some(t) = delta.content.as_deref().filter(|t| !t.is_empty()) {
            self.text.push_str(t);
            on_event(ModelEvent::TextDelta(t.to_string()));
        }
        for c in &delta.tool_calls {
            let index = c.index.unwrap_or(self.calls.len() as u64) as usize;
            while self.calls.len() <= index {
                self.calls.push(ToolCall {
                    id: String::new(),
                    name: String::new(),
                    arguments: String::new(),
                });
            }
            let slot = &mut self.calls[index];
            let name = c.function.name.as_deref().unwrap_or("");
            if let Some(id) = c.id.as_deref().filter(|s| !s.is_empty()) {
                slot.id = id.to_string();
            }
            if !name.is_empty() && slot.name.is_empty() {
                slot.name = name.to_string();
                if slot.id.is_empty() {
                    slot.id = format!("call_{}", uuid::Uuid::new_v4().simple());
                }
                on_event(ModelEvent::ToolCallStart {
                    index,
                    id: slot.id.clone(),
                    name: slot.name.clone(),
                });
            }
            if let Some(a) = c.function.arguments.as_deref().filter(|a| !a.is_empty()) {
                slot.arguments.push_str(a);
                on_event(ModelEvent::ToolCallArgs {
                    index,
                    fragment: a.to_string(),
                });
            }
        }
        if let Some(f) = choice.finish_reason.as_deref() {
            self.stop = Some(stop_reason(f));
        }
    }

    /// Ends a reply cut at the size cap: the text so far, no half-streamed tool calls.
    fn truncate(&mut self) {
        self.calls.clear();
        self.stop = Some(StopReason::Length);
    }

    fn finish(mut self) -> ModelOutput {
        self.calls.retain(|c| !c.name.is_empty());
        ModelOutput::assemble(self.text, self.calls, self.stop, self.usage)
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
    let url = format!("{}/chat/completions", p.base_url);
    let mut builder = http::client()
        .post(url)
        .timeout(limits.first_byte)
        .insert_header(("content-type", "application/json"));
    if let Some(k) = &p.api_key {
        builder = builder.insert_header(("authorization", format!("Bearer {}", k.expose())));
    }
    for (k, v) in &p.headers {
        builder = builder.insert_header((k.as_str(), v.as_str()));
    }
    let body = super::openai_body::request_bytes(req);
    let mut resp = builder
        .send_body(body)
        .await
        .map_err(|e| http::send_error(&p.id, e))?;
    if !resp.status().is_success() {
        return Err(http::status_error(&p.id, &mut resp).await);
    }
    let mut acc = Acc::default();
    if req.stream {
        let mut received = false;
        let meter = http::ReplyMeter::new(limits.max_reply_bytes);
        let mut metered = |e: ModelEvent| {
            meter.add(&e);
            on_event(e)
        };
        let res = http::read_sse(&p.id, &mut resp, limits.idle, |ev| {
            if ev.data == "[DONE]" {
                return Ok(true);
            }
            let v: ChunkIn =
                serde_json::from_str(&ev.data).map_err(|e| ProviderError::Protocol {
                    provider: p.id.clone(),
                    message: format!("bad chunk: {e}"),
                })?;
            if let Some(err) = &v.error {
                let detail = err
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("upstream error");
                return Err(ProviderError::status(&p.id, 502, detail, None));
            }
            received = true;
            acc.chunk(&v, &mut metered);
            if meter.over(&p.id) {
                acc.truncate();
                return Ok(true);
            }
            Ok(false)
        })
        .await;
        // Some servers close without [DONE] after a finish_reason: that counts as finished.
        http::stream_end(&p.id, res, acc.stop.is_some(), received)?;
        Ok(acc.finish())
    } else {
        // Read typed, as a chunk whose `message` is the delta: no `Value` tree.
        let bytes = http::read_body(&p.id, &mut resp, limits.idle).await?;
        let reply: ChunkIn =
            serde_json::from_slice(&bytes).map_err(|e| http::bad_json(&p.id, &e))?;
        let Some(choice) = reply.choices.first() else {
            return Err(ProviderError::Protocol {
                provider: p.id.clone(),
                message: "no choices[0].message".into(),
            });
        };
        let mut sink = |_e: ModelEvent| {};
        acc.chunk(&reply, &mut sink);
        // Non-streamed tool calls may omit `index`; number them in order.
        if !choice.delta.tool_calls.is_empty() {
            acc.calls = choice
                .delta
                .tool_calls
                .iter()
                .map(|c| ToolCall {
                    id: c.id.as_deref().unwrap_or_default().to_string(),
                    name: c.function.name.as_deref().unwrap_or_default().to_string(),
                    arguments: c.function.arguments.as_deref().unwrap_or("{}").to_string(),
                })
                .collect();
        }
        let out = acc.finish();
        if !out.text.is_empty() {
            on_event(ModelEvent::TextDelta(out.text.clone()));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[test]
    fn tool_call_fragments_and_usage_accumulate() {
        let mut acc = Acc::default();
        let mut events = vec![];
        let mut sink = |e: ModelEvent| events.push(e);
        for c in [
            json!({"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}),
            json!({"choices":[{"index":0,"delta":{"reasoning_content":"hmm"}}]}),
            json!({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]}}]}),
            json!({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}}]}),
            json!({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]}}]}),
            json!({"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}),
            json!({"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17,"prompt_tokens_details":{"cached_tokens":3}}}),
        ] {
            acc.chunk(&ChunkIn::deserialize(&c).unwrap(), &mut sink);
        }
        let out = acc.finish();
        assert_eq!(out.stop, StopReason::ToolCalls);
        assert_eq!(
            out.tool_calls,
            vec![ToolCall {
                id: "call_1".into(),
                name: "get_weather".into(),
                arguments: "{\"city\":\"Paris\"}".into()
            }]
        );
        assert_eq!(
            out.usage,
            Usage {
                input: 9,
                output: 5,
                cache_read: 3,
                cache_write: 0,
                total: 17
            }
        );
        assert_eq!(events[0], ModelEvent::ReasoningDelta("hmm".into()));
        assert_eq!(events.len(), 4);
    }

    #[test]
    fn body_carries_tools_thinking_and_images() {
        let req = ModelRequest {
            model: "m".into(),
            system: "sys".into(),
            messages: vec![Message {
                images: vec![ImageData {
                    mime: "image/png".into(),
                    base64: "AAAA".into(),
                }],
                ..Message::text(Role::User, "look")
            }],
            tools: vec![ToolSpec {
                name: "t".into(),
                description: "d".into(),
                parameters: std::sync::Arc::new(json!({"type":"object"})),
            }],
            tool_choice: ToolChoice::Required,
            thinking: Some(ThinkingLevel::High),
            max_tokens: Some(10),
            temperature: None,
            top_p: None,
            stream: true,
            options: ModelOptions::default(),
        };
        let b: Value =
            serde_json::from_slice(&super::super::openai_body::request_bytes(&req)).unwrap();
        assert_eq!(b["messages"][0]["role"], "system");
        assert_eq!(
            b["messages"][1]["content"][1]["image_url"]["url"],
            "data:image/png;base64,AAAA"
        );
        assert_eq!(b["tool_choice"], "required");
        assert_eq!(b["reasoning_effort"], "high");
        assert_eq!(b["stream_options"]["include_usage"], true);
    }
}
