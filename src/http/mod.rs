//! The HTTP surface: the WebSocket and webhook entry points, then the route table
//! ([`routes`]). Handlers live one file per resource.

pub mod agent_run;
pub mod api_v1;
pub mod body;
mod browser;
mod channels;
mod channels_mobile;
mod channels_telegram;
mod chat_completions;
pub mod chat_fields;
mod chat_history;
pub mod chat_input;
pub mod control_ui;
pub mod cors;
mod embeddings;
pub mod hooks;
mod key_auth;
mod lenient_target;
pub mod limits;
pub mod listen;
pub mod metrics;
mod models;
pub mod openapi;
mod probes;
pub mod responses;
mod responses_conn;
pub mod responses_turn;
mod responses_ws;
pub mod rest;
pub mod routes;
pub mod run;
pub mod select;
pub mod server_timing;
pub mod sse;
pub mod tls;
mod tools_invoke;
pub mod ws;

use crate::error::GatewayError;
use actix_web::{web, HttpResponse};

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // These three match any path: each is a scope with an empty prefix (a plain prefix test)
    // rather than a `/{tail:.*}` resource, whose regex ran on every request before its guard.
    // First: a WebSocket upgrade on any path is the gateway RPC (as in OpenClaw), except
    // `GET /v1/responses`, which is OpenResponses' WebSocket mode.
    cfg.service(
        web::scope("")
            .guard(actix_web::guard::Get())
            .guard(actix_web::guard::fn_guard(ws::is_gateway_upgrade))
            .default_service(web::to(ws::upgrade)),
    );
    // Then webhooks under `hooks.path` (OpenClaw's first HTTP stage), when enabled.
    cfg.service(
        web::scope("")
            .guard(actix_web::guard::fn_guard(hooks::is_hook_path))
            .default_service(routes::limited(
                routes::Access::Gateway,
                "hooks",
                web::route().to(hooks::handle),
            )),
    );
    // Then Telegram webhook mode on each configured `webhookPath` (its own secret header).
    cfg.service(
        web::scope("")
            .guard(actix_web::guard::fn_guard(
                channels_telegram::is_webhook_path,
            ))
            .default_service(web::to(channels_telegram::webhook)),
    );
    routes::register(cfg);
    // Last: the web UI, only for its own paths (so it never shadows a route above).
    control_ui::configure(cfg);
}

/// The JSON 404 for every unknown path.
pub async fn not_found() -> Result<HttpResponse, GatewayError> {
    Err(GatewayError::NotFound("Not Found".into()))
}
