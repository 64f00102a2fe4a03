//! `POST /v1/chat/completions`: OpenAI-compatible chat, JSON or SSE, with OpenClaw's agent,
//! model and session selection (and client tools returned as `tool_calls`).

use super::{body, chat_fields, chat_input, run, select, sse};
use crate::core::run::{RunEvent, RunOutcome, TurnRequest};
use crate::error::GatewayError;
use crate::http::routes::Authenticated;
use crate::providers::types::StopReason;
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use bytes::Bytes;
use serde_json::{json, Value};

/// Empty final text is replaced by this (OpenClaw's wording).
pub const NO_RESPONSE: &str = "No response from OpenClaw.";

/// Handler.
pub async fn create(
    auth: Authenticated,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, GatewayError> {
    let cfg = &state.config();
    let body = body::read_json(payload, cfg.chat_completions.max_body_bytes).await?;
    let input = chat_input::parse(&body)?;
    let sel = select::select(cfg, &req, input.model.as_deref())?;
    let agent = cfg
        .agent(&sel.agent_id)
        .ok_or_else(|| GatewayError::Internal("agent vanished".into()))?;
    let choice = match &sel.model_override {
        Some(m) => crate::config::ModelChoice {
            primary: Some(m.clone()),
            fallbacks: vec![],
        },
        None => cfg.model_for(agent),
    };
    if input.has_images() {
        if let Some(m) = choice
            .primary
            .as_ref()
            .filter(|m| !crate::providers::accepts_images(cfg, m))
        {
            return Err(GatewayError::bad_param(format!("Model '{m}' does not accept image input (declare input: [\"text\", \"image\"] in its models entry)."), "messages"));
        }
    }
    chat_fields::check_provider(cfg, &choice, &input.options)?;
    let session_key = select::session_key(&req, &sel.agent_id, input.user.as_deref(), "openai");
    let run_id = run::run_id("chatcmpl_");
    let mut turn = TurnRequest::new(run_id.clone(), sel.agent_id, session_key, input.message);
    turn.images = input.images;
    turn.sender_is_owner = auth.0.is_owner();
    turn.extra_messages = input.history;
    turn.options = input.options;
    turn.thinking = input.thinking;
    turn.extra_system_prompt = input.extra_system;
    turn.model_override = sel.model_override;
    turn.client_tools = input.tools;
    turn.tool_choice = input.tool_choice;
    turn.max_tokens = input.max_tokens;
    turn.temperature = input.temperature;
    turn.top_p = input.top_p;
    turn.stream = input.stream;
    turn.channel = select::message_channel(&req);
    let model_echo = input.model.unwrap_or_else(|| "openclaw".into());
    let created = chrono::Utc::now().timestamp();
    let rx = run::start_as(&state, &auth.0, &req, turn, input.user.as_deref())?;
    if !input.stream {
        let out = run::outcome(rx).await?;
        if let Some(f) = &out.failure {
            return Err(run::failure_error(f));
        }
        let resp = HttpResponse::Ok()
            .insert_header(("content-type", "application/json; charset=utf-8"))
            .body(completion_json(&run_id, created, &model_echo, &out));
        return Ok(crate::http::server_timing::with_turn(resp, &out));
    }
    let head = Chunker::new(run_id, created, model_echo, input.include_usage);
    let first = vec![head.chunk(json!({"role": "assistant", "content": ""}), None)];
    let mut sent_text = false;
    Ok(sse::response(sse::from_events(
        first,
        rx,
        move |ev, out| match ev {
            RunEvent::Delta(t) => {
                sent_text = true;
                out.push(head.content(t));
                false
            }
            RunEvent::Done(o) => {
                head.finish(o, sent_text, out);
                true
            }
            _ => false,
        },
    )))
}

/// The `chat.completion` body, serialised once from borrowed parts (no `Value` tree).
fn completion_json(id: &str, created: i64, model: &str, o: &RunOutcome) -> String {
    let (p, c, t) = o.usage.openai_triple();
    let text = final_text(o);
    let calls = (!o.pending_tool_calls.is_empty()).then(|| {
        o.pending_tool_calls
            .iter()
            .map(|c| CallOut {
                id: &c.id,
                kind: "function",
                function: FunctionOut {
                    name: &c.name,
                    arguments: &c.arguments,
                },
            })
            .collect::<Vec<_>>()
    });
    let (content, finish) = match &calls {
        None => (Some(text.as_str()), o.stop.as_openai()),
        Some(_) => (
            (!o.text.is_empty()).then_some(text.as_str()),
            StopReason::ToolCalls.as_openai(),
        ),
    };
    let body = Completion {
        id,
        object: "chat.completion",
        created,
        model,
        choices: [ChoiceOut {
            index: 0,
            message: MessageOut {
                role: "assistant",
                content,
                tool_calls: calls,
            },
            finish_reason: finish,
        }],
        usage: UsageOut {
            prompt_tokens: p,
            completion_tokens: c,
            total_tokens: t,
        },
    };
    serde_json::to_string(&body).expect("serialising plain data cannot fail")
}

/// A `chat.completion` (keys in OpenAI's order).
#[derive(serde::Serialize)]
struct Completion<'a> {
    id: &'a str,
    object: &'static str,
    created: i64,
    model: &'a str,
    choices: [ChoiceOut<'a>; 1],
    usage: UsageOut,
}

/// Its one choice.
#[derive(serde::Serialize)]
struct ChoiceOut<'a> {
    index: u32,
    message: MessageOut<'a>,
    finish_reason: &'static str,
}

