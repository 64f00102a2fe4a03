//! `WsConn`: one connected WebSocket client.
//!
//! - Owns: the connection's handshake state (challenge nonce, timeout), its dialect (OpenClaw
//!   or the seeds' simple dialect, chosen by the first frame), its role and scopes, the
//!   unauthorized-call flood counter, the tick watchdog (a ping per tick; 4000 `tick timeout`
//!   after two silent intervals) and the registry of cancellable in-flight requests
//!   ([`crate::ws::cancel`]).
//! - Started by: the HTTP upgrade handler (`src/http/ws.rs`), on the worker that accepted the
//!   socket, fed by the socket's frame stream.
//! - Talks to: [`super::ws_hub::WsHub`] (`Connect` after the handshake, `Disconnect` when it
//!   stops) and, through the method handlers in `crate::ws::rpc` (spawned detached so a run
//!   outlives its caller), [`super::router::Router`]. Everything it sends goes through its
//!   [`Outbox`], shared with the hub's broadcasts.

use super::ws_hub::{self, Dialect, HelloSnapshot};
use crate::auth::{Presented, Verdict};
use crate::core::clock::{Clock, SystemClock};
use crate::core::CredentialId;
use crate::state::{AppState, VERSION};
use crate::ws::cancel::{is_cancellable, InFlight};
use crate::ws::catalog::{
    resolve_simple_method, SimpleTarget, ADVERTISED_EVENTS, ADVERTISED_METHODS,
    SIMPLE_DIALECT_CAPABILITIES, SIMPLE_DIALECT_SCOPES,
};
use crate::ws::dialect::{
    parse_client_frame, simple_connected, simple_error, ClientFrame, SimpleReq,
};
use crate::ws::frames::{
    CloseDirective, ErrorShape, ReqFrame, ResFrame, CLOSE_PREAUTH_TOO_LARGE,
    MAX_PREAUTH_PAYLOAD_BYTES, MISSED_TICKS_BEFORE_CLOSE, REASON_HANDSHAKE_TIMEOUT,
    REASON_REPEATED_UNAUTHORIZED,
};
use crate::ws::handshake::auth::{rate_limited_error, ClientKind, SharedSecret};
use crate::ws::handshake::hello::{
    challenge, hello_ok, HelloContext, SessionDefaults, CHALLENGE_CAPABILITIES,
};
use crate::ws::handshake::{handle_first_frame, Accepted, ConnectContext, HandshakeOutcome};
use crate::ws::origin::{origin_allowed, ORIGIN_NOT_ALLOWED, ORIGIN_NOT_ALLOWED_CODE};
use crate::ws::outbox::Outbox;
use crate::ws::rpc::{self, Call, Replier, ReplyTo};
use crate::ws::scopes::{authorize, Role};
use actix::prelude::*;
use serde_json::{json, Value};
use std::net::IpAddr;
use std::time::Instant;

/// Unauthorized-role answers tolerated before the socket is closed (flood guard).
pub const MAX_UNAUTHORIZED_CALLS: u32 = 10;

/// Facts about the peer taken from the HTTP upgrade.
#[derive(Debug, Clone)]
pub struct Peer {
    /// Socket address (never a forwarded header).
    pub ip: IpAddr,
    /// Loopback peer without forwarding headers.
    pub is_local: bool,
    /// `Origin` header.
    pub origin: Option<String>,
    /// `Host` header.
    pub host: Option<String>,
    /// Credentials on the upgrade (`Authorization`, `?token=`, `?password=`), used by the
    /// simple dialect.
    pub presented: Presented,
    /// The socket's pre-auth input budget (opened once the client authenticates).
    pub preauth: std::sync::Arc<crate::ws::preauth::PreauthBudget>,
}

enum Phase {
    Handshake,
    OpenClaw { role: Role, scopes: Vec<String> },
    Simple,
    Closed,
}

