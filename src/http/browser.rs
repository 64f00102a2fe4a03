//! `/v1/browser/*` (seed 003): `GET status`, `POST navigate {url, profile}`,
//! `POST screenshot {selector, fullPage, ref, type, profile, tabId}` (the image bytes with
//! their content type, or JSON with base64 for `Accept: application/json` or
//! `{"format": "base64"}`), `POST act {kind, …}`, `GET snapshot?profile&tabId&maxChars`.
//! Errors take seed 003's shape; a disabled browser is a 503 that says so.

use super::body;
use super::rest::{json_ok, RestError};
use crate::http::routes::Authenticated;
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine as _;
use serde_json::{json, Value};

/// Largest request body.
const MAX_BODY: usize = 64 * 1024;

fn profile(body: &Value) -> Option<String> {
    body["profile"].as_str().map(str::to_string)
}

/// `GET /v1/browser/status`.
pub async fn status(
    _auth: Authenticated,
    state: web::Data<AppState>,
) -> Result<HttpResponse, RestError> {
    Ok(json_ok(state.app.browser_status().await))
}

/// `POST /v1/browser/navigate`.
pub async fn navigate(
    _auth: Authenticated,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, RestError> {
    let body = body::read_json(payload, MAX_BODY).await?;
    let out = state
        .app
        .browser_run(profile(&body).as_deref(), "navigate", body)
        .await?;
    Ok(json_ok(out.json))
}

/// `POST /v1/browser/act`.
pub async fn act(
    _auth: Authenticated,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, RestError> {
    let body = body::read_json(payload, MAX_BODY).await?;
    let out = state
        .app
        .browser_run(profile(&body).as_deref(), "act", body)
        .await?;
    Ok(json_ok(out.json))
}

/// `GET /v1/browser/snapshot`.
pub async fn snapshot(
    _auth: Authenticated,
    state: web::Data<AppState>,
    query: web::Query<std::collections::HashMap<String, String>>,
) -> Result<HttpResponse, RestError> {
    let mut args = json!({});
    for (k, v) in query.iter() {
        args[k] = match k.as_str() {
            "maxChars" => json!(v.parse::<u64>().unwrap_or(0)),
            _ => json!(v),
        };
    }
    let out = state
        .app
        .browser_run(profile(&args).as_deref(), "snapshot", args)
        .await?;
    Ok(json_ok(out.json))
}

/// `POST /v1/browser/screenshot`.
pub async fn screenshot(
    _auth: Authenticated,
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, RestError> {
    let body = body::read_json(payload, MAX_BODY).await?;
    let wants_json = body["format"] == "base64"
        || req
            .headers()
            .get("accept")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("application/json"));
    let out = state
        .app
        .browser_run(profile(&body).as_deref(), "screenshot", body)
        .await?;
    let (bytes, mime) = out.file.unwrap_or_default();
    if wants_json {
        let mut v = out.json;
        v["data"] = json!(base64::engine::general_purpose::STANDARD.encode(&bytes));
        return Ok(json_ok(v));
    }
    Ok(HttpResponse::Ok()
        .insert_header(("content-type", mime))
        .insert_header(("cache-control", "no-store"))
        .body(bytes))
}
