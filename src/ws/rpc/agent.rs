//! `agent` (ack `accepted`, then the final result on the same request id, deduplicated by
//! `idempotencyKey`) and `agent.wait`.

use super::wait::wait_payload;
use super::{bad_param, Call};
use crate::app::idempotency::Begun;
use crate::app::select::{agent_by_id, scoped_session_key, Routing};
use crate::app::Placement;
use crate::core::run::{RunOutcome, TurnRequest};
use crate::providers::types::ThinkingLevel;
use crate::storage::{now_ms, RunStatus};
use crate::ws::frames::ErrorShape;
use crate::ws::run_events::stop_reason_name;
use crate::ws::scopes::{has_scope, SCOPE_ADMIN};
use serde_json::{json, Value};
use std::time::Duration;

/// Default `agent.wait` timeout.
pub const DEFAULT_WAIT_MS: u64 = 30_000;

/// The agent and session a call targets: `agentId` (default agent) and `sessionKey` (its main
/// session), rejecting a key owned by another agent.
pub fn target(call: &Call) -> Result<(String, String), ErrorShape> {
    let cfg = &call.app.config();
    let explicit = call.str_param("agentId");
    let key_raw = call.str_param("sessionKey");
    let key_agent = key_raw
        .and_then(crate::core::ids::agent_of)
        .map(str::to_string);
    let agent_id = match (explicit, &key_agent) {
        (None, Some(a)) => agent_by_id(cfg, Some(a)),
        _ => agent_by_id(cfg, explicit),
    }
    .map_err(|e| bad_param(e.to_string()))?;
    if let (Some(_), Some(a)) = (explicit, &key_agent) {
        if *a != agent_id {
            return Err(bad_param(format!(
                "sessionKey agent ({a}) does not match agentId ({agent_id})"
            )));
        }
    }
    let peer = match key_raw {
        None => Routing::from_json(&call.params)
            .map_err(|e| bad_param(e.to_string()))?
            .peer_session(cfg, &agent_id),
        Some(_) => None,
    };
    let key = match peer {
        Some(k) => k,
        None => {
            scoped_session_key(cfg, &agent_id, key_raw).map_err(|e| bad_param(e.to_string()))?
        }
    };
    Ok((agent_id, key))
}

/// Builds the turn for `agent`/`chat.send` parameters.
pub fn turn(
    call: &Call,
    run_id: &str,
    agent_id: &str,
    key: &str,
    message: &str,
) -> Result<TurnRequest, ErrorShape> {
    let mut req = TurnRequest::new(run_id.into(), agent_id.into(), key.into(), message.into());
    req.stream = true;
    req.sender_is_owner = has_scope(&call.scopes, SCOPE_ADMIN);
    req.channel = call.str_param("channel").unwrap_or("webchat").to_string();
    if let Some(t) = call.str_param("thinking") {
        req.thinking = Some(
            ThinkingLevel::parse(t)
                .ok_or_else(|| bad_param(format!("invalid thinking level: {t}")))?,
        );
    }
    if let Some(s) = call.u64_param("timeout").filter(|s| *s > 0) {
        req.timeout = Some(Duration::from_secs(s));
    } else if let Some(ms) = call.u64_param("timeoutMs").filter(|s| *s > 0) {
        req.timeout = Some(Duration::from_millis(ms));
    }
    req.extra_system_prompt = call.str_param("extraSystemPrompt").map(str::to_string);
    req.deliver = Routing::from_json(&call.params)
        .and_then(|r| r.route())
        .map_err(|e| bad_param(e.to_string()))?;
    let model = call.str_param("model");
    if model.is_some() || call.str_param("provider").is_some() {
        if !has_scope(&call.scopes, SCOPE_ADMIN) {
            return Err(bad_param(
                "provider/model overrides are not authorized for this caller.",
            ));
        }
        let raw = match (call.str_param("provider"), model) {
            (Some(p), Some(m)) if !m.contains('/') => format!("{p}/{m}"),
            (_, Some(m)) => m.to_string(),
            (Some(p), None) => return Err(bad_param(format!("model required with provider {p}"))),
            (None, None) => String::new(),
        };
        let cfg = &call.app.config();
        let agent = cfg
            .agent(agent_id)
            .ok_or_else(|| bad_param(format!("Unknown agent '{agent_id}'.")))?;
        req.model_override = match cfg.resolve_model_override(agent, &raw) {
            Ok(Some(r)) => Some(r),
            _ => {
                return Err(bad_param(format!(
                    "Model '{raw}' is not allowed for agent '{agent_id}'."
                )))
            }
        };
    }
    Ok(req)
}