/// The actor.
pub struct WsConn {
    app: AppState,
    conn_id: String,
    nonce: String,
    outbox: Outbox,
    peer: Peer,
    phase: Phase,
    registered: bool,
    unauthorized: u32,
    clock: SystemClock,
    /// Which credential the client authenticated with (idempotency keys are scoped by it).
    credential: CredentialId,
    /// Fingerprint of the shared secret it was accepted under (closed 4001 when it rotates).
    secret_fp: Option<[u8; 32]>,
    /// When the client last sent anything (a frame, a ping or a pong): the tick watchdog.
    last_seen: Instant,
    /// Requests a `cancel` frame may still stop.
    in_flight: InFlight,
    /// Whether the simple dialect's `connected` event was already sent (at open, for a client
    /// whose upgrade carried valid credentials).
    announced: bool,
}

impl WsConn {
    /// A connection that sends through `outbox`.
    pub fn new(app: AppState, outbox: Outbox, peer: Peer) -> Self {
        let credential = CredentialId::new(app.config().auth.mode.as_str());
        WsConn {
            app,
            conn_id: uuid::Uuid::new_v4().to_string(),
            nonce: uuid::Uuid::new_v4().to_string(),
            outbox,
            peer,
            phase: Phase::Handshake,
            registered: false,
            unauthorized: 0,
            clock: SystemClock,
            credential,
            secret_fp: None,
            last_seen: Instant::now(),
            in_flight: InFlight::default(),
            announced: false,
        }
    }

    /// Sends the simple dialect's `connected` event at once when the upgrade itself carried
    /// valid credentials (`Authorization`, `?token=`, `?password=`), as the seeds' clients
    /// expect. OpenClaw clients authenticate inside `connect` and never get it; a client whose
    /// upgrade credentials are wrong or locked out learns nothing here (its first request is
    /// refused as before).
    fn announce_if_authenticated(&mut self) {
        if self.peer.presented.is_empty()
            || !self.origin_ok()
            || self
                .app
                .auth
                .locked(self.peer.ip, self.is_browser())
                .is_some()
            || self.app.auth.verify(&self.peer.presented) != Verdict::Ok
        {
            return;
        }
        self.announced = true;
        let connected = self.simple_connected();
        self.send(connected);
    }

    /// The simple dialect's `connected` event; `browser` is listed only when browser control
    /// is enabled.
    fn simple_connected(&self) -> String {
        let mut caps = SIMPLE_DIALECT_CAPABILITIES.to_vec();
        if self.app.config().browser.enabled {
            caps.push("browser");
        }
        simple_connected(&self.conn_id, VERSION, &caps).to_string()
    }

    /// Pings on every tick and closes (4000 `tick timeout`) a client that sent nothing, not even
    /// a pong, for [`MISSED_TICKS_BEFORE_CLOSE`] tick intervals.
    fn start_tick_watchdog(&mut self, ctx: &mut Context<Self>) {
        let tick = self.app.ws.config.tick_interval;
        let limit = tick * MISSED_TICKS_BEFORE_CLOSE;
        ctx.run_interval(tick, move |act, ctx| {
            if act.last_seen.elapsed() >= limit {
                tracing::info!(conn = %act.conn_id, "websocket client missed ticks; closing");
                act.close(CloseDirective::tick_timeout(), ctx);
            } else {
                act.outbox.ping();
            }
        });
    }

    fn close(&mut self, directive: CloseDirective, ctx: &mut Context<Self>) {
        self.outbox.close(directive);
        self.phase = Phase::Closed;
        ctx.stop();
    }

    fn send(&self, text: String) {
        let _ = self.outbox.push_str(text);
    }

    fn secret(&self) -> SharedSecret {
        let cfg = self.app.config();
        let a = &cfg.auth;
        let value = match a.mode {
            crate::config::AuthMode::Token => a.token.as_ref(),
            crate::config::AuthMode::Password => a.password.as_ref(),
            crate::config::AuthMode::None => None,
        };
        SharedSecret {
            mode: a.mode,
            value: value.map(|s| s.expose().to_string()).unwrap_or_default(),
        }
    }

