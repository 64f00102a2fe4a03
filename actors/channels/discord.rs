//! `DiscordConnector`: one Discord bot account (Gateway WebSocket + REST).
//!
//! - Owns: the outbound Gateway socket (`awc::Client::ws()`; a writer task drains an mpsc
//!   into the socket sink, frames come back through `add_stream`), the heartbeat timer, the
//!   session (`session_id`, last sequence, `resume_gateway_url`), the bot's id and name, its
//!   restart budget.
//! - Started by: [`super::Channels`], one per configured, enabled Discord account.
//! - Talks to: the Gateway (HELLO → heartbeat every `heartbeat_interval` → IDENTIFY with
//!   intents, or RESUME after a drop; `MESSAGE_CREATE` dispatches; op 7 RECONNECT → resume at
//!   once; op 9 INVALID_SESSION → resume or identify again; a heartbeat not acknowledged
//!   before the next one is a dead connection), REST `POST /channels/{id}/messages`
//!   (JSON, or multipart `payload_json` + `files[n]` for attachments; cards as `embeds`)
//!   (`Authorization: Bot …`), and the registry ([`super::SetStatus`], [`super::Inbound`]).
//!
//! A socket (or a connect) with no frame for the watchdog's bound (twice the heartbeat
//! interval plus a margin, or `gateway.channelStallTimeoutSeconds`) is dropped and reopened
//! like any other failure; a heartbeat not acknowledged is one already.
//!
//! Every socket gets a generation number; frames and the end-of-stream marker of an older
//! socket are ignored, so a reconnect never acts on a stale connection.

use super::supervise::{Restarts, Watchdog, WatchdogConfig};
use super::{
    Channels, ConnState, DeliveryError, Inbound, Progress, SendText, SetStatus, StopConnector,
};
use crate::channels::discord::{self as wire, Target};
use crate::channels::multipart::Form;
use crate::channels::retry;
use crate::config::ChannelAccount;
use actix::prelude::*;
use awc::error::WsProtocolError;
use awc::ws::{CloseCode, CloseReason, Frame, Message as WsMessage};
use futures_util::StreamExt as _;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// REST and connect timeout.
const HTTP_TIMEOUT: Duration = Duration::from_secs(20);
/// Largest Gateway frame accepted (READY can be large).
const MAX_FRAME: usize = 16 * 1024 * 1024;
/// Wait before identifying again after a non-resumable INVALID_SESSION (Discord: 1–5 s).
const REIDENTIFY_DELAY: Duration = Duration::from_secs(1);

/// A frame (or the end) of the socket of generation `.0`.
enum WsItem {
    Frame(u64, Result<Frame, WsProtocolError>),
    Closed(u64),
}

impl Message for WsItem {
    type Result = ();
}

/// The connector actor.
pub struct DiscordConnector {
    cfg: Arc<ChannelAccount>,
    registry: Addr<Channels>,
    restarts: Restarts,
    client: awc::Client,
    generation: u64,
    out: Option<mpsc::UnboundedSender<WsMessage>>,
    heartbeat: Option<SpawnHandle>,
    acked: bool,
    seq: Option<u64>,
    session_id: Option<String>,
    resume_url: Option<String>,
    bot_id: Option<String>,
    bot_name: Option<String>,
    watch_cfg: WatchdogConfig,
    watchdog: Watchdog,
    /// A socket is open or being opened (the watchdog times it).
    live: bool,
}

fn with_query(url: &str) -> String {
    if url.contains('?') {
        return url.to_string();
    }
    let after_scheme = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    if after_scheme.contains('/') {
        format!("{url}?v=10&encoding=json")
    } else {
        format!("{url}/?v=10&encoding=json")
    }
}

impl DiscordConnector {
    /// A connector for `cfg` (connects in `started`).
    pub fn new(cfg: Arc<ChannelAccount>, registry: Addr<Channels>, max_restarts: u32) -> Self {
        DiscordConnector {
            cfg,
            registry,
            restarts: Restarts::new(max_restarts),
            client: awc::Client::builder().timeout(HTTP_TIMEOUT).finish(),
            generation: 0,
            out: None,
            heartbeat: None,
            acked: true,
            seq: None,
            session_id: None,
            resume_url: None,
            bot_id: None,
            bot_name: None,
            watch_cfg: WatchdogConfig::default(),
            watchdog: Watchdog::new(WatchdogConfig::default().stall_for(HTTP_TIMEOUT)),
            live: false,
        }
    }

