//! `ResponsesConn`: one OpenResponses WebSocket connection (`GET /v1/responses` upgrade).
//!
//! - Owns: the socket's send half, the one in-flight response, and the connection-local cache
//!   of responses created on it (so `store: false` continuations work), with eviction of an id
//!   whose continuation failed.
//! - Started by: [`super::responses_ws::upgrade`], on the HTTP worker's arbiter. It lives in
//!   `http/` because it is the WebSocket edge of an HTTP endpoint (actors in `actors/` never
//!   depend on the HTTP layer).
//! - Talks to: the router (through `http::run::start`), the store (stored responses), and the
//!   client (`response.*` events as JSON text frames). Closes after [`CONNECTION_LIMIT`].

use super::responses_turn::{self as rt, PrevInfo};
use crate::core::run::RunEvent;
use crate::error::GatewayError;
use crate::responses::media::ResolveOptions;
use crate::responses::StreamEmitter;
use crate::state::AppState;
use actix::prelude::*;
use actix_web::{HttpMessage, HttpRequest};
use actix_ws::{Message as WsMessage, ProtocolError, Session as WsSession};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;

/// How long one connection may stay open (OpenResponses: 60 minutes).
pub const CONNECTION_LIMIT: Duration = Duration::from_secs(60 * 60);
/// Responses remembered per connection.
pub const CACHE_MAX: usize = 256;

/// The actor.
pub struct ResponsesConn {
    state: AppState,
    req: HttpRequest,
    ws: WsSession,
    busy: bool,
    cache: HashMap<String, PrevInfo>,
    order: Vec<String>,
}

impl ResponsesConn {
    /// A connection actor for an accepted upgrade.
    pub fn new(state: AppState, req: HttpRequest, ws: WsSession) -> Self {
        ResponsesConn {
            state,
            req,
            ws,
            busy: false,
            cache: HashMap::new(),
            order: Vec::new(),
        }
    }

    fn send_later(&self, ctx: &mut Context<Self>, frame: Value) {
        let mut ws = self.ws.clone();
        ctx.spawn(
            async move {
                let _ = ws.text(frame.to_string()).await;
            }
            .into_actor(self),
        );
    }

    fn remember(&mut self, id: String, info: PrevInfo) {
        if self.cache.insert(id.clone(), info).is_none() {
            self.order.push(id);
        }
        while self.order.len() > CACHE_MAX {
            let old = self.order.remove(0);
            self.cache.remove(&old);
        }
    }
}

/// The WebSocket error frame: `{"type":"error","status":…,"error":{"code","message","param"}}`.
pub fn error_frame(e: &GatewayError) -> Value {
    use actix_web::ResponseError;
    let body = e.body();
    let code = body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| body["error"]["type"].as_str().unwrap_or("error"))
        .to_string();
    json!({"type": "error", "status": e.status_code().as_u16(), "error": {"code": code, "message": body["error"]["message"], "param": body["error"]["param"]}})
}

/// What a finished turn changes in the connection cache.
#[derive(Default)]
struct CacheUpdate {
    insert: Option<(String, PrevInfo)>,
    evict: Option<String>,
}

