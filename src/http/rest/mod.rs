//! The seeds' management REST family (seed 003): `/v1/sessions`, `/v1/channels`, and OpenClaw's
//! `/sessions/{key}/history|kill`. Errors take seed 003's shape:
//! `{"error": {"code", "message", "type": "client_error" | "server_error", "param"}}` with
//! `code` one of `invalid_request`, `unauthorized`, `forbidden`, `not_found`,
//! `method_not_allowed`, `rate_limited`, `internal_error`, `service_unavailable`.

pub mod channels;
pub mod sessions;

use crate::error::GatewayError;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::{json, Value};

/// A failure of this family.
#[derive(Debug)]
pub struct RestError(pub GatewayError);

impl<E: Into<GatewayError>> From<E> for RestError {
    fn from(e: E) -> Self {
        RestError(e.into())
    }
}

impl std::fmt::Display for RestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

fn code_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 | 413 | 408 => "invalid_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        // Not in seed 003's table: a stale browser ref or a state conflict is not a server fault.
        409 => "conflict",
        429 => "rate_limited",
        503 => "service_unavailable",
        _ => "internal_error",
    }
}

/// The seed-003 body for a gateway error.
pub fn body(e: &GatewayError) -> Value {
    let status = e.status_code();
    let param = match e {
        GatewayError::BadRequest { param, .. } => param.clone(),
        _ => None,
    };
    let kind = if status.is_server_error() {
        "server_error"
    } else {
        "client_error"
    };
    json!({"error": {"code": code_for(status), "message": e.to_string(), "type": kind, "param": param}})
}

impl ResponseError for RestError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        self.0.render(body(&self.0))
    }
}

/// A JSON 200.
pub fn json_ok(v: Value) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("content-type", "application/json; charset=utf-8"))
        .body(v.to_string())
}