    /// Applies `gateway.channelStallTimeoutSeconds`.
    pub fn with_watchdog(mut self, w: WatchdogConfig) -> Self {
        self.watch_cfg = w;
        self.watchdog = Watchdog::new(w.stall_for(HTTP_TIMEOUT));
        self
    }

    /// A frame arrived: progress for the watchdog and (throttled) the status.
    fn progressed(&mut self) {
        if self.watchdog.progress_due(Instant::now()) {
            self.registry.do_send(Progress {
                key: self.cfg.key(),
                at: crate::storage::now_ms(),
            });
        }
    }

    /// Tears down a socket (or a connect) silent past the watchdog's bound, then reconnects.
    fn check_stall(&mut self, ctx: &mut Context<Self>) {
        if self.live && self.watchdog.stalled(Instant::now()) {
            let secs = self.watchdog.stall().as_secs_f64();
            self.fail(ctx, format!("gateway made no progress for {secs} s"));
        }
    }

    fn token(&self) -> String {
        self.cfg
            .token
            .as_ref()
            .map(|t| t.expose().to_string())
            .unwrap_or_default()
    }

    fn report(&mut self, state: ConnState, error: Option<String>) {
        let restarts = self.restarts.in_window(Instant::now());
        self.registry.do_send(SetStatus {
            key: self.cfg.key(),
            state,
            user: self.bot_name.as_ref().map(|n| format!("@{n}")),
            user_id: self.bot_id.clone(),
            error,
            restarts,
        });
    }

    fn send_json(&self, v: &Value) {
        if let Some(out) = &self.out {
            let _ = out.send(WsMessage::Text(v.to_string().into()));
        }
    }

    /// Drops the current socket (close code 4000 keeps the session resumable).
    fn drop_socket(&mut self, ctx: &mut Context<Self>) {
        self.generation += 1;
        if let Some(h) = self.heartbeat.take() {
            ctx.cancel_future(h);
        }
        if let Some(out) = self.out.take() {
            let _ = out.send(WsMessage::Close(Some(CloseReason {
                code: CloseCode::Other(4000),
                description: None,
            })));
        }
    }

    fn connect(&mut self, ctx: &mut Context<Self>) {
        self.drop_socket(ctx);
        self.live = true;
        self.watchdog.rearm(self.watch_cfg.stall_for(HTTP_TIMEOUT));
        self.report(ConnState::Connecting, None);
        let generation = self.generation;
        let url = match (&self.resume_url, &self.session_id) {
            (Some(u), Some(_)) => with_query(u),
            _ => self.cfg.gateway_url.clone(),
        };
        let req = self.client.ws(url).max_frame_size(MAX_FRAME);
        let fut = async move { req.connect().await.map(|(_, framed)| framed) };
        ctx.spawn(fut.into_actor(self).map(move |res, act, ctx| {
            if act.generation != generation {
                return;
            }
            let framed = match res {
                Ok(f) => f,
                Err(e) => return act.fail(ctx, format!("gateway connect: {e}")),
            };
            let (sink, stream) = framed.split();
            act.out = Some(super::ws_writer::spawn(sink));
            ctx.add_stream(stream.map(move |f| WsItem::Frame(generation, f)).chain(
                futures_util::stream::once(async move { WsItem::Closed(generation) }),
            ));
        }));
    }

    fn fail(&mut self, ctx: &mut Context<Self>, error: String) {
        self.drop_socket(ctx);
        self.live = false;
        let next = self.restarts.failed(Instant::now());
        tracing::warn!(account = %self.cfg.key(), error = %error, "discord connection lost");
        self.report(ConnState::Error, Some(error));
        ctx.run_later(next.delay, |act, ctx| act.connect(ctx));
    }

    fn beat(&mut self, ctx: &mut Context<Self>) {
        if !self.acked {
            return self.fail(ctx, "heartbeat not acknowledged".into());
        }
        self.acked = false;
        self.send_json(&wire::heartbeat(self.seq));
    }