/// Runs one `response.create` end to end, sending every frame in order.
async fn run_turn(
    state: AppState,
    req: HttpRequest,
    mut ws: WsSession,
    text: String,
    cache: HashMap<String, PrevInfo>,
) -> CacheUpdate {
    let mut upd = CacheUpdate::default();
    let mut v: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            let _ = ws
                .text(
                    error_frame(&GatewayError::bad_request(format!("Invalid JSON: {e}")))
                        .to_string(),
                )
                .await;
            return upd;
        }
    };
    let Some(obj) = v.as_object_mut() else {
        let _ = ws
            .text(
                error_frame(&GatewayError::bad_request("frame must be a JSON object")).to_string(),
            )
            .await;
        return upd;
    };
    if obj
        .remove("type")
        .and_then(|t| t.as_str().map(str::to_string))
        .as_deref()
        != Some("response.create")
    {
        let _ = ws
            .text(
                error_frame(&GatewayError::bad_param(
                    "expected a `response.create` frame",
                    "type",
                ))
                .to_string(),
            )
            .await;
        return upd;
    }
    for k in ["stream", "stream_options", "background"] {
        if obj.contains_key(k) {
            let _ = ws
                .text(
                    error_frame(&GatewayError::bad_param(
                        format!("`{k}` is not allowed in WebSocket mode"),
                        k,
                    ))
                    .to_string(),
                )
                .await;
            return upd;
        }
    }
    let parsed = match crate::responses::schema::parse_value(&v) {
        Ok(p) => p,
        Err(e) => {
            let _ = ws
                .text(error_frame(&GatewayError::bad_request(e.to_string())).to_string())
                .await;
            return upd;
        }
    };
    let prev_id = parsed.previous_response_id.clone();
    let stored = match prev_id.as_deref() {
        Some(id) if !cache.contains_key(id) => {
            super::responses::stored_prev(&state, Some(id)).await
        }
        _ => None,
    };
    let lookup = |id: &str| cache.get(id).cloned().or_else(|| stored.clone());
    let prepared = match rt::prepare(&state, &req, parsed, &lookup, ResolveOptions::default()).await
    {
        Ok(p) => p,
        Err(e) => {
            upd.evict = prev_id;
            let _ = ws.text(error_frame(&e).to_string()).await;
            return upd;
        }
    };
    let meta = prepared.meta();
    let client_tools = prepared.client_tools.clone();
    let mut em = StreamEmitter::new(prepared.resource);
    for ev in em.start() {
        if ws.text(ev.to_string()).await.is_err() {
            return upd;
        }
    }
    let principal = req
        .extensions()
        .get::<crate::auth::Principal>()
        .cloned()
        .unwrap_or_else(|| crate::auth::Principal::shared_secret(state.config().auth.mode));
    let mut rx = match super::run::start_as(&state, &principal, &req, prepared.turn, None) {
        Ok(rx) => rx,
        Err(e) => {
            let _ = ws.text(error_frame(&e).to_string()).await;
            return upd;
        }
    };
    while let Some(ev) = rx.recv().await {
        for out in rt::on_event(&mut em, &ev, &client_tools) {
            if ws.text(out.to_string()).await.is_err() {
                return upd; // client gone: dropping rx aborts the run
            }
        }
        if let RunEvent::Done(o) = &*ev {
            let body = em.response();
            rt::save(&state, &meta, &body).await;
            if o.failure.is_some() {
                upd.evict = prev_id;
            }
            let info = PrevInfo {
                session_key: meta.session_key.clone(),
                agent_id: meta.agent_id.clone(),
                auth_subject: meta.auth_subject.clone(),
                requested_session_key: meta.requested_session_key.clone(),
                call_ids: rt::call_ids_of(&body),
            };
            upd.insert = Some((meta.id.clone(), info));
            break;
        }
    }
    upd
}

/// The close code of a connection whose API key was revoked or rotated.
pub const KEY_REVOKED_CODE: u16 = 4001;

impl Actor for ResponsesConn {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        // A connection opened with an API key closes the moment the key is revoked or
        // rotated (4001, as a rotated gateway secret closes the RPC sockets).
        let grant = self
            .req
            .extensions()
            .get::<crate::auth::Principal>()
            .and_then(|p| p.key.clone());
        if let Some(grant) = grant {
            let revoked = grant.revoked().into_actor(self).then(|_, act, _| {
                let close = act.ws.clone();
                async move {
                    let reason = actix_ws::CloseReason {
                        code: actix_ws::CloseCode::Other(KEY_REVOKED_CODE),
                        description: Some("api key revoked".into()),
                    };
                    let _ = close.close(Some(reason)).await;
                }
                .into_actor(act)
            });
            ctx.spawn(revoked.map(|_, _, ctx| ctx.stop()));
        }
        ctx.run_later(CONNECTION_LIMIT, |act, ctx| {
            let frame = json!({"type": "error", "status": 400, "error": {"code": "websocket_connection_limit_reached", "message": "Connection limit of 60 minutes reached; open a new connection.", "param": null}});
            let mut ws = act.ws.clone();
            let close = act.ws.clone();
            ctx.spawn(
                async move {
                    let _ = ws.text(frame.to_string()).await;
                    let _ = close.close(None).await;
                }
                .into_actor(act)
                .map(|_, _, ctx| ctx.stop()),
            );
        });
    }
}

impl StreamHandler<Result<WsMessage, ProtocolError>> for ResponsesConn {
    fn handle(&mut self, msg: Result<WsMessage, ProtocolError>, ctx: &mut Self::Context) {
        match msg {
            Ok(WsMessage::Text(text)) => {
                if self.busy {
                    let e = GatewayError::BadRequest {
                        message: "a response is already in progress on this connection".into(),
                        param: None,
                        code: Some("conflict"),
                    };
                    self.send_later(ctx, error_frame(&e));
                    return;
                }
                self.busy = true;
                let fut = run_turn(
                    self.state.clone(),
                    self.req.clone(),
                    self.ws.clone(),
                    text.to_string(),
                    self.cache.clone(),
                );
                ctx.spawn(fut.into_actor(self).map(|upd, act, _| {
                    act.busy = false;
                    if let Some(id) = upd.evict {
                        act.cache.remove(&id);
                        act.order.retain(|o| *o != id);
                    }
                    if let Some((id, info)) = upd.insert {
                        act.remember(id, info);
                    }
                }));
            }
            Ok(WsMessage::Ping(p)) => {
                let mut ws = self.ws.clone();
                ctx.spawn(
                    async move {
                        let _ = ws.pong(&p).await;
                    }
                    .into_actor(self),
                );
            }
            Ok(WsMessage::Close(_)) | Err(_) => ctx.stop(),
            Ok(_) => {}
        }
    }

    fn finished(&mut self, ctx: &mut Self::Context) {
        ctx.stop();
    }
}