/// The assistant message (`content` is null when only tool calls are returned).
#[derive(serde::Serialize)]
struct MessageOut<'a> {
    role: &'static str,
    content: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_calls: Option<Vec<CallOut<'a>>>,
}

/// A client tool call.
#[derive(serde::Serialize)]
struct CallOut<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    function: FunctionOut<'a>,
}

/// A tool call's function.
#[derive(serde::Serialize)]
struct FunctionOut<'a> {
    name: &'a str,
    arguments: &'a str,
}

/// Token usage.
#[derive(serde::Serialize)]
struct UsageOut {
    prompt_tokens: u64,
    completion_tokens: u64,
    total_tokens: u64,
}

fn final_text(o: &RunOutcome) -> String {
    if o.text.trim().is_empty() && o.pending_tool_calls.is_empty() {
        NO_RESPONSE.to_string()
    } else {
        o.text.clone()
    }
}

/// Renders `chat.completion.chunk` frames with a fixed id/created/model.
struct Chunker {
    id: String,
    created: i64,
    model: String,
    include_usage: bool,
    tool_index: usize,
    /// `data: {"id":…,"choices":[{"index":0,"delta":{"content":` — every content chunk of the
    /// reply starts with it, so a delta costs one buffer and the escaping of its text.
    content_prefix: String,
}

impl Chunker {
    fn new(id: String, created: i64, model: String, include_usage: bool) -> Chunker {
        let quoted = |s: &str| Value::from(s).to_string();
        let content_prefix = format!(
            r#"data: {{"id":{},"object":"chat.completion.chunk","created":{created},"model":{},"choices":[{{"index":0,"delta":{{"content":"#,
            quoted(&id),
            quoted(&model)
        );
        Chunker {
            id,
            created,
            model,
            include_usage,
            tool_index: 0,
            content_prefix,
        }
    }

    /// The frame of one text delta: the same bytes as [`Chunker::chunk`] of
    /// `{"content": text}`, written straight into one buffer.
    fn content(&self, text: &str) -> Bytes {
        use bytes::BufMut;
        const SUFFIX: &[u8] = b"},\"finish_reason\":null}]}\n\n";
        let mut b = bytes::BytesMut::with_capacity(
            self.content_prefix.len() + text.len() + 8 + SUFFIX.len(),
        );
        b.extend_from_slice(self.content_prefix.as_bytes());
        // Writing a str into memory cannot fail.
        let _ = serde_json::to_writer((&mut b).writer(), text);
        b.extend_from_slice(SUFFIX);
        b.freeze()
    }

    fn chunk(&self, delta: Value, finish: Option<&str>) -> Bytes {
        let v = json!({"id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
        sse::data_frame(&v.to_string())
    }

    fn finish(&self, o: &RunOutcome, sent_text: bool, out: &mut Vec<Bytes>) {
        let mut finish = o.stop.as_openai();
        if let Some(f) = &o.failure {
            let msg = run::failure_error(f).to_string();
            out.push(self.chunk(json!({"content": format!("Error: {msg}")}), Some("stop")));
        } else {
            if !sent_text && o.pending_tool_calls.is_empty() {
                out.push(self.chunk(json!({"content": final_text(o)}), None));
            }
            for (i, c) in o.pending_tool_calls.iter().enumerate() {
                let index = self.tool_index + i;
                out.push(self.chunk(json!({"tool_calls": [{"index": index, "id": c.id, "type": "function", "function": {"name": c.name, "arguments": ""}}]}), None));
                out.push(self.chunk(json!({"tool_calls": [{"index": index, "function": {"arguments": c.arguments}}]}), None));
                finish = StopReason::ToolCalls.as_openai();
            }
            out.push(self.chunk(json!({}), Some(finish)));
        }
        if self.include_usage {
            let (p, c, t) = if o.failure.is_some() {
                (0, 0, 0)
            } else {
                o.usage.openai_triple()
            };
            let v = json!({"id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": self.model,
                "choices": [], "usage": {"prompt_tokens": p, "completion_tokens": c, "total_tokens": t}});
            out.push(sse::data_frame(&v.to_string()));
        }
        out.push(sse::done_frame());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_frames_match_the_generic_chunk_byte_for_byte() {
        let c = Chunker::new(
            "chatcmpl-\"1".into(),
            1_700_000_000,
            "open/claw ü".into(),
            false,
        );
        for text in [
            "tok",
            "",
            "quote \" and \\ and \n",
            "中文 ✓ \u{1}",
            "</script>",
        ] {
            assert_eq!(
                c.content(text),
                c.chunk(json!({"content": text}), None),
                "{text:?}"
            );
        }
    }
}
