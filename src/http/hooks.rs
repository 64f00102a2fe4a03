//! `POST <hooks.path>/*`: OpenClaw's webhook pipeline, in its order — query token (400),
//! method (405, no auth budget spent), hook token (401, or 429 when locked out), empty
//! sub-path (404), body (413/408/400), then `wake`, `agent` or the first matching mapping
//! (404 when none matches). Errors before the body are plain text, after it JSON
//! `{"ok":false,"error":…}`.

use crate::auth::{normalize_ip, peer_ip, secret_eq};
use crate::hooks::{
    self, dispatch, mapping, policy, replay, template::TemplateContext, HookAction,
};
use crate::state::AppState;
use actix_web::guard::GuardContext;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use bytes::BytesMut;
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// How long a caller may take to send the body.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);

const QUERY_TOKEN: &str = "Hook token must be provided via Authorization: Bearer <token> or X-OpenClaw-Token header (query parameters are not allowed).";

/// Route guard: hooks are enabled and the path is `<hooks.path>` or below it.
pub fn is_hook_path(ctx: &GuardContext) -> bool {
    let Some(state) = ctx.app_data::<web::Data<AppState>>() else {
        return false;
    };
    let h = &state.config().hooks;
    if !h.enabled {
        return false;
    }
    let path = ctx.head().uri.path();
    path == h.path
        || path
            .strip_prefix(h.path.as_str())
            .is_some_and(|rest| rest.starts_with('/'))
}

fn text(status: StatusCode, body: &'static str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/plain; charset=utf-8")
        .body(body)
}

fn fail(status: StatusCode, error: impl Into<String>) -> HttpResponse {
    HttpResponse::build(status).json(json!({"ok": false, "error": error.into()}))
}

fn query_pairs(req: &HttpRequest) -> Vec<(String, String)> {
    web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default()
}