    fn on_payload(&mut self, p: Value, ctx: &mut Context<Self>) {
        if let Some(s) = p["s"].as_u64() {
            self.seq = Some(s);
        }
        match p["op"].as_u64() {
            Some(wire::OP_HELLO) => {
                let ms = p["d"]["heartbeat_interval"]
                    .as_u64()
                    .unwrap_or(41_250)
                    .max(10);
                if let Some(h) = self.heartbeat.take() {
                    ctx.cancel_future(h);
                }
                self.acked = true;
                let interval = Duration::from_millis(ms);
                self.watchdog.rearm(self.watch_cfg.stall_for(interval));
                self.heartbeat = Some(ctx.run_interval(interval, |act, ctx| act.beat(ctx)));
                match &self.session_id {
                    Some(sid) => self.send_json(&wire::resume(&self.token(), sid, self.seq)),
                    None => self.send_json(&wire::identify(&self.token())),
                }
            }
            Some(wire::OP_HEARTBEAT_ACK) => self.acked = true,
            Some(wire::OP_HEARTBEAT) => self.send_json(&wire::heartbeat(self.seq)),
            Some(wire::OP_RECONNECT) => {
                tracing::info!(account = %self.cfg.key(), "discord asked for a reconnect; resuming");
                self.connect(ctx);
            }
            Some(wire::OP_INVALID_SESSION) => {
                if p["d"].as_bool() != Some(true) {
                    self.session_id = None;
                    self.seq = None;
                }
                self.drop_socket(ctx);
                self.live = false;
                ctx.run_later(REIDENTIFY_DELAY, |act, ctx| act.connect(ctx));
            }
            Some(wire::OP_DISPATCH) => self.on_dispatch(p["t"].as_str().unwrap_or(""), &p["d"]),
            _ => {}
        }
    }

    fn on_dispatch(&mut self, t: &str, d: &Value) {
        match t {
            "READY" => {
                self.session_id = d["session_id"].as_str().map(str::to_string);
                self.resume_url = d["resume_gateway_url"].as_str().map(str::to_string);
                self.bot_id = d["user"]["id"].as_str().map(str::to_string);
                self.bot_name = d["user"]["username"].as_str().map(str::to_string);
                self.restarts.succeeded();
                self.report(ConnState::Connected, None);
                tracing::info!(account = %self.cfg.key(), "discord gateway ready");
            }
            "RESUMED" => {
                self.restarts.succeeded();
                self.report(ConnState::Connected, None);
            }
            "MESSAGE_CREATE" => {
                if let Some(msg) = wire::normalize(&self.cfg.id, self.bot_id.as_deref(), d) {
                    self.registry.do_send(Inbound { msg });
                }
            }
            _ => {}
        }
    }
}

impl Actor for DiscordConnector {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let every = self
            .watch_cfg
            .stall
            .map(|s| Watchdog::new(s).check_every())
            .unwrap_or(Duration::from_secs(1));
        ctx.run_interval(every, |act, ctx| act.check_stall(ctx));
        self.connect(ctx);
    }
}

impl StreamHandler<WsItem> for DiscordConnector {
    fn handle(&mut self, item: WsItem, ctx: &mut Context<Self>) {
        match item {
            WsItem::Frame(g, _) | WsItem::Closed(g) if g != self.generation => {}
            WsItem::Frame(_, Ok(Frame::Text(b))) => {
                self.progressed();
                match serde_json::from_slice(&b) {
                    Ok(p) => self.on_payload(p, ctx),
                    Err(e) => {
                        tracing::warn!(account = %self.cfg.key(), error = %e, "bad gateway frame")
                    }
                }
            }
            WsItem::Frame(_, Ok(Frame::Close(reason))) => {
                let code = reason.as_ref().map(|r| u16::from(r.code));
                if code == Some(wire::CLOSE_AUTHENTICATION_FAILED) {
                    self.session_id = None;
                    self.fail(ctx, "authentication failed (check the bot token)".into());
                } else {
                    self.fail(ctx, format!("gateway closed the connection ({code:?})"));
                }
            }
            WsItem::Frame(_, Ok(_)) => {}
            WsItem::Frame(_, Err(e)) => self.fail(ctx, format!("gateway protocol error: {e}")),
            WsItem::Closed(_) => self.fail(ctx, "gateway connection ended".into()),
        }
    }

