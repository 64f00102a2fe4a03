//! `chat.send` / `chat.history` / `chat.abort`, and the simple dialect's streaming `chat.run`.

use super::agent::{target, turn};
use super::{bad_param, Call};
use crate::app::idempotency::Begun;
use crate::app::session_view::list_defaults;
use crate::app::Placement;
use crate::core::run::RunEvent;
use crate::providers::types::Role;
use crate::storage::{RunStatus, StoredMessage};
use crate::ws::dialect::{simple_chat_delta, simple_chat_done, simple_event};
use crate::ws::frames::ErrorShape;
use serde_json::{json, Value};

/// Default and maximum `chat.history` rows.
pub const HISTORY_DEFAULT_LIMIT: usize = 200;
/// Maximum `chat.history` `limit`.
pub const HISTORY_MAX_LIMIT: usize = 1000;
/// Default per-field character cap of `chat.history`.
pub const HISTORY_DEFAULT_MAX_CHARS: usize = 12_000;

fn message_param(call: &Call, has_attachments: bool) -> Result<String, ErrorShape> {
    let msg = call
        .params
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("");
    if msg.contains('\0') {
        return Err(bad_param("message must not contain null bytes"));
    }
    if msg.trim().is_empty() && !has_attachments {
        return Err(bad_param("message or attachment required"));
    }
    Ok(msg.to_string())
}

/// `chat.send {sessionKey, message, idempotencyKey, thinking?, timeoutMs?, attachments?}`
/// (image attachments, [`super::attachments`]).
pub async fn send(call: Call) {
    let images = match super::attachments::images(&call.params) {
        Ok(i) => i,
        Err(e) => return call.reply.err(e),
    };
    let message = match message_param(&call, !images.is_empty()) {
        Ok(m) => m,
        Err(e) => return call.reply.err(e),
    };
    let Some(idk) = call.str_param("idempotencyKey").map(str::to_string) else {
        return call.reply.err(bad_param(
            "invalid chat.send params: must have required property 'idempotencyKey'",
        ));
    };
    let (agent_id, key) = match target(&call) {
        Ok(t) => t,
        Err(e) => return call.reply.err(e),
    };
    if message.trim() == "/stop" {
        let run_ids = abort_session(&call, &key, None).await;
        return call
            .reply
            .ok(json!({"ok": true, "aborted": !run_ids.is_empty(), "runIds": run_ids}));
    }
    let req = match turn(&call, &idk, &agent_id, &key, &message) {
        Ok(r) => r,
        Err(e) => return call.reply.err(e),
    };
    let app = call.app.app.clone();
    match app.begin_idempotent(&call.credential, "chat", &idk).await {
        Err(e) => call.reply.err(e.into()),
        Ok(Begun::Done(p)) => call.reply.ok(p),
        Ok(Begun::InFlight { run_id }) => call
            .reply
            .ok(json!({"runId": run_id, "status": "in_flight"})),
        Ok(Begun::Orphaned { run_id, .. }) => {
            let p = json!({"runId": run_id, "status": "error"});
            app.finish_idempotent(&call.credential, "chat", &idk, p.clone())
                .await;
            call.reply.ok(p)
        }
        Ok(Begun::New { run_id }) => {
            let mut req = req;
            req.run_id = run_id.clone();
            req.images = images;
            let run = app.start_detached(req, Placement::Here);
            call.reply.ok(json!({"runId": run_id, "status": "started"}));
            let status = match run.outcome().await.map(|o| o.status) {
                Some(RunStatus::Ok) => "ok",
                Some(RunStatus::Aborted) => "aborted",
                _ => "error",
            };
            let p = json!({"runId": run_id, "status": status});
            app.finish_idempotent(&call.credential, "chat", &idk, p)
                .await;
        }
    }
}

/// Aborts the runs of `key` (or just `run_id`) wherever the session runs; returns the ids
/// that were running.
async fn abort_session(call: &Call, key: &str, run_id: Option<&str>) -> Vec<String> {
    call.app.app.abort_session(key, run_id).await.1
}

