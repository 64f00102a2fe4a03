//! `GET /v1/responses` with a WebSocket upgrade: OpenResponses WebSocket mode. Authorization
//! is checked on the upgrade; each connection is a [`ResponsesConn`] actor.

use super::responses_conn::ResponsesConn;
use crate::error::GatewayError;
use crate::http::routes::Authenticated;
use crate::state::AppState;
use actix::{Actor, AsyncContext};
use actix_web::{web, HttpRequest, HttpResponse};

/// Largest client frame accepted (a `response.create` can carry inline images and files).
pub const MAX_FRAME: usize = 32 * 1024 * 1024;

/// Upgrade handler; a plain GET (no upgrade) is 405 like OpenClaw.
pub async fn upgrade(
    _auth: Authenticated,
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, GatewayError> {
    let (resp, session, stream) = actix_ws::handle(&req, body)
        .map_err(|e| GatewayError::bad_request(format!("WebSocket handshake failed: {e}")))?;
    let stream = stream.max_frame_size(MAX_FRAME);
    let st = state.get_ref().clone();
    ResponsesConn::create(move |ctx| {
        ctx.add_stream(stream);
        ResponsesConn::new(st, req, session)
    });
    Ok(resp)
}
