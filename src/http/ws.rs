//! The WebSocket upgrade: any path (except `GET /v1/responses`, OpenResponses' own WebSocket
//! mode) with `Upgrade: websocket` becomes a gateway RPC connection — a `WsConn` actor fed by
//! the socket's frames and a writer task draining its outbox.

use crate::actors::ws_conn::{Peer, WsConn};
use crate::auth::{is_local_direct, peer_ip, Presented};
use crate::state::AppState;
use crate::ws::frames::MAX_PAYLOAD_BYTES;
use crate::ws::outbox::{write_loop, Outbox};
use crate::ws::preauth::{Budgeted, PreauthBudget};
use actix::{Actor, AsyncContext};
use actix_web::guard::GuardContext;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use std::collections::HashMap;
use std::sync::Arc;

/// The path served by OpenResponses' WebSocket mode, not by the gateway RPC.
pub const RESPONSES_PATH: &str = "/v1/responses";

/// Guard: a WebSocket upgrade meant for the gateway RPC.
pub fn is_gateway_upgrade(ctx: &GuardContext<'_>) -> bool {
    let upgrade = ctx
        .head()
        .headers()
        .get("upgrade")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("websocket"));
    upgrade && ctx.head().uri.path() != RESPONSES_PATH
}

fn header(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Credentials on the upgrade: `Authorization`/`X-OpenClaw-Password`, else `?token=` /
/// `?password=` (the seeds' form).
fn presented(req: &HttpRequest) -> Presented {
    let mut p = Presented::from_request(req);
    let query = web::Query::<HashMap<String, String>>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default();
    if p.bearer.is_none() {
        p.bearer = query.get("token").cloned().filter(|t| !t.is_empty());
    }
    if p.password.is_none() {
        p.password = query.get("password").cloned().filter(|t| !t.is_empty());
    }
    p
}

/// Upgrades and starts the connection actor.
pub async fn upgrade(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, actix_web::Error> {
    // Until the client authenticates, its input is cut after a small budget (see
    // `ws::preauth`): the codec below only knows the post-auth frame limit.
    let ip = peer_ip(&req);
    let max = state.ws.config.max_unauthenticated_per_address;
    let Some(slot) = state.ws.preauth.take(ip, max) else {
        tracing::warn!(%ip, max, "refusing a WebSocket: too many unauthenticated sockets from this address");
        return Ok(HttpResponse::TooManyRequests()
            .insert_header(("retry-after", "1"))
            .json(serde_json::json!({"error": {"message": "too many unauthenticated WebSocket connections from this address", "type": "rate_limited"}})));
    };
    let preauth = Arc::new(PreauthBudget::with_slot(slot));
    let stream: actix_http::BoxedPayloadStream = Box::pin(Budgeted::new(body, preauth.clone()));
    let mut budgeted = actix_web::dev::Payload::Stream { payload: stream };
    let body = web::Payload::from_request(&req, &mut budgeted).await?;
    let (resp, session, stream) = actix_ws::handle(&req, body)?;
    let stream = stream
        .max_frame_size(MAX_PAYLOAD_BYTES)
        .aggregate_continuations()
        .max_continuation_size(MAX_PAYLOAD_BYTES);
    let (outbox, rx) = Outbox::new(state.ws.config.max_buffered_bytes);
    actix_web::rt::spawn(write_loop(session, rx, outbox.clone()));
    let peer = Peer {
        ip,
        is_local: is_local_direct(&req),
        origin: header(&req, "origin"),
        host: header(&req, "host"),
        presented: presented(&req),
        preauth,
    };
    let app = state.get_ref().clone();
    WsConn::create(move |ctx| {
        ctx.add_stream(stream);
        WsConn::new(app, outbox, peer)
    });
    Ok(resp)
}
