//! Liveness and readiness probes: `GET|HEAD /health /healthz /ready /readyz`.

use crate::auth::{is_local_direct, Presented, Verdict};
use crate::state::AppState;
use actix_web::{http::Method, web, HttpRequest, HttpResponse};
use serde_json::json;

fn probe_response(
    req: &HttpRequest,
    status: actix_web::http::StatusCode,
    body: String,
) -> HttpResponse {
    let mut b = HttpResponse::build(status);
    b.insert_header(("content-type", "application/json; charset=utf-8"))
        .insert_header(("cache-control", "no-store"));
    if req.method() == Method::HEAD {
        b.insert_header(("content-length", body.len().to_string()));
        b.finish()
    } else {
        b.body(body)
    }
}

/// `/health`, `/healthz`: the process is up.
pub async fn live(req: HttpRequest) -> HttpResponse {
    probe_response(
        &req,
        actix_web::http::StatusCode::OK,
        r#"{"ok":true,"status":"live"}"#.to_string(),
    )
}

/// `/ready`, `/readyz`: ready to serve; details for local-direct or authenticated callers.
pub async fn ready(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let mut failing = Vec::new();
    if !state.app.store_ready().await {
        failing.push("store");
    }
    if !state.app.bus_ready() {
        failing.push("bus");
    }
    let ready = failing.is_empty();
    let detailed =
        is_local_direct(&req) || state.auth.verify(&Presented::from_request(&req)) == Verdict::Ok;
    let body = if detailed {
        json!({"ready": ready, "failing": failing, "uptimeMs": state.uptime_ms()})
    } else {
        json!({"ready": ready})
    };
    let status = if ready {
        actix_web::http::StatusCode::OK
    } else {
        actix_web::http::StatusCode::SERVICE_UNAVAILABLE
    };
    probe_response(&req, status, body.to_string())
}
