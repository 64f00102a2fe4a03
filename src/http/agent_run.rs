//! The seed documents' simple agent API: `POST /v1/agent/run` (JSON) and
//! `POST /v1/agent/run/stream` (SSE `event: delta` / `event: done`), through the same actors.

use super::{body, run, select, sse};
use crate::config::ModelRef;
use crate::core::run::TurnRequest;
use crate::core::run::{RunEvent, RunOutcome};
use crate::error::GatewayError;
use crate::http::routes::Authenticated;
use crate::providers::types::ThinkingLevel;
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

/// Body limit for these endpoints (the seeds' documented 10 MB).
pub const MAX_BODY: usize = 10 * 1024 * 1024;

fn build_turn(
    state: &AppState,
    req: &HttpRequest,
    body: &Value,
    stream: bool,
) -> Result<TurnRequest, GatewayError> {
    let obj = body
        .as_object()
        .ok_or_else(|| GatewayError::bad_request("request body must be a JSON object"))?;
    let message = obj
        .get("message")
        .and_then(Value::as_str)
        .filter(|m| !m.trim().is_empty())
        .ok_or_else(|| GatewayError::bad_param("`message` is required", "message"))?;
    let cfg = &state.config();
    let agent_id = select::agent_by_id(cfg, obj.get("agentId").and_then(Value::as_str))?;
    let routing = crate::app::select::Routing::from_json(body)?;
    let raw_key = obj.get("sessionKey").and_then(Value::as_str);
    let session_key = match routing
        .peer_session(cfg, &agent_id)
        .filter(|_| raw_key.is_none())
    {
        Some(k) => k,
        None => select::scoped_session_key(cfg, &agent_id, raw_key)?,
    };
    let options = obj.get("options").cloned().unwrap_or(Value::Null);
    let mut turn = TurnRequest::new(
        run::run_id("run_"),
        agent_id.clone(),
        session_key,
        message.to_string(),
    );
    turn.stream = stream;
    // Callers hold the gateway secret: owners, as in OpenClaw.
    turn.sender_is_owner = true;
    turn.channel = select::message_channel(req);
    turn.deliver = routing.route()?;
    if let Some(t) = options.get("thinking").and_then(Value::as_str) {
        turn.thinking = Some(ThinkingLevel::parse(t).ok_or_else(|| {
            GatewayError::bad_param(format!("unknown thinking level `{t}`"), "options.thinking")
        })?);
    }
    if let Some(m) = options.get("model").and_then(Value::as_str) {
        let agent = cfg
            .agent(&agent_id)
            .ok_or_else(|| GatewayError::Internal("agent vanished".into()))?;
        turn.model_override = Some(match cfg.resolve_model_override(agent, m) {
            Ok(Some(r)) => r,
            _ => {
                return Err(GatewayError::bad_param(
                    format!("Model '{m}' is not allowed for agent '{agent_id}'."),
                    "options.model",
                ))
            }
        });
    }
    if let Some(s) = options
        .get("timeoutSeconds")
        .and_then(Value::as_u64)
        .filter(|s| *s > 0)
    {
        turn.timeout = Some(std::time::Duration::from_secs(s));
    }
    Ok(turn)
}

fn usage_json(o: &RunOutcome) -> Value {
    let (p, c, t) = o.usage.openai_triple();
    json!({"promptTokens": p, "completionTokens": c, "totalTokens": t})
}

/// The JSON answer of `/v1/agent/run` (also `clawgate agent --local --json`):
/// `{runId, sessionKey, response, model, usage, delivery?}`.
pub fn result_json(out: &RunOutcome) -> Value {
    let mut body = json!({"runId": out.run_id, "sessionKey": out.session_key, "response": out.text, "model": out.model, "usage": usage_json(out)});
    if let Some(d) = &out.delivery {
        body["delivery"] = (**d).clone();
    }
    body
}

/// `POST /v1/agent/run`.
pub async fn run_json(
    _auth: Authenticated,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, GatewayError> {
    let body = body::read_json(payload, MAX_BODY).await?;
    let turn = build_turn(&state, &req, &body, false)?;
    let out = run::outcome(run::start(&state, turn)).await?;
    if let Some(f) = &out.failure {
        return Err(run::failure_error(f));
    }
    let body = result_json(&out);
    let resp = HttpResponse::Ok()
        .insert_header(("content-type", "application/json; charset=utf-8"))
        .body(body.to_string());
    Ok(crate::http::server_timing::with_turn(resp, &out))
}

/// `POST /v1/agent/run/stream`.
pub async fn run_stream(
    _auth: Authenticated,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, GatewayError> {
    let body = body::read_json(payload, MAX_BODY).await?;
    let turn = build_turn(&state, &req, &body, true)?;
    let run_id = turn.run_id.clone();
    let rx = run::start(&state, turn);
    Ok(sse::response(sse::from_events(
        vec![],
        rx,
        move |ev, out| match ev {
            RunEvent::Delta(t) => {
                out.push(sse::event_frame(
                    "delta",
                    &json!({"delta": t, "runId": run_id}).to_string(),
                ));
                false
            }
            RunEvent::ToolCall {
                call_id,
                name,
                arguments,
            } => {
                out.push(sse::event_frame("tool.call", &json!({"runId": run_id, "toolCallId": call_id, "tool": name, "params": arguments}).to_string()));
                false
            }
            RunEvent::ToolResult {
                call_id,
                name,
                result,
                is_error,
            } => {
                out.push(sse::event_frame("tool.result", &json!({"runId": run_id, "toolCallId": call_id, "tool": name, "result": result, "isError": is_error}).to_string()));
                false
            }
            RunEvent::Done(o) => {
                match &o.failure {
                    None => {
                        let mut done = json!({"runId": o.run_id, "sessionKey": o.session_key, "finishReason": o.stop.as_openai(), "usage": usage_json(o)});
                        if let Some(d) = &o.delivery {
                            done["delivery"] = (**d).clone();
                        }
                        out.push(sse::event_frame("done", &done.to_string()))
                    }
                    Some(f) => out.push(sse::event_frame(
                        "error",
                        &json!({"runId": o.run_id, "error": run::failure_error(f).body()["error"]})
                            .to_string(),
                    )),
                }
                true
            }
            _ => false,
        },
    )))
}

/// `GET /status` (seed form): gateway summary.
pub async fn status(
    _auth: Authenticated,
    _req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, GatewayError> {
    let status = state.app.status(false).await;
    let (stats, total) = (status.live, status.sessions_total);
    let channels = state
        .channels
        .send(crate::actors::channels::ListAccounts)
        .await
        .unwrap_or_default();
    let cfg = &state.config();
    let body = json!({
        "status": "ok",
        "version": crate::state::VERSION,
        "uptime": state.uptime_ms() / 1000,
        "gateway": {"port": state.port, "bind": cfg.bind.first().map(|b| b.to_string()), "auth": cfg.auth.mode.as_str()},
        "channels": crate::ws::rpc::channels_summary(&channels),
        "sessions": {"active": stats.live_sessions, "total": total},
        "runs": {"active": stats.active_runs},
        "models": {"default": cfg.default_model.primary.as_ref().map(ModelRef::to_string), "providers": cfg.providers.keys().collect::<Vec<_>>()},
    });
    Ok(HttpResponse::Ok()
        .insert_header(("content-type", "application/json; charset=utf-8"))
        .body(body.to_string()))
}