    /// Whether the client is a browser page (it sent an `Origin`).
    fn is_browser(&self) -> bool {
        self.peer
            .origin
            .as_deref()
            .is_some_and(|o| !o.trim().is_empty())
    }

    fn origin_ok(&self) -> bool {
        origin_allowed(
            self.peer.origin.as_deref(),
            self.peer.host.as_deref(),
            self.app.config().control_ui.as_ref(),
        )
    }

    fn register(
        &mut self,
        dialect: Dialect,
        scopes: Vec<String>,
        caps: &[String],
        presence: Option<Value>,
    ) -> Request<ws_hub::WsHub, ws_hub::Connect> {
        self.registered = true;
        self.app.ws.hub.send(ws_hub::Connect {
            conn_id: self.conn_id.clone(),
            outbox: self.outbox.clone(),
            dialect,
            scopes,
            tool_events: caps.iter().any(|c| c == "tool-events"),
            presence,
            secret: self.secret_fp,
        })
    }

    fn on_first_frame(&mut self, text: &str, ctx: &mut Context<Self>) {
        if text.len() > MAX_PREAUTH_PAYLOAD_BYTES {
            return self.close(CloseDirective::preauth_too_large(), ctx);
        }
        let frame = parse_client_frame(text);
        // The origin first: a hostile page learns nothing about the secret it sent.
        if !self.origin_ok() {
            match &frame {
                ClientFrame::Req(r) => {
                    let e = ErrorShape::invalid_request(ORIGIN_NOT_ALLOWED)
                        .with_details(json!({"code": ORIGIN_NOT_ALLOWED_CODE}));
                    self.send(ResFrame::err(r.id.clone(), e).to_json());
                }
                ClientFrame::Simple(s) => {
                    self.send(simple_error(&s.id, "forbidden", ORIGIN_NOT_ALLOWED).to_string())
                }
                ClientFrame::Invalid(_) | ClientFrame::Cancel(_) => {}
            }
            tracing::warn!(ip = %self.peer.ip, conn = %self.conn_id, origin = ?self.peer.origin, "websocket origin refused");
            return self.close(CloseDirective::policy(ORIGIN_NOT_ALLOWED), ctx);
        }
        if let Some(secs) = self.app.auth.locked(self.peer.ip, self.is_browser()) {
            let e = rate_limited_error(ClientKind::Other, self.peer.is_local, secs * 1000);
            match &frame {
                ClientFrame::Req(r) => self.send(ResFrame::err(r.id.clone(), e.clone()).to_json()),
                ClientFrame::Simple(s) => {
                    self.send(simple_error(&s.id, "unauthorized", &e.message).to_string())
                }
                ClientFrame::Invalid(_) | ClientFrame::Cancel(_) => {}
            }
            return self.close(CloseDirective::policy(&e.message), ctx);
        }
        let secret = self.secret();
        let cctx = ConnectContext {
            nonce: &self.nonce,
            now_ms: self.clock.now_ms(),
            is_local: self.peer.is_local,
            secret: &secret,
        };
        match handle_first_frame(frame, &cctx) {
            HandshakeOutcome::Accepted {
                request_id,
                accepted,
            } => self.accept(request_id, accepted, ctx),
            HandshakeOutcome::Simple(req) => self.accept_simple(req, ctx),
            HandshakeOutcome::Rejected(r) => {
                let auth_failure = r
                    .error
                    .details
                    .as_ref()
                    .and_then(|d| d["code"].as_str())
                    .is_some_and(|c| c.starts_with("AUTH_"));
                if auth_failure {
                    self.app
                        .auth
                        .record_failure(self.peer.ip, self.is_browser());
                    tracing::warn!(ip = %self.peer.ip, conn = %self.conn_id, reason = %r.error.message, "websocket connect refused");
                }
                if let Some(res) = r.response() {
                    self.send(res.to_json());
                }
                self.close(r.close, ctx);
            }
        }
    }

