//! The HTTP surface: the route table and nothing else. Handlers live one file per resource.

mod agent_run;
pub mod body;
mod channels;
mod chat_completions;
pub mod chat_fields;
mod chat_history;
pub mod chat_input;
pub mod hooks;
mod lenient_target;
pub mod listen;
mod models;
mod probes;
pub mod responses;
mod responses_conn;
pub mod responses_turn;
mod responses_ws;
pub mod run;
pub mod select;
pub mod sse;
mod tools_invoke;
pub mod ws;

use crate::error::GatewayError;
use actix_web::{web, HttpResponse};

/// A handler answering 405 with the given `Allow` header.
fn not_allowed(
    allow: &'static str,
) -> impl Fn() -> std::future::Ready<Result<HttpResponse, GatewayError>> + Clone {
    move || std::future::ready(Err(GatewayError::MethodNotAllowed { allow }))
}

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // First: a WebSocket upgrade on any path is the gateway RPC (as in OpenClaw), except
    // `GET /v1/responses`, which is OpenResponses' WebSocket mode.
    cfg.service(
        web::resource("/{tail:.*}")
            .guard(actix_web::guard::fn_guard(ws::is_gateway_upgrade))
            .route(web::get().to(ws::upgrade)),
    );
    // Then webhooks under `hooks.path` (OpenClaw's first HTTP stage), when enabled.
    cfg.service(
        web::resource("/{hook_tail:.*}")
            .guard(actix_web::guard::fn_guard(hooks::is_hook_path))
            .to(hooks::handle),
    );
    cfg.service(
        web::resource("/v1/chat/completions")
            .route(web::post().to(chat_completions::create))
            .default_service(web::to(not_allowed("POST"))),
    )
    .service(
        web::resource("/v1/responses")
            .route(web::post().to(responses::create))
            .route(web::get().to(responses_ws::upgrade))
            .default_service(web::to(not_allowed("POST"))),
    )
    .service(
        web::resource("/v1/responses/compact")
            .route(web::post().to(responses::compact))
            .default_service(web::to(not_allowed("POST"))),
    )
    .service(
        web::resource("/v1/responses/{id}")
            .route(web::get().to(responses::get))
            .default_service(web::to(not_allowed("GET"))),
    )
    .service(
        web::resource("/tools/invoke")
            .route(web::post().to(tools_invoke::invoke))
            .default_service(web::to(not_allowed("POST"))),
    )
    .service(
        web::resource("/v1/models")
            .route(web::get().to(models::list))
            .default_service(web::to(not_allowed("GET"))),
    )
    .service(
        web::resource("/v1/models/{id:.*}")
            .route(web::get().to(models::get))
            .default_service(web::to(not_allowed("GET"))),
    )
    .service(
        web::resource("/v1/agent/run")
            .route(web::post().to(agent_run::run_json))
            .default_service(web::to(not_allowed("POST"))),
    )
    .service(
        web::resource("/v1/agent/run/stream")
            .route(web::post().to(agent_run::run_stream))
            .default_service(web::to(not_allowed("POST"))),
    )
    .service(
        web::resource("/channels/webhook/{account}")
            .route(web::post().to(channels::webhook_inbound))
            .default_service(web::to(not_allowed("POST"))),
    )
    .service(
        web::resource("/channels/slack/events")
            .route(web::post().to(channels::slack_events))
            .default_service(web::to(not_allowed("POST"))),
    )
    .service(
        web::resource("/status")
            .route(web::get().to(agent_run::status))
            .default_service(web::to(not_allowed("GET"))),
    );
    for path in ["/health", "/healthz"] {
        cfg.service(
            web::resource(path)
                .route(web::get().to(probes::live))
                .route(web::head().to(probes::live))
                .default_service(web::to(not_allowed("GET, HEAD"))),
        );
    }
    for path in ["/ready", "/readyz"] {
        cfg.service(
            web::resource(path)
                .route(web::get().to(probes::ready))
                .route(web::head().to(probes::ready))
                .default_service(web::to(not_allowed("GET, HEAD"))),
        );
    }
}

/// The JSON 404 for every unknown path.
pub async fn not_found() -> Result<HttpResponse, GatewayError> {
    Err(GatewayError::NotFound("Not Found".into()))
}