/// `chat.abort {sessionKey, runId?}` (or `{runId}` alone, as the simple dialect sends).
pub async fn abort(call: Call) {
    let run_id = call.str_param("runId").map(str::to_string);
    if call.str_param("sessionKey").is_none() {
        let Some(run_id) = run_id else {
            return call.reply.err(bad_param(
                "invalid chat.abort params: sessionKey or runId required",
            ));
        };
        let Some(key) = call.app.app.session_of_run(&run_id).await else {
            return call
                .reply
                .ok(json!({"ok": true, "aborted": false, "runIds": []}));
        };
        let ids = abort_session(&call, &key, Some(&run_id)).await;
        return call
            .reply
            .ok(json!({"ok": true, "aborted": !ids.is_empty(), "runIds": ids}));
    }
    let key = match target(&call) {
        Ok((_, k)) => k,
        Err(e) => return call.reply.err(e),
    };
    let ids = abort_session(&call, &key, run_id.as_deref()).await;
    call.reply
        .ok(json!({"ok": true, "aborted": !ids.is_empty(), "runIds": ids}))
}

fn cap(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max).collect();
    out.push_str("\n…(truncated)…");
    out
}

/// A stored message in OpenClaw's transcript shape.
pub fn history_message(m: &StoredMessage, seq: i64, max_chars: usize) -> Value {
    let text = cap(&m.content, max_chars);
    let mut v = match m.role {
        Role::User => json!({"role": "user", "content": text, "timestamp": m.created_at}),
        Role::Assistant => {
            let mut content = Vec::new();
            if !text.is_empty() {
                content.push(json!({"type": "text", "text": text}));
            }
            for c in &m.tool_calls {
                let args: Value =
                    serde_json::from_str(&c.arguments).unwrap_or_else(|_| json!(c.arguments));
                content.push(
                    json!({"type": "toolCall", "id": c.id, "name": c.name, "arguments": args}),
                );
            }
            json!({"role": "assistant", "content": content, "timestamp": m.created_at})
        }
        Role::Tool => json!({"role": "toolResult", "toolCallId": m.tool_call_id,
                             "content": [{"type": "text", "text": text}], "timestamp": m.created_at}),
        Role::System => json!({"role": "system", "content": text, "timestamp": m.created_at}),
    };
    let mut meta = json!({"id": m.id.to_string(), "seq": seq, "recordTimestampMs": m.created_at});
    if let Some(r) = &m.run_id {
        meta["runId"] = json!(r);
    }
    v["__openclaw"] = meta;
    v
}

/// `chat.history {sessionKey, limit?, maxChars?}`: the last `limit` messages with their
/// transcript position (`__openclaw.seq`), `hasMore`/`totalMessages`, and the session row.
pub async fn history(call: Call) {
    let key = match target(&call) {
        Ok((_, k)) => k,
        Err(e) => return call.reply.err(e),
    };
    let limit = match call.u64_param("limit") {
        None => HISTORY_DEFAULT_LIMIT,
        Some(n) if (1..=HISTORY_MAX_LIMIT as u64).contains(&n) => n as usize,
        Some(_) => {
            return call.reply.err(bad_param(
                "invalid chat.history params: limit must be 1..1000",
            ))
        }
    };
    let max_chars = match call.u64_param("maxChars") {
        None => HISTORY_DEFAULT_MAX_CHARS,
        Some(n) if (1..=500_000).contains(&n) => n as usize,
        Some(_) => {
            return call.reply.err(bad_param(
                "invalid chat.history params: maxChars must be 1..500000",
            ))
        }
    };
    let found = match call.app.app.history(&key, limit).await {
        Ok(r) => r,
        Err(e) => return call.reply.err(e.into()),
    };
    let Some((row, msgs)) = found else {
        return call
            .reply
            .ok(json!({"sessionKey": key, "sessionId": null, "messages": []}));
    };
    // Transcript positions: the page is the transcript's last `msgs.len()` messages.
    let total = row.message_count.max(msgs.len() as i64);
    let first = total - msgs.len() as i64 + 1;
    let messages: Vec<Value> = msgs
        .iter()
        .zip(first..)
        .map(|(m, seq)| history_message(m, seq, max_chars))
        .collect();
    let live = call.app.app.session_context().await;
    let cfg = call.app.app.config();
    // OpenClaw's history carries the model defaults and the row without thinking levels.
    let mut defaults = list_defaults(&cfg);
    let mut info = super::sessions::full_row(&call, &row, &live);
    for v in [&mut defaults, &mut info] {
        if let Some(o) = v.as_object_mut() {
            for k in ["thinkingLevels", "thinkingOptions", "thinkingDefault"] {
                o.remove(k);
            }
        }
    }
    call.reply.ok(json!({
        "sessionKey": key, "sessionId": row.session_id, "messages": messages,
        "pendingInputs": {"items": [], "total": 0},
        "hasMore": first > 1, "totalMessages": total,
        "defaults": defaults, "sessionInfo": info,
        "thinkingLevel": row.thinking_level,
    }))
}