    fn accept(&mut self, request_id: String, accepted: Accepted, ctx: &mut Context<Self>) {
        let c = &accepted.client;
        let presence = (c.mode != "cli" && c.mode != "probe").then(|| {
            let host = c.display_name.clone().unwrap_or_else(|| c.id.clone());
            json!({"host": host, "ip": self.peer.ip.to_string(), "version": c.version, "platform": c.platform,
                   "deviceFamily": c.device_family, "mode": c.mode, "reason": "connect",
                   "ts": self.clock.now_ms(), "instanceId": c.instance_id,
                   "text": format!("Node: {host} · {}", c.mode)})
        });
        self.phase = Phase::OpenClaw {
            role: accepted.role,
            scopes: accepted.scopes.clone(),
        };
        self.peer.preauth.open();
        self.credential = match &accepted.device_id {
            Some(id) => CredentialId::new(format!("device:{id}")),
            None => CredentialId::new(accepted.auth_method.as_str()),
        };
        self.secret_fp = accepted
            .device_id
            .is_none()
            .then(|| crate::auth::secret_fingerprint(&self.app.config().auth));
        tracing::info!(conn = %self.conn_id, client = %c.id, mode = %c.mode, scopes = accepted.scopes.len(), "websocket client connected");
        let req = self.register(
            Dialect::OpenClaw,
            accepted.scopes.clone(),
            &accepted.caps,
            presence,
        );
        ctx.wait(req.into_actor(self).map(move |snap, act, _| {
            let snap = snap.unwrap_or(HelloSnapshot {
                presence: json!([]),
                state_version: Default::default(),
            });
            let payload = act.hello(&accepted, snap);
            act.send(ResFrame::ok(request_id, payload).to_json());
        }));
        self.start_tick_watchdog(ctx);
    }

    fn hello(&self, accepted: &Accepted, snap: HelloSnapshot) -> Value {
        let cfg = &self.app.config();
        let state_dir = cfg.state_dir.display().to_string();
        let config_path = cfg.path.as_ref().map(|p| p.display().to_string());
        let ctx = HelloContext {
            server_version: VERSION,
            conn_id: &self.conn_id,
            methods: ADVERTISED_METHODS,
            events: ADVERTISED_EVENTS,
            capabilities: CHALLENGE_CAPABILITIES,
            tick_interval_ms: u64::try_from(self.app.ws.config.tick_interval.as_millis())
                .unwrap_or(u64::MAX),
            presence: snap.presence,
            health: json!({"ok": true, "ts": self.clock.now_ms()}),
            state_version: snap.state_version,
            uptime_ms: self.app.uptime_ms(),
            session_defaults: SessionDefaults {
                default_agent_id: cfg.default_agent.clone(),
                main_key: cfg.main_key.clone(),
                main_session_key: cfg.main_session_key(&cfg.default_agent),
                scope: cfg.global_scope.then(|| "global".to_string()),
            },
            config_path: config_path.as_deref(),
            state_dir: Some(&state_dir),
            auth_mode: cfg.auth.mode,
        };
        hello_ok(accepted, &ctx)
    }

    fn accept_simple(&mut self, req: SimpleReq, ctx: &mut Context<Self>) {
        match self.app.auth.verify(&self.peer.presented) {
            Verdict::Ok => {}
            verdict => {
                let what = if verdict == Verdict::Missing {
                    "missing"
                } else {
                    "mismatch"
                };
                if verdict == Verdict::Mismatch {
                    self.app
                        .auth
                        .record_failure(self.peer.ip, self.is_browser());
                }
                let msg = format!("unauthorized: gateway {} {what} (send Authorization: Bearer <token> or ?token=)", self.app.config().auth.mode.as_str());
                self.send(simple_error(&req.id, "unauthorized", &msg).to_string());
                return self.close(CloseDirective::policy(&msg), ctx);
            }
        }
        self.phase = Phase::Simple;
        self.peer.preauth.open();
        self.secret_fp = Some(crate::auth::secret_fingerprint(&self.app.config().auth));
        let scopes: Vec<String> = SIMPLE_DIALECT_SCOPES
            .iter()
            .map(|s| s.to_string())
            .collect();
        let hub = self.register(Dialect::Simple, scopes, &[], None);
        ctx.wait(hub.into_actor(self).map(move |_, act, _| {
            if !std::mem::replace(&mut act.announced, true) {
                let connected = act.simple_connected();
                act.send(connected);
            }
            act.on_simple(req);
        }));
    }