/// The final `agent` result for an outcome: `(ok, payload, error)`.
pub fn final_result(
    o: &RunOutcome,
    session_id: Option<String>,
) -> (bool, Value, Option<ErrorShape>) {
    let (provider, model) = o
        .model
        .as_deref()
        .and_then(|m| m.split_once('/'))
        .map(|(p, m)| (json!(p), json!(m)))
        .unwrap_or((Value::Null, Value::Null));
    let u = &o.usage;
    let usage = json!({"input": u.input, "output": u.output, "cacheRead": u.cache_read,
                       "cacheWrite": u.cache_write, "total": u.openai_triple().2});
    match o.status {
        RunStatus::Ok | RunStatus::Aborted => {
            let aborted = o.status == RunStatus::Aborted;
            let payloads = if o.text.is_empty() {
                json!([])
            } else {
                json!([{"text": o.text, "mediaUrl": null}])
            };
            let mut meta = json!({
                "durationMs": o.ended_at - o.started_at,
                "agentMeta": {"sessionId": session_id, "provider": provider, "model": model,
                              "usage": usage, "promptTokens": u.input + u.cache_read},
                "aborted": aborted,
                "finalAssistantRawText": o.text, "finalAssistantVisibleText": o.text,
                "livenessState": "working", "replayInvalid": false,
            });
            if !aborted {
                meta["stopReason"] = json!(stop_reason_name(o.stop));
                meta["completion"] = json!({"stopReason": stop_reason_name(o.stop),
                                            "finishReason": o.stop.as_openai()});
            }
            let mut payload = json!({"runId": o.run_id, "status": "ok",
                                 "summary": if aborted { "aborted" } else { "completed" },
                                 "result": {"payloads": payloads, "meta": meta}});
            if let Some(d) = &o.delivery {
                payload["delivery"] = (**d).clone();
            }
            (true, payload, None)
        }
        _ => {
            let msg = o
                .failure
                .as_ref()
                .map(|f| f.to_string())
                .unwrap_or_else(|| "run failed".into());
            let payload = json!({"runId": o.run_id, "status": "error", "summary": msg});
            (false, payload, Some(ErrorShape::unavailable(msg)))
        }
    }
}

fn record(ok: bool, payload: &Value, error: &Option<ErrorShape>) -> Value {
    json!({"ok": ok, "payload": payload, "error": error})
}

fn replay(call: &Call, rec: &Value) {
    let mut payload = rec["payload"].clone();
    payload["cached"] = json!(true);
    match serde_json::from_value::<ErrorShape>(rec["error"].clone()) {
        Ok(e) if rec["ok"] != json!(true) => call.reply.err_with_payload(payload, e),
        _ => call.reply.ok(payload),
    }
}

/// `agent`.
pub async fn agent(call: Call) {
    let Some(message) = call
        .params
        .get("message")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return call.reply.err(bad_param(
            "invalid agent params: must have required property 'message'",
        ));
    };
    let Some(idk) = call.str_param("idempotencyKey").map(str::to_string) else {
        return call.reply.err(bad_param(
            "invalid agent params: must have required property 'idempotencyKey'",
        ));
    };
    let (agent_id, key) = match target(&call) {
        Ok(t) => t,
        Err(e) => return call.reply.err(e),
    };
    let req = match turn(&call, &idk, &agent_id, &key, &message) {
        Ok(r) => r,
        Err(e) => return call.reply.err(e),
    };
    let app = call.app.app.clone();
    let begun = match app.begin_idempotent(&call.credential, "agent", &idk).await {
        Ok(b) => b,
        Err(e) => return call.reply.err(e.into()),
    };
    let ack = |run_id: &str| json!({"runId": run_id, "sessionKey": key, "agentId": agent_id, "status": "accepted", "acceptedAt": now_ms()});
    match begun {
        Begun::Done(rec) => replay(&call, &rec),
        Begun::InFlight { run_id } => {
            call.reply.ack(ack(&run_id));
            // Answer this request too once the first one's final result is recorded (or
            // give up when this client goes away).
            let closed = call.reply.outbox().clone();
            tokio::select! {
                done = app.wait_idempotent(&call.credential, "agent", &idk) => {
                    if let Some(rec) = done {
                        replay(&call, &rec);
                    }
                }
                _ = closed.closed() => {}
            }
        }
        Begun::Orphaned { run_id, row } => {
            let msg = row
                .error
                .unwrap_or_else(|| format!("run ended as {}", row.status));
            let error = ErrorShape::unavailable(msg.clone());
            let payload = json!({"runId": run_id, "status": "error", "summary": msg});
            let rec = record(false, &payload, &Some(error));
            app.finish_idempotent(&call.credential, "agent", &idk, rec.clone())
                .await;
            replay(&call, &rec);
        }
        Begun::New { run_id } => {
            let mut req = req;
            req.run_id = run_id.clone();
            let run = app.start_detached(req, Placement::Here);
            call.reply.ack(ack(&run_id));
            let Some(o) = run.outcome().await else {
                app.abandon_idempotent(&call.credential, "agent", &idk);
                return call
                    .reply
                    .err(ErrorShape::unavailable("run ended without an outcome"));
            };
            let session_id = app
                .get_session(&key)
                .await
                .ok()
                .flatten()
                .map(|s| s.session_id);
            let (ok, payload, error) = final_result(&o, session_id);
            app.finish_idempotent(
                &call.credential,
                "agent",
                &idk,
                record(ok, &payload, &error),
            )
            .await;
            call.reply
                .final_after_run(&run_id, &call.app.ws.hub, payload, error);
        }
    }
}

/// `agent.wait {runId, timeoutMs?}`.
pub async fn agent_wait(call: Call) {
    let Some(run_id) = call.str_param("runId").map(str::to_string) else {
        return call.reply.err(bad_param(
            "invalid agent.wait params: must have required property 'runId'",
        ));
    };
    let timeout = Duration::from_millis(call.u64_param("timeoutMs").unwrap_or(DEFAULT_WAIT_MS));
    let end = call.app.app.wait_run(&run_id, timeout).await;
    call.reply.ok(wait_payload(&run_id, &end));
}