/// Simple dialect `chat.run {message, sessionKey, options}`: answers `{runId, sessionKey}`, then
/// streams `chat.delta` (new text), `tool.call`, `tool.result` and one `chat.done`.
pub async fn run_simple(mut call: Call) {
    if let Some(opts) = call.params.get("options").cloned() {
        for k in ["thinking", "model", "timeout"] {
            if let Some(v) = opts.get(k) {
                call.params[k] = v.clone();
            }
        }
    }
    let message = match message_param(&call, false) {
        Ok(m) => m,
        Err(e) => return call.reply.err(e),
    };
    let (agent_id, key) = match target(&call) {
        Ok(t) => t,
        Err(e) => return call.reply.err(e),
    };
    let run_id = crate::core::ids::new_run_id("run_");
    let req = match turn(&call, &run_id, &agent_id, &key, &message) {
        Ok(r) => r,
        Err(e) => return call.reply.err(e),
    };
    let mut run = call.app.app.start_detached(req, Placement::Here);
    call.reply
        .ok(json!({"runId": run_id, "sessionKey": key, "status": "started"}));
    let out = call.reply.outbox().clone();
    while let Some(ev) = run.next().await {
        let frame = match &*ev {
            RunEvent::Delta(d) => simple_chat_delta(&key, &run_id, d),
            RunEvent::ToolCall {
                name,
                arguments,
                call_id,
            } => {
                let params: Value =
                    serde_json::from_str(arguments).unwrap_or_else(|_| json!(arguments));
                simple_event(
                    "tool.call",
                    json!({"runId": run_id, "tool": name, "toolCallId": call_id, "params": params}),
                )
            }
            RunEvent::ToolResult {
                name,
                result,
                is_error,
                call_id,
            } => simple_event(
                "tool.result",
                json!({"runId": run_id, "tool": name, "toolCallId": call_id, "result": result, "isError": is_error}),
            ),
            RunEvent::Done(o) => {
                let (p, c, t) = o.usage.openai_triple();
                let mut done = simple_chat_done(
                    &key,
                    &run_id,
                    Some(json!({"promptTokens": p, "completionTokens": c, "totalTokens": t})),
                );
                let status = match o.status {
                    RunStatus::Ok => "ok",
                    RunStatus::Aborted => "aborted",
                    _ => "error",
                };
                done["data"]["status"] = json!(status);
                done["data"]["text"] = json!(o.text);
                if let Some(f) = &o.failure {
                    done["data"]["error"] = json!(f.to_string());
                }
                let _ = out.push_str(done.to_string());
                break;
            }
            RunEvent::Start { .. } | RunEvent::Reasoning(_) => continue,
        };
        // A client that stops reading loses its stream (its outbox closes); the run goes on.
        let _ = out.push_str(frame.to_string());
    }
}
