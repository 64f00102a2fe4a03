//! Anthropic Messages wire format: non-stream message JSON and the named-event SSE stream
//! (`message_start`, `content_block_start`, `ping`, `content_block_delta`, `content_block_stop`,
//! `message_delta`, `message_stop`).

use std::time::Duration;

use super::reply::{argument_fragments, Reply, ToolCall, Usage};
use super::script::{q, End, Script};

/// Signature attached to mock thinking blocks.
const SIGNATURE: &str = "bW9jay10aGlua2luZy1zaWduYXR1cmU=";

/// Identity of one message.
pub(crate) struct Ctx<'a> {
    /// `msg_…` id.
    pub id: &'a str,
    /// Model name echoed from the request.
    pub model: &'a str,
}

/// Anthropic error `type` for an HTTP status.
fn error_type(status: u16) -> &'static str {
    match status {
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        504 => "timeout_error",
        529 => "overloaded_error",
        400..=499 => "invalid_request_error",
        _ => "api_error",
    }
}

/// `{"type":"error","error":{"type","message"}}` for this status.
pub(crate) fn error_body(status: u16, message: &str) -> String {
    format!(
        r#"{{"type":"error","error":{{"type":"{}","message":{}}}}}"#,
        error_type(status),
        q(message)
    )
}

/// Tool input as a JSON object (the arguments text when it is an object, else `{}`).
fn tool_input(call: &ToolCall) -> String {
    match serde_json::from_str::<serde_json::Value>(&call.arguments) {
        Ok(v @ serde_json::Value::Object(_)) => v.to_string(),
        _ => "{}".to_string(),
    }
}

/// Non-stream message body for a text or tool-call reply (`None` for other variants).
/// `stop_reason` of a text reply.
fn stop_of(truncated: bool) -> &'static str {
    if truncated {
        "max_tokens"
    } else {
        "end_turn"
    }
}

