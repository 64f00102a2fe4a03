//! OpenAI chat-completions wire format: non-stream JSON and data-only SSE chunks.

use std::time::Duration;

use super::reply::{argument_fragments, Reply, ToolCall, Usage};
use super::script::{q, End, Script};

/// Identity shared by every chunk of one response.
pub(crate) struct Ctx<'a> {
    /// `chatcmpl-…` id.
    pub id: &'a str,
    /// Unix seconds.
    pub created: u64,
    /// Model name echoed from the request.
    pub model: &'a str,
}

/// OpenAI error `type` and `code` for an HTTP status.
fn error_kind(status: u16) -> (&'static str, Option<&'static str>) {
    match status {
        401 => ("invalid_request_error", Some("invalid_api_key")),
        403 => ("permission_error", None),
        404 => ("invalid_request_error", Some("model_not_found")),
        429 => ("requests", Some("rate_limit_exceeded")),
        400..=499 => ("invalid_request_error", None),
        _ => ("server_error", None),
    }
}

/// `{"error":{"message","type","param":null,"code"}}` for this status.
pub(crate) fn error_body(status: u16, message: &str) -> String {
    let (kind, code) = error_kind(status);
    let code = code.map_or_else(|| "null".to_string(), q);
    format!(
        r#"{{"error":{{"message":{},"type":{},"param":null,"code":{code}}}}}"#,
        q(message),
        q(kind)
    )
}

fn usage_json(u: Usage) -> String {
    format!(
        r#"{{"prompt_tokens":{},"completion_tokens":{},"total_tokens":{}}}"#,
        u.prompt_tokens,
        u.completion_tokens,
        u.prompt_tokens + u.completion_tokens
    )
}

fn tool_calls_json(calls: &[ToolCall]) -> String {
    let items: Vec<String> = calls
        .iter()
        .map(|c| {
            format!(
                r#"{{"id":{},"type":"function","function":{{"name":{},"arguments":{}}}}}"#,
                q(&c.id),
                q(&c.name),
                q(&c.arguments)
            )
        })
        .collect();
    format!("[{}]", items.join(","))
}

/// Non-stream `chat.completion` body for a text or tool-call reply (`None` for other variants).
pub(crate) fn completion(reply: &Reply, ctx: &Ctx) -> Option<String> {
    let (message, finish, usage) = match reply {
        Reply::Text {
            chunks,
            reasoning,
            usage,
            truncated,
            ..
        } => {
            let reasoning = if reasoning.is_empty() {
                String::new()
            } else {
                format!(r#","reasoning_content":{}"#, q(&reasoning.concat()))
            };
            let msg = format!(
                r#"{{"role":"assistant","content":{}{reasoning},"refusal":null}}"#,
                q(&chunks.concat())
            );
            (msg, if *truncated { "length" } else { "stop" }, *usage)
        }
        Reply::ToolCalls { text, calls, usage } => {
            let content = text.as_deref().map_or_else(|| "null".to_string(), q);
            let msg = format!(
                r#"{{"role":"assistant","content":{content},"refusal":null,"tool_calls":{}}}"#,
                tool_calls_json(calls)
            );
            (msg, "tool_calls", *usage)
        }
        _ => return None,
    };
    Some(format!(
        r#"{{"id":{},"object":"chat.completion","created":{},"model":{},"choices":[{{"index":0,"message":{message},"logprobs":null,"finish_reason":"{finish}"}}],"usage":{}}}"#,
        q(ctx.id),
        ctx.created,
        q(ctx.model),
        usage_json(usage)
    ))
}

/// Writes `chat.completion.chunk` frames with a fixed prefix.
struct Chunks {
    prefix: String,
    usage_null: bool,
    script: Script,
}

impl Chunks {
    fn new(ctx: &Ctx, include_usage: bool) -> Self {
        let prefix = format!(
            r#"data: {{"id":{},"object":"chat.completion.chunk","created":{},"model":{},"choices":["#,
            q(ctx.id),
            ctx.created,
            q(ctx.model)
        );
        let mut script = Script::new();
        script.push(Duration::ZERO, b": keep-alive\n\n");
        Chunks {
            prefix,
            usage_null: include_usage,
            script,
        }
    }

    fn delta(&mut self, delay: Duration, delta: &str, finish: Option<&str>) {
        let finish = finish.map_or_else(|| "null".to_string(), |f| format!("\"{f}\""));
        let usage = if self.usage_null {
            r#","usage":null"#
        } else {
            ""
        };
        let frame = format!(
            r#"{}{{"index":0,"delta":{delta},"logprobs":null,"finish_reason":{finish}}}]{usage}}}"#,
            self.prefix
        );
        self.script.push(delay, frame.as_bytes());
        self.script.push(Duration::ZERO, b"\n\n");
    }

    fn text_deltas(&mut self, key: &str, parts: &[String], gap: Duration, first: &mut bool) {
        for part in parts {
            let delay = if *first { Duration::ZERO } else { gap };
            *first = false;
            self.delta(delay, &format!(r#"{{"{key}":{}}}"#, q(part)), None);
        }
    }

    fn usage_chunk(&mut self, usage: Usage) {
        let frame = format!(r#"{}],"usage":{}}}"#, self.prefix, usage_json(usage));
        self.script.push(Duration::ZERO, frame.as_bytes());
        self.script.push(Duration::ZERO, b"\n\n");
    }
}

/// SSE script for a streamed reply (text, tool calls or a mid-stream disconnect).
/// `None` for replies that are not streamed (errors, hangs).
pub(crate) fn stream(reply: &Reply, ctx: &Ctx, include_usage: bool) -> Option<Script> {
    let mut out = Chunks::new(ctx, include_usage);
    out.delta(Duration::ZERO, r#"{"role":"assistant","content":""}"#, None);
    let mut first = true;
    let (finish, usage) = match reply {
        Reply::Text {
            chunks,
            reasoning,
            chunk_delay,
            usage,
            truncated,
            ..
        } => {
            out.text_deltas("reasoning_content", reasoning, *chunk_delay, &mut first);
            out.text_deltas("content", chunks, *chunk_delay, &mut first);
            (if *truncated { "length" } else { "stop" }, *usage)
        }
        Reply::ToolCalls { text, calls, usage } => {
            if let Some(text) = text {
                out.delta(
                    Duration::ZERO,
                    &format!(r#"{{"content":{}}}"#, q(text)),
                    None,
                );
            }
            for (index, call) in calls.iter().enumerate() {
                let head = format!(
                    r#"{{"tool_calls":[{{"index":{index},"id":{},"type":"function","function":{{"name":{},"arguments":""}}}}]}}"#,
                    q(&call.id),
                    q(&call.name)
                );
                out.delta(Duration::ZERO, &head, None);
                for fragment in argument_fragments(&call.arguments) {
                    let delta = format!(
                        r#"{{"tool_calls":[{{"index":{index},"function":{{"arguments":{}}}}}]}}"#,
                        q(fragment)
                    );
                    out.delta(Duration::ZERO, &delta, None);
                }
            }
            ("tool_calls", *usage)
        }
        Reply::Disconnect { chunks } => {
            out.text_deltas("content", chunks, Duration::ZERO, &mut first);
            return Some(out.script.end(End::Drop));
        }
        Reply::Error { .. } | Reply::Hang { .. } => return None,
    };
    out.delta(Duration::ZERO, "{}", Some(finish));
    if include_usage {
        out.usage_chunk(usage);
    }
    out.script.push(Duration::ZERO, b"data: [DONE]\n\n");
    Some(out.script)
}