    /// A socket's stream ended; its `Closed` marker already handled it (the actor lives on).
    fn finished(&mut self, _: &mut Context<Self>) {}
}

impl Handler<SendText> for DiscordConnector {
    type Result = ResponseFuture<Result<String, DeliveryError>>;

    fn handle(&mut self, m: SendText, _: &mut Context<Self>) -> Self::Result {
        let client = self.client.clone();
        let root = self.cfg.api_root.clone();
        let auth = format!("Bot {}", self.token());
        Box::pin(async move {
            let channel = match wire::parse_target(&m.to) {
                Target::Channel(c) => c,
                Target::User(u) => {
                    let dm = rest(
                        &client,
                        &auth,
                        &format!("{root}/users/@me/channels"),
                        &serde_json::json!({"recipient_id": u}),
                    )
                    .await?;
                    dm["id"].as_str().unwrap_or_default().to_string()
                }
            };
            let mut body = wire::create_message_body(&m.text, m.reply_to.as_deref(), m.silent);
            if let Some(embeds) = &m.card {
                body["embeds"] = embeds.clone();
            }
            // The outbox's row key: Discord drops a second message with the same nonce
            // from this bot in this channel (a retry after a lost answer).
            if let Some(n) = &m.idempotency_key {
                body["nonce"] = serde_json::json!(n);
                body["enforce_nonce"] = serde_json::json!(true);
            }
            let url = format!("{root}/channels/{channel}/messages");
            let v = match &m.media {
                // Uploads: `payload_json` plus `files[0]`, referenced from `attachments`.
                Some(f) => {
                    body["attachments"] = serde_json::json!([{"id": 0, "filename": f.filename}]);
                    let form = Form::new().text("payload_json", &body.to_string()).file(
                        "files[0]",
                        &f.filename,
                        &f.mime,
                        &f.data,
                    );
                    send(
                        client
                            .post(&url)
                            .insert_header(("authorization", auth.as_str())),
                        form,
                    )
                    .await?
                }
                None => rest(&client, &auth, &url, &body).await?,
            };
            Ok(v["id"].as_str().unwrap_or_default().to_string())
        })
    }
}

/// One authenticated REST POST; errors carry Discord's `message`, never the token.
async fn rest(
    client: &awc::Client,
    auth: &str,
    url: &str,
    body: &Value,
) -> Result<Value, DeliveryError> {
    let req = client
        .post(url)
        .insert_header(("authorization", auth))
        .insert_header(("content-type", "application/json"));
    let mut resp = req
        .send_body(body.to_string())
        .await
        .map_err(|e| retry::network_error(format!("discord: {e}")))?;
    answer(&mut resp).await
}

/// Sends `req` with a multipart `form`.
async fn send(req: awc::ClientRequest, form: Form) -> Result<Value, DeliveryError> {
    let (ct, body) = form.finish();
    let mut resp = req
        .insert_header(("content-type", ct))
        .send_body(body)
        .await
        .map_err(|e| retry::network_error(format!("discord: {e}")))?;
    answer(&mut resp).await
}

/// A REST answer: the JSON on 2xx, Discord's `message` otherwise (429 carries
/// `retry_after` seconds in the body, else `Retry-After`).
async fn answer(resp: &mut awc::ClientResponse) -> Result<Value, DeliveryError> {
    let status = resp.status();
    let header_after = retry::retry_after_header(resp.headers());
    let v: Value = resp
        .json()
        .limit(4 * 1024 * 1024)
        .await
        .unwrap_or(Value::Null);
    if status.is_success() {
        Ok(v)
    } else {
        let after = v["retry_after"]
            .as_f64()
            .and_then(retry::seconds_to_ms)
            .or(header_after);
        Err(retry::http_error(
            status.as_u16(),
            after,
            format!(
                "discord: HTTP {}: {}",
                status.as_u16(),
                v["message"].as_str().unwrap_or("request failed")
            ),
        ))
    }
}

impl Handler<StopConnector> for DiscordConnector {
    type Result = ();

    fn handle(&mut self, _: StopConnector, ctx: &mut Context<Self>) {
        self.drop_socket(ctx);
        ctx.stop();
    }
}