/// The presented hook token: `Authorization: Bearer` first, then `X-OpenClaw-Token`.
fn presented_token(req: &HttpRequest) -> Option<String> {
    let h = |n: &str| req.headers().get(n).and_then(|v| v.to_str().ok());
    if let Some(v) = h("authorization").map(str::trim) {
        if v.len() > 7 && v[..7].eq_ignore_ascii_case("bearer ") {
            let t = v[7..].trim();
            if !t.is_empty() {
                return Some(t.to_string());
            }
        }
    }
    h("x-openclaw-token")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

enum BodyError {
    TooLarge,
    Timeout,
    Broken,
}

async fn read_body(mut payload: web::Payload, limit: usize) -> Result<BytesMut, BodyError> {
    let read = async {
        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|_| BodyError::Broken)?;
            if body.len() + chunk.len() > limit {
                return Err(BodyError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    };
    tokio::time::timeout(BODY_TIMEOUT, read)
        .await
        .map_err(|_| BodyError::Timeout)?
}

/// The idempotency key: `Idempotency-Key` > `X-OpenClaw-Idempotency-Key` > body
/// `idempotencyKey`; trimmed, ignored when longer than 256 characters.
fn idempotency_key(req: &HttpRequest, body: &Value) -> Option<String> {
    let h = |n: &str| req.headers().get(n).and_then(|v| v.to_str().ok());
    h("idempotency-key")
        .or_else(|| h("x-openclaw-idempotency-key"))
        .or_else(|| body.get("idempotencyKey").and_then(Value::as_str))
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= replay::MAX_IDEMPOTENCY_KEY)
        .map(str::to_string)
}

/// The hook handler (every method, so that 405 and the token checks come first).
pub async fn handle(
    req: HttpRequest,
    payload: web::Payload,
    app: web::Data<AppState>,
) -> HttpResponse {
    let cfg = &app.config().hooks;
    let query = query_pairs(&req);
    if query.iter().any(|(k, _)| k == "token") {
        return text(StatusCode::BAD_REQUEST, QUERY_TOKEN);
    }
    if req.method() != actix_web::http::Method::POST {
        return HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, "POST"))
            .content_type("text/plain; charset=utf-8")
            .body("Method Not Allowed");
    }
    let ip = normalize_ip(peer_ip(&req));
    let valid = match (presented_token(&req), &cfg.token) {
        (Some(p), Some(t)) => secret_eq(&p, t.expose()),
        _ => false,
    };
    if !valid {
        if let Some(secs) = app.hooks.limiter.locked(ip) {
            return HttpResponse::TooManyRequests()
                .insert_header((header::RETRY_AFTER, secs.max(1).to_string()))
                .content_type("text/plain; charset=utf-8")
                .body("Too Many Requests");
        }
        app.hooks.limiter.fail(ip);
        return text(StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    app.hooks.limiter.reset(ip);
    let sub = req.path()[cfg.path.len()..].trim_matches('/').to_string();
    if sub.is_empty() {
        return text(StatusCode::NOT_FOUND, "Not Found");
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > cfg.max_body_bytes) {
        return fail(StatusCode::PAYLOAD_TOO_LARGE, "payload too large");
    }
    let body = match read_body(payload, cfg.max_body_bytes).await {
        Ok(b) => b,
        Err(BodyError::TooLarge) => {
            return fail(StatusCode::PAYLOAD_TOO_LARGE, "payload too large")
        }
        Err(BodyError::Timeout) => {
            return fail(StatusCode::REQUEST_TIMEOUT, "request body timeout")
        }
        Err(BodyError::Broken) => return fail(StatusCode::BAD_REQUEST, "invalid request body"),
    };
    let body: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        let parsed = super::body::value_budget(&body)
            .and_then(|()| serde_json::from_slice(&body).map_err(|e| e.to_string()));
        match parsed {
            Ok(v) => v,
            Err(e) => return fail(StatusCode::BAD_REQUEST, format!("invalid JSON: {e}")),
        }
    };
    let registered = app.outbound.channels();
    let action = match sub.as_str() {
        "wake" => hooks::parse_wake(&body).map(HookAction::Wake),
        "agent" => hooks::parse_agent(&body, &registered).map(HookAction::Agent),
        _ => {
            let Some(m) = mapping::find(&cfg.mappings, &sub, &body) else {
                return text(StatusCode::NOT_FOUND, "Not Found");
            };
            let ctx = TemplateContext {
                headers: req
                    .headers()
                    .iter()
                    .filter_map(|(k, v)| {
                        Some((k.as_str().to_string(), v.to_str().ok()?.to_string()))
                    })
                    .collect(),
                query: query.into_iter().collect(),
                path: sub.clone(),
                now: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                payload: body.clone(),
            };
            mapping::action(m, &ctx, &registered)
        }
    };
    let action = match action {
        Ok(a) => a,
        Err(e) => return fail(StatusCode::BAD_REQUEST, e),
    };
    match action {
        HookAction::Wake(w) => {
            dispatch::wake(&app, &w).await;
            HttpResponse::Ok().json(json!({"ok": true, "mode": w.mode.as_str()}))
        }
        HookAction::Agent(a) => {
            let prepared = match policy::prepare(&app.config(), a) {
                Ok(p) => p,
                Err(e) => return fail(StatusCode::BAD_REQUEST, e),
            };
            let key = idempotency_key(&req, &body).map(|idem| {
                let a = &prepared.action;
                let scope = json!({
                    "pathKey": sub, "agentId": prepared.agent_id, "sessionKey": a.session_key,
                    "message": a.message, "name": a.name, "wakeMode": a.wake_mode.as_str(),
                    "deliver": a.deliver, "channel": a.channel, "to": a.to, "model": a.model,
                    "thinking": a.thinking, "timeoutSeconds": a.timeout_seconds,
                });
                let token = cfg.token.as_ref().map(|t| t.expose()).unwrap_or("");
                replay::cache_key(token, &scope, &idem)
            });
            let now = Instant::now();
            if let Some(run_id) = key.as_ref().and_then(|k| app.hooks.replay.get(k, now)) {
                return HttpResponse::Ok().json(json!({"ok": true, "runId": run_id}));
            }
            let run_id = uuid::Uuid::new_v4().to_string();
            if let Some(k) = key {
                app.hooks.replay.put(k, run_id.clone(), now);
            }
            dispatch::spawn_agent(&app, prepared, run_id.clone());
            HttpResponse::Ok().json(json!({"ok": true, "runId": run_id}))
        }
    }
}