    fn call(&self, params: Option<Value>, scopes: Vec<String>, to: ReplyTo) -> Call {
        Call {
            app: self.app.clone(),
            conn_id: self.conn_id.clone(),
            credential: self.credential.clone(),
            scopes,
            params: params.unwrap_or_else(|| json!({})),
            reply: Replier::new(self.outbox.clone(), to),
        }
    }

    fn on_req(&mut self, req: ReqFrame, role: Role, scopes: Vec<String>, ctx: &mut Context<Self>) {
        if req.method == "connect" {
            let e = ErrorShape::invalid_request("connect already completed");
            return self.send(ResFrame::err(req.id, e).to_json());
        }
        let Some(handler) = rpc::handler(&req.method) else {
            return self
                .send(ResFrame::err(req.id, ErrorShape::unknown_method(&req.method)).to_json());
        };
        if let Err(e) = authorize(role, &scopes, &req.method) {
            let role_error = e.message.starts_with("unauthorized role");
            self.send(ResFrame::err(req.id, e).to_json());
            if role_error {
                self.unauthorized += 1;
                if self.unauthorized >= MAX_UNAUTHORIZED_CALLS {
                    self.close(CloseDirective::policy(REASON_REPEATED_UNAUTHORIZED), ctx);
                }
            }
            return;
        }
        let cancellable = is_cancellable(&req.method);
        let call = self.call(req.params, scopes, ReplyTo::OpenClaw(req.id.clone()));
        let reply = call.reply.clone();
        let work = handler(call);
        if cancellable {
            actix::spawn(self.in_flight.track(req.id, work, reply));
        } else {
            actix::spawn(work);
        }
    }

    fn on_simple(&mut self, req: SimpleReq) {
        let Some(target) = resolve_simple_method(&req.method) else {
            let msg = format!("unknown method: {}", req.method);
            return self.send(simple_error(&req.id, "invalid_request", &msg).to_string());
        };
        let scopes: Vec<String> = SIMPLE_DIALECT_SCOPES
            .iter()
            .map(|s| s.to_string())
            .collect();
        if let Err(e) = authorize(Role::Operator, &scopes, target.authz_method()) {
            let reply = Replier::new(self.outbox.clone(), ReplyTo::Simple(req.id));
            return reply.err(e);
        }
        let call = self.call(req.params, scopes, ReplyTo::Simple(req.id));
        match target {
            SimpleTarget::ChatRun => {
                actix::spawn(rpc::chat_run(call));
            }
            SimpleTarget::ChannelList => {
                actix::spawn(rpc::channel_list(call));
            }
            SimpleTarget::ChannelStatus => {
                actix::spawn(rpc::channel_status(call));
            }
            SimpleTarget::Method(m) => match rpc::handler(m) {
                Some(h) => {
                    actix::spawn(h(call));
                }
                None => call.reply.err(ErrorShape::unknown_method(m)),
            },
        }
    }

