//! `POST /api/v1/message {text, session?, stream?, model?}` and `POST /api/v1/message/stream`:
//! one turn in a named session of the default agent; JSON `{messageId, text, usage}` or SSE
//! `data: {"chunk": "…"}` lines ending with `data: [DONE]`.

use super::{ok, ApiError, MAX_BODY};
use crate::app::select::scoped_session_key;
use crate::core::run::{RunEvent, TurnRequest};
use crate::error::GatewayError;
use crate::http::routes::Authenticated;
use crate::http::{body, run, sse};
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use bytes::Bytes;
use serde_json::{json, Value};

/// The default session name.
pub const DEFAULT_SESSION: &str = "default";

struct MessageRequest {
    turn: TurnRequest,
    stream: bool,
}

fn parse(state: &AppState, v: &Value) -> Result<MessageRequest, GatewayError> {
    let obj = v
        .as_object()
        .ok_or_else(|| GatewayError::bad_request("the body must be a JSON object"))?;
    let text = match obj.get("text") {
        Some(Value::String(t)) if !t.trim().is_empty() => t.clone(),
        Some(Value::String(_)) | None => {
            return Err(GatewayError::bad_param("`text` is required", "text"))
        }
        Some(_) => return Err(GatewayError::bad_param("`text` must be a string", "text")),
    };
    let session = match obj.get("session") {
        None | Some(Value::Null) => DEFAULT_SESSION,
        Some(Value::String(s)) if !s.trim().is_empty() => s.as_str(),
        Some(_) => {
            return Err(GatewayError::bad_param(
                "`session` must be a non-empty string",
                "session",
            ))
        }
    };
    let stream = match obj.get("stream") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(GatewayError::bad_param(
                "`stream` must be a boolean",
                "stream",
            ))
        }
    };
    let cfg = &state.config();
    let agent_id = cfg.default_agent.clone();
    let key = scoped_session_key(cfg, &agent_id, Some(session))?;
    let mut turn = TurnRequest::new(run::run_id("msg_"), agent_id.clone(), key, text);
    turn.channel = "api".into();
    // Every /api/v1 caller holds the gateway secret (or a key standing in for it).
    turn.sender_is_owner = true;
    match obj.get("model") {
        None | Some(Value::Null) => {}
        Some(Value::String(m)) => {
            let agent = cfg
                .agent(&agent_id)
                .ok_or_else(|| GatewayError::Internal("default agent missing".into()))?;
            turn.model_override = match cfg.resolve_model_override(agent, m) {
                Ok(Some(r)) => Some(r),
                _ => {
                    return Err(GatewayError::bad_param(
                        format!("Model '{m}' is not available."),
                        "model",
                    ))
                }
            };
        }
        Some(_) => return Err(GatewayError::bad_param("`model` must be a string", "model")),
    }
    Ok(MessageRequest { turn, stream })
}

/// `POST /api/v1/message`.
pub async fn send(
    auth: Authenticated,
    http: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let v = body::read_json(payload, MAX_BODY).await?;
    let req = parse(&state, &v)?;
    let run_id = req.turn.run_id.clone();
    let rx = run::start_as(&state, &auth.0, &http, req.turn, None)?;
    if req.stream {
        return Ok(stream_reply(rx));
    }
    let o = run::outcome(rx).await?;
    if let Some(f) = &o.failure {
        return Err(run::failure_error(f).into());
    }
    let resp = ok(json!({
        "messageId": run_id, "text": o.text,
        "usage": {"inputTokens": o.usage.input, "outputTokens": o.usage.output},
    }));
    Ok(crate::http::server_timing::with_turn(resp, &o))
}

/// `POST /api/v1/message/stream` (streams whatever `stream` says).
pub async fn stream(
    auth: Authenticated,
    http: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let v = body::read_json(payload, MAX_BODY).await?;
    let req = parse(&state, &v)?;
    Ok(stream_reply(run::start_as(
        &state, &auth.0, &http, req.turn, None,
    )?))
}

fn data_frame(v: &Value) -> Bytes {
    Bytes::from(format!("data: {v}\n\n"))
}

fn stream_reply(rx: tokio::sync::mpsc::Receiver<crate::core::run::EventRef>) -> HttpResponse {
    sse::response(sse::from_events(vec![], rx, |ev, out| match ev {
        RunEvent::Delta(t) => {
            out.push(data_frame(&json!({"chunk": t})));
            false
        }
        RunEvent::Done(o) => {
            if let Some(f) = &o.failure {
                out.push(data_frame(&super::envelope(&run::failure_error(f))));
            }
            out.push(Bytes::from_static(b"data: [DONE]\n\n"));
            true
        }
        _ => false,
    }))
}
