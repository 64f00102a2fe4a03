//! `/api/v1`: the REST family of the seeds' integration guide (seed 001) for app and
//! mini-program backends. Every answer is an envelope: `{"success": true, "data": …}`, or
//! `{"success": false, "error": {"code", "message"}}` at the HTTP status that fits (400, 401,
//! 403, 404, 405, 429, 500, 502, 503, 504). Each handler is a thin adapter over
//! [`crate::app::App`].

pub mod config;
pub mod keys;
pub mod memory;
pub mod message;
pub mod sessions;
pub mod skills;
pub mod status;

use crate::error::GatewayError;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::{json, Value};

/// Request bodies of this family are capped at 10 MB (seed 003's limit for the seeds' APIs).
pub const MAX_BODY: usize = 10 * 1024 * 1024;

/// A successful envelope.
pub fn ok(data: Value) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("content-type", "application/json; charset=utf-8"))
        .body(json!({"success": true, "data": data}).to_string())
}

/// A failure of this family: any gateway error, rendered as the envelope.
#[derive(Debug)]
pub struct ApiError(pub GatewayError);

impl<E: Into<GatewayError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The envelope's `error.code` for a status.
pub fn code_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "invalid_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        408 => "request_timeout",
        413 => "payload_too_large",
        429 => "rate_limited",
        502 => "upstream_error",
        503 => "service_unavailable",
        504 => "timeout",
        _ => "internal_error",
    }
}

/// The envelope body for a gateway error (internal details are never shown).
pub fn envelope(e: &GatewayError) -> Value {
    let mut v = json!({"success": false, "error": {"code": code_for(e.status_code()), "message": e.to_string()}});
    if let GatewayError::Conflict { details, .. } = e {
        v["error"]["details"] = details.clone();
    }
    v
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        self.0.render(envelope(&self.0))
    }
}

/// Milliseconds since the epoch as RFC 3339 (`2026-03-17T12:00:00Z`).
pub fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}