    fn on_text(&mut self, text: &str, ctx: &mut Context<Self>) {
        match &self.phase {
            Phase::Handshake => self.on_first_frame(text, ctx),
            Phase::OpenClaw { role, scopes } => {
                let (role, scopes) = (*role, scopes.clone());
                match parse_client_frame(text) {
                    ClientFrame::Req(req) => self.on_req(req, role, scopes, ctx),
                    ClientFrame::Cancel(id) => {
                        if self.in_flight.cancel(&id) {
                            tracing::debug!(conn = %self.conn_id, id = %id, "request cancelled by client");
                        }
                    }
                    ClientFrame::Simple(s) => {
                        let e = ErrorShape::invalid_request(
                            "invalid request frame: must have required property 'type'",
                        );
                        self.send(ResFrame::err(s.id.as_key(), e).to_json());
                    }
                    ClientFrame::Invalid(i) => {
                        let e = ErrorShape::invalid_request(i.message_with_reason());
                        self.send(ResFrame::err(i.response_id(), e).to_json());
                    }
                }
            }
            Phase::Simple => match parse_client_frame(text) {
                ClientFrame::Simple(req) => self.on_simple(req),
                ClientFrame::Req(r) => {
                    let v = json!({"id": r.id, "error": {"code": "invalid_request", "message": "this connection speaks the simple dialect"}});
                    self.send(v.to_string());
                }
                ClientFrame::Invalid(i) => {
                    let v = json!({"id": i.id, "error": {"code": "invalid_request", "message": i.message_with_reason()}});
                    self.send(v.to_string());
                }
                ClientFrame::Cancel(id) => {
                    let v = json!({"id": id, "error": {"code": "invalid_request", "message": "this connection speaks the simple dialect"}});
                    self.send(v.to_string());
                }
            },
            Phase::Closed => {}
        }
    }
}

impl Actor for WsConn {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.send(challenge(&self.nonce, self.clock.now_ms()).to_json());
        self.announce_if_authenticated();
        ctx.run_later(self.app.ws.config.handshake_timeout, |act, ctx| {
            if matches!(act.phase, Phase::Handshake) {
                act.close(CloseDirective::policy(REASON_HANDSHAKE_TIMEOUT), ctx);
            }
        });
    }

    fn stopping(&mut self, _: &mut Self::Context) -> Running {
        self.in_flight.cancel_all();
        if self.registered {
            self.app.ws.hub.do_send(ws_hub::Disconnect {
                conn_id: self.conn_id.clone(),
            });
        }
        self.outbox.close(CloseDirective::new(1000, ""));
        Running::Stop
    }
}

impl StreamHandler<Result<actix_ws::AggregatedMessage, actix_ws::ProtocolError>> for WsConn {
    fn handle(
        &mut self,
        msg: Result<actix_ws::AggregatedMessage, actix_ws::ProtocolError>,
        ctx: &mut Self::Context,
    ) {
        use actix_ws::AggregatedMessage as M;
        self.last_seen = Instant::now();
        match msg {
            Ok(M::Text(t)) => self.on_text(&t, ctx),
            Ok(M::Binary(b)) => match std::str::from_utf8(&b) {
                Ok(t) => self.on_text(t, ctx),
                Err(_) => self.close(
                    CloseDirective::new(1003, "binary frames are not supported"),
                    ctx,
                ),
            },
            Ok(M::Ping(p)) => self.outbox.pong(p),
            Ok(M::Pong(_)) => {}
            Ok(M::Close(_)) => ctx.stop(),
            Err(_) if self.peer.preauth.tripped() => {
                self.close(CloseDirective::preauth_too_large(), ctx)
            }
            Err(actix_ws::ProtocolError::Overflow) if matches!(self.phase, Phase::Handshake) => {
                self.close(CloseDirective::preauth_too_large(), ctx)
            }
            Err(actix_ws::ProtocolError::Overflow) => self.close(
                CloseDirective::new(CLOSE_PREAUTH_TOO_LARGE, "payload too large"),
                ctx,
            ),
            Err(e) => self.close(
                CloseDirective::new(1002, &format!("protocol error: {e}")),
                ctx,
            ),
        }
    }

    fn finished(&mut self, ctx: &mut Self::Context) {
        ctx.stop();
    }
}