pub(crate) fn message(reply: &Reply, ctx: &Ctx) -> Option<String> {
    let mut blocks = Vec::new();
    let (stop, usage) = match reply {
        Reply::Text {
            chunks,
            reasoning,
            usage,
            truncated,
            ..
        } => {
            if !reasoning.is_empty() {
                blocks.push(format!(
                    r#"{{"type":"thinking","thinking":{},"signature":"{SIGNATURE}"}}"#,
                    q(&reasoning.concat())
                ));
            }
            blocks.push(format!(
                r#"{{"type":"text","text":{}}}"#,
                q(&chunks.concat())
            ));
            (stop_of(*truncated), *usage)
        }
        Reply::ToolCalls { text, calls, usage } => {
            if let Some(text) = text {
                blocks.push(format!(r#"{{"type":"text","text":{}}}"#, q(text)));
            }
            for call in calls {
                blocks.push(format!(
                    r#"{{"type":"tool_use","id":{},"name":{},"input":{}}}"#,
                    q(&call.id),
                    q(&call.name),
                    tool_input(call)
                ));
            }
            ("tool_use", *usage)
        }
        _ => return None,
    };
    Some(format!(
        r#"{{"id":{},"type":"message","role":"assistant","model":{},"content":[{}],"stop_reason":"{stop}","stop_sequence":null,"usage":{{"input_tokens":{},"output_tokens":{}}}}}"#,
        q(ctx.id),
        q(ctx.model),
        blocks.join(","),
        usage.prompt_tokens,
        usage.completion_tokens
    ))
}

/// Writes named SSE events and numbers content blocks.
struct Events {
    script: Script,
    next_index: usize,
    pinged: bool,
}

impl Events {
    fn event(&mut self, delay: Duration, name: &str, data: &str) {
        let frame = format!("event: {name}\ndata: {data}\n\n");
        self.script.push(delay, frame.as_bytes());
    }

    /// `content_block_start` (followed by the stream's single `ping` after the first block).
    fn start_block(&mut self, block: &str) -> usize {
        let index = self.next_index;
        self.next_index += 1;
        let data =
            format!(r#"{{"type":"content_block_start","index":{index},"content_block":{block}}}"#);
        self.event(Duration::ZERO, "content_block_start", &data);
        if !self.pinged {
            self.pinged = true;
            self.event(Duration::ZERO, "ping", r#"{"type":"ping"}"#);
        }
        index
    }

    fn delta(&mut self, delay: Duration, index: usize, delta: &str) {
        let data = format!(r#"{{"type":"content_block_delta","index":{index},"delta":{delta}}}"#);
        self.event(delay, "content_block_delta", &data);
    }

    fn stop_block(&mut self, index: usize) {
        let data = format!(r#"{{"type":"content_block_stop","index":{index}}}"#);
        self.event(Duration::ZERO, "content_block_stop", &data);
    }

    /// One block of text-like deltas (`text_delta` / `thinking_delta`), paced by `gap` except
    /// before the very first delta of the message.
    fn text_block(&mut self, kind: &str, parts: &[String], gap: Duration, first: &mut bool) {
        let (start, delta_type) = match kind {
            "thinking" => (r#"{"type":"thinking","thinking":""}"#, "thinking_delta"),
            _ => (r#"{"type":"text","text":""}"#, "text_delta"),
        };
        let index = self.start_block(start);
        for part in parts {
            let delay = if *first { Duration::ZERO } else { gap };
            *first = false;
            let delta = format!(r#"{{"type":"{delta_type}","{kind}":{}}}"#, q(part));
            self.delta(delay, index, &delta);
        }
        if kind == "thinking" {
            let sig = format!(r#"{{"type":"signature_delta","signature":"{SIGNATURE}"}}"#);
            self.delta(Duration::ZERO, index, &sig);
        }
    }
}

/// SSE script for a streamed reply (text, tool calls or a mid-stream disconnect).
/// `None` for replies that are not streamed (errors, hangs).
pub(crate) fn stream(reply: &Reply, ctx: &Ctx) -> Option<Script> {
    let input_tokens = match reply {
        Reply::Text { usage, .. } | Reply::ToolCalls { usage, .. } => usage.prompt_tokens,
        Reply::Disconnect { .. } => 0,
        Reply::Error { .. } | Reply::Hang { .. } => return None,
    };
    let mut ev = Events {
        script: Script::new(),
        next_index: 0,
        pinged: false,
    };
    ev.script.push(Duration::ZERO, b": keep-alive\n\n");
    let start = format!(
        r#"{{"type":"message_start","message":{{"id":{},"type":"message","role":"assistant","model":{},"content":[],"stop_reason":null,"stop_sequence":null,"usage":{{"input_tokens":{input_tokens},"output_tokens":1}}}}}}"#,
        q(ctx.id),
        q(ctx.model)
    );
    ev.event(Duration::ZERO, "message_start", &start);
    let mut first = true;
    let (stop, usage): (&str, Usage) = match reply {
        Reply::Text {
            chunks,
            reasoning,
            chunk_delay,
            usage,
            truncated,
            ..
        } => {
            if !reasoning.is_empty() {
                ev.text_block("thinking", reasoning, *chunk_delay, &mut first);
                ev.stop_block(ev.next_index - 1);
            }
            ev.text_block("text", chunks, *chunk_delay, &mut first);
            ev.stop_block(ev.next_index - 1);
            (stop_of(*truncated), *usage)
        }
        Reply::ToolCalls { text, calls, usage } => {
            if let Some(text) = text {
                ev.text_block(
                    "text",
                    std::slice::from_ref(text),
                    Duration::ZERO,
                    &mut first,
                );
                ev.stop_block(ev.next_index - 1);
            }
            for call in calls {
                let block = format!(
                    r#"{{"type":"tool_use","id":{},"name":{},"input":{{}}}}"#,
                    q(&call.id),
                    q(&call.name)
                );
                let index = ev.start_block(&block);
                for fragment in argument_fragments(&call.arguments) {
                    let delta = format!(
                        r#"{{"type":"input_json_delta","partial_json":{}}}"#,
                        q(fragment)
                    );
                    ev.delta(Duration::ZERO, index, &delta);
                }
                ev.stop_block(index);
            }
            ("tool_use", *usage)
        }
        Reply::Disconnect { chunks } => {
            ev.text_block("text", chunks, Duration::ZERO, &mut first);
            return Some(ev.script.end(End::Drop));
        }
        Reply::Error { .. } | Reply::Hang { .. } => return None,
    };
    let delta = format!(
        r#"{{"type":"message_delta","delta":{{"stop_reason":"{stop}","stop_sequence":null}},"usage":{{"output_tokens":{}}}}}"#,
        usage.completion_tokens
    );
    ev.event(Duration::ZERO, "message_delta", &delta);
    ev.event(Duration::ZERO, "message_stop", r#"{"type":"message_stop"}"#);
    Some(ev.script)
}
