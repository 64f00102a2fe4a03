//! `POST /v1/responses` (JSON or SSE), `GET /v1/responses/{id}` and `POST /v1/responses/compact`.
//! WebSocket mode (`GET /v1/responses` with an upgrade) lives in `responses_ws.rs`.

use super::responses_turn::{self as rt, PrevInfo};
use super::{body, run, sse};
use crate::core::run::RunEvent;
use crate::error::GatewayError;
use crate::http::routes::Authenticated;
use crate::responses::media::ResolveOptions;
use crate::responses::{parse_request, to_sse_frame, StreamEmitter};
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use bytes::Bytes;
use serde_json::{json, Value};

fn json_ok(v: &Value) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("content-type", "application/json; charset=utf-8"))
        .body(v.to_string())
}

/// The stored response a continuation names (`previous_response_id`), if any.
pub(crate) async fn stored_prev(state: &AppState, id: Option<&str>) -> Option<PrevInfo> {
    let row = state.app.stored_response(id?).await.ok().flatten()?;
    Some(PrevInfo::from_stored(&row))
}

/// `POST /v1/responses`.
pub async fn create(
    auth: Authenticated,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, GatewayError> {
    let raw = body::read_body(payload, state.config().responses.max_body_bytes).await?;
    let parsed = parse_request(&raw).map_err(|e| GatewayError::bad_request(e.to_string()))?;
    let stream = parsed.is_stream();
    let prev = stored_prev(&state, parsed.previous_response_id.as_deref()).await;
    let lookup = move |_: &str| prev.clone();
    let prepared = rt::prepare(&state, &req, parsed, &lookup, ResolveOptions::default()).await?;
    let meta = prepared.meta();
    let client_tools = prepared.client_tools.clone();
    let mut em = StreamEmitter::new(prepared.resource);
    let first: Vec<Bytes> = em.start().iter().map(to_sse_frame).collect();
    let mut rx = run::start_as(&state, &auth.0, &req, prepared.turn, None)?;
    let state = state.into_inner();
    if !stream {
        while let Some(ev) = rx.recv().await {
            rt::on_event(&mut em, &ev, &client_tools);
            if let RunEvent::Done(o) = &*ev {
                let body = em.response();
                rt::save(&state, &meta, &body).await;
                if let Some(f) = &o.failure {
                    return Err(run::failure_error(f));
                }
                return Ok(crate::http::server_timing::with_turn(json_ok(&body), o));
            }
        }
        return Err(GatewayError::Internal(
            "run ended without an outcome".into(),
        ));
    }
    Ok(sse::response(sse::from_events(
        first,
        rx,
        move |ev, out| {
            for v in rt::on_event(&mut em, ev, &client_tools) {
                out.push(to_sse_frame(&v));
            }
            if matches!(ev, RunEvent::Done(_)) {
                // The last event is queued before this write resolves; with the embedded
                // store the write has already happened when `save` returns.
                actix_web::rt::spawn(rt::save(&state, &meta, &em.response()));
                out.push(Bytes::from_static(crate::responses::DONE_FRAME));
                return true;
            }
            false
        },
    )))
}

/// `GET /v1/responses/{id}`: a stored response, to the credential that created it.
pub async fn get(
    _auth: Authenticated,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, GatewayError> {
    let id = req.match_info().query("id").to_string();
    let subject = rt::auth_subject(&state, &req);
    let row = state
        .app
        .stored_response(&id)
        .await
        .map_err(|e| GatewayError::Internal(e.to_string()))?;
    match row.filter(|r| r.auth_subject == subject) {
        Some(r) => Ok(HttpResponse::Ok()
            .insert_header(("content-type", "application/json; charset=utf-8"))
            .body(r.body)),
        None => Err(GatewayError::NotFound(format!(
            "Response with id '{id}' not found."
        ))),
    }
}

/// Renders request input items as transcript lines.
fn transcript_of(input: &Value, out: &mut Vec<String>) {
    let text_of = |c: &Value| -> String {
        match c {
            Value::String(s) => s.clone(),
            Value::Array(parts) => parts
                .iter()
                .filter_map(|p| p.get("text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join("\n"),
            _ => String::new(),
        }
    };
    match input {
        Value::String(s) => out.push(format!("User: {s}")),
        Value::Array(items) => {
            for i in items {
                match i.get("type").and_then(Value::as_str).unwrap_or("message") {
                    "message" => {
                        let role = i.get("role").and_then(Value::as_str).unwrap_or("user");
                        let mut label = role.to_string();
                        if let Some(first) = label.get_mut(0..1) {
                            first.make_ascii_uppercase();
                        }
                        out.push(format!(
                            "{label}: {}",
                            text_of(i.get("content").unwrap_or(&Value::Null))
                        ));
                    }
                    "function_call" => out.push(format!(
                        "Assistant called {}({})",
                        i["name"].as_str().unwrap_or(""),
                        i["arguments"].as_str().unwrap_or("")
                    )),
                    "function_call_output" => out.push(format!(
                        "Tool:{}: {}",
                        i["call_id"].as_str().unwrap_or(""),
                        i["output"].as_str().unwrap_or("")
                    )),
                    "compaction" => {
                        if let Some(t) = i
                            .get("encrypted_content")
                            .and_then(Value::as_str)
                            .and_then(rt::decode_compaction)
                        {
                            out.push(t);
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// `POST /v1/responses/compact`: folds a conversation into one opaque `compaction` item the
/// client sends back in a later `input` (the transcript is carried, not summarised by a model).
pub async fn compact(
    _auth: Authenticated,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, GatewayError> {
    let v = body::read_json(payload, state.config().responses.max_body_bytes).await?;
    let model = v
        .get("model")
        .and_then(Value::as_str)
        .filter(|m| !m.trim().is_empty());
    if model.is_none() {
        return Err(GatewayError::bad_param("model: Required", "model"));
    }
    let mut lines = Vec::new();
    if let Some(prev) = v.get("previous_response_id").and_then(Value::as_str) {
        let subject = rt::auth_subject(&state, &req);
        let row = state
            .app
            .stored_response(prev)
            .await
            .ok()
            .flatten()
            .filter(|r| r.auth_subject == subject)
            .ok_or_else(|| rt::previous_not_found(prev))?;
        let body: Value = serde_json::from_str(&row.body).unwrap_or(Value::Null);
        transcript_of(&body["output"], &mut lines);
    }
    transcript_of(v.get("input").unwrap_or(&Value::Null), &mut lines);
    let text = lines.join("\n");
    let approx_tokens = (text.len() / 4) as u64;
    let out = json!({
        "id": crate::responses::resource::new_response_id(),
        "object": "response.compaction",
        "created_at": chrono::Utc::now().timestamp(),
        "output": [{"type": "compaction", "id": format!("cmp_{}", uuid::Uuid::new_v4().simple()), "encrypted_content": rt::encode_compaction(&text)}],
        "usage": {"input_tokens": approx_tokens, "output_tokens": 0, "total_tokens": approx_tokens,
                  "input_tokens_details": {"cached_tokens": 0}, "output_tokens_details": {"reasoning_tokens": 0}},
    });
    Ok(json_ok(&out))
}
