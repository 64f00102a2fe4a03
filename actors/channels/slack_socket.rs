//! `SlackSocket`: the Socket Mode connection of one Slack account (`mode: "socket"`).
//!
//! - Owns: the WebSocket (`awc::Client::ws()`; a writer task drains an mpsc into the sink,
//!   frames come back through `add_stream`), its generation number (frames of an older socket
//!   are ignored), its restart budget.
//! - Started by: [`super::slack::SlackConnector`] once `auth.test` succeeded; stopped with it.
//! - Talks to: the Web API (`apps.connections.open` with the app-level token → a fresh
//!   `wss://` URL), the socket (an envelope carrying a message is acknowledged only after the
//!   registry committed it to the durable inbox — a failed write is not acknowledged, so
//!   Slack redelivers; other envelopes at once; `disconnect` → a fresh URL; pings answered),
//!   and the
//!   registry: `events_api` payloads become [`SlackEvent`]s, exactly as the HTTP Events API
//!   path hands them over, so routing and policy are the same.
//! - Watchdog: the client pings the socket (every 10 s, or a third of a configured
//!   `gateway.channelStallTimeoutSeconds`); a socket — or a connect — with no frame at all (no
//!   pong, ping, envelope) for the stall bound (default 30 s, as Slack's own SDKs use) is torn
//!   down and reopened through a fresh `apps.connections.open`, with the restart budget's
//!   backoff; progress (`lastProgressAt`) and the restart are reported to the registry.

use super::slack::SlackEvent;
use super::supervise::{Restarts, Watchdog, WatchdogConfig};
use super::{Channels, ConnState, Progress, SetStatus, StopConnector};
use crate::channels::slack::{self as events, Payload};
use crate::channels::slack_socket::{self as wire, Envelope};
use crate::config::{ChannelAccount, Ingress};
use actix::prelude::*;
use awc::error::WsProtocolError;
use awc::ws::{Frame, Message as WsMessage};
use futures_util::StreamExt as _;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Web API and connect timeout.
const HTTP_TIMEOUT: Duration = Duration::from_secs(20);
/// Largest frame accepted.
const MAX_FRAME: usize = 4 * 1024 * 1024;
/// How often the client pings an open socket (unless a short stall bound asks for more).
const PING_EVERY: Duration = Duration::from_secs(10);

/// A frame (or the end) of the socket of generation `.0`.
enum WsItem {
    Frame(u64, Result<Frame, WsProtocolError>),
    Closed(u64),
}

impl Message for WsItem {
    type Result = ();
}

/// The Socket Mode actor.
pub struct SlackSocket {
    cfg: Arc<ChannelAccount>,
    registry: Addr<Channels>,
    restarts: Restarts,
    client: awc::Client,
    generation: u64,
    out: Option<mpsc::UnboundedSender<WsMessage>>,
    watchdog: Watchdog,
    /// A socket is open or being opened (the watchdog times it).
    live: bool,
}

impl SlackSocket {
    /// A connection for `cfg` (opens in `started`).
    pub fn new(cfg: Arc<ChannelAccount>, registry: Addr<Channels>, max_restarts: u32) -> Self {
        SlackSocket {
            cfg,
            registry,
            restarts: Restarts::new(max_restarts),
            client: awc::Client::builder().timeout(HTTP_TIMEOUT).finish(),
            generation: 0,
            out: None,
            watchdog: Watchdog::new(WatchdogConfig::default().stall_for(PING_EVERY)),
            live: false,
        }
    }

    /// Applies `gateway.channelStallTimeoutSeconds`.
    pub fn with_watchdog(mut self, w: WatchdogConfig) -> Self {
        self.watchdog = Watchdog::new(w.stall_for(PING_EVERY));
        self
    }

    /// The ping interval: [`PING_EVERY`], or a third of a shorter stall bound (≥ 50 ms).
    fn ping_every(&self) -> Duration {
        (self.watchdog.stall() / 3).clamp(Duration::from_millis(50), PING_EVERY)
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
            self.fail(ctx, format!("socket made no progress for {secs} s"));
        }
    }

    fn report(&mut self, state: ConnState, error: Option<String>) {
        let restarts = self.restarts.in_window(Instant::now());
        self.registry.do_send(SetStatus {
            key: self.cfg.key(),
            state,
            user: None,
            user_id: None,
            error,
            restarts,
        });
    }

    fn drop_socket(&mut self) {
        self.generation += 1;
        if let Some(out) = self.out.take() {
            let _ = out.send(WsMessage::Close(None));
        }
    }

    /// `apps.connections.open`, then the WebSocket to the URL it returns.
    fn connect(&mut self, ctx: &mut Context<Self>) {
        self.drop_socket();
        self.live = true;
        self.watchdog.progress(Instant::now());
        let generation = self.generation;
        let Ingress::SlackSocket { app_token } = &self.cfg.ingress else {
            return;
        };
        let auth = format!("Bearer {}", app_token.expose());
        let client = self.client.clone();
        let open = format!("{}/{}", self.cfg.api_root, wire::OPEN_METHOD);
        let fut = async move {
            let mut resp = client
                .post(open)
                .insert_header(("authorization", auth))
                .send()
                .await
                .map_err(|e| format!("{}: {e}", wire::OPEN_METHOD))?;
            let v: Value = resp
                .json()
                .await
                .map_err(|e| format!("{}: unreadable answer: {e}", wire::OPEN_METHOD))?;
            let url = match (v["ok"].as_bool(), v["url"].as_str()) {
                (Some(true), Some(u)) => u.to_string(),
                _ => {
                    return Err(format!(
                        "{}: {}",
                        wire::OPEN_METHOD,
                        v["error"].as_str().unwrap_or("no url in the answer")
                    ))
                }
            };
            let (_, framed) = client
                .ws(url)
                .max_frame_size(MAX_FRAME)
                .connect()
                .await
                .map_err(|e| format!("socket connect: {e}"))?;
            Ok(framed)
        };
        ctx.spawn(fut.into_actor(self).map(move |res, act, ctx| {
            if act.generation != generation {
                return;
            }
            let framed = match res {
                Ok(f) => f,
                Err(e) => return act.fail(ctx, e),
            };
            let (sink, stream) = framed.split();
            act.out = Some(super::ws_writer::spawn(sink));
            ctx.add_stream(stream.map(move |f| WsItem::Frame(generation, f)).chain(
                futures_util::stream::once(async move { WsItem::Closed(generation) }),
            ));
        }));
    }

    fn fail(&mut self, ctx: &mut Context<Self>, error: String) {
        self.drop_socket();
        self.live = false;
        let next = self.restarts.failed(Instant::now());
        tracing::warn!(account = %self.cfg.key(), error = %error, "slack socket mode connection lost");
        self.report(ConnState::Error, Some(error));
        ctx.run_later(next.delay, |act, ctx| act.connect(ctx));
    }

    fn send(&self, m: WsMessage) {
        if let Some(out) = &self.out {
            let _ = out.send(m);
        }
    }

    fn on_envelope(&mut self, frame: &Value, ctx: &mut Context<Self>) {
        match wire::parse(frame) {
            Envelope::Hello => {
                self.restarts.succeeded();
                self.report(ConnState::Connected, None);
                tracing::info!(account = %self.cfg.key(), "slack socket mode connected");
            }
            Envelope::Disconnect { reason } => {
                tracing::info!(account = %self.cfg.key(), reason = %reason,
                    "slack asked for a new socket; reconnecting");
                self.connect(ctx);
            }
            Envelope::Ack {
                envelope_id,
                payload,
            } => {
                // Acknowledge once the message is in the inbox (Slack allows 3 s); an envelope
                // that carries no message is acknowledged at once. A failed inbox write is not
                // acknowledged, so Slack redelivers it.
                let Some(Payload::Event(event)) = payload.as_ref().map(events::parse) else {
                    self.send(WsMessage::Text(wire::ack(&envelope_id).into()));
                    return;
                };
                let generation = self.generation;
                let stored = self.registry.send(SlackEvent {
                    account: self.cfg.id.clone(),
                    event,
                });
                ctx.spawn(stored.into_actor(self).map(move |res, act, _| {
                    match res {
                        Ok(Ok(())) if act.generation == generation => {
                            act.send(WsMessage::Text(wire::ack(&envelope_id).into()))
                        }
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => tracing::warn!(account = %act.cfg.key(), error = %e,
                            "slack envelope not acknowledged (inbox write failed); slack redelivers it"),
                        Err(e) => tracing::warn!(account = %act.cfg.key(), error = %e,
                            "slack envelope not acknowledged (registry unavailable)"),
                    }
                }));
            }
            Envelope::Other => {}
        }
    }
}

impl Actor for SlackSocket {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.connect(ctx);
        ctx.run_interval(self.watchdog.check_every(), |act, ctx| act.check_stall(ctx));
        ctx.run_interval(self.ping_every(), |act, _| {
            act.send(WsMessage::Ping(Default::default()))
        });
    }

    fn stopping(&mut self, _: &mut Context<Self>) -> Running {
        self.drop_socket();
        Running::Stop
    }
}

impl StreamHandler<WsItem> for SlackSocket {
    fn handle(&mut self, item: WsItem, ctx: &mut Context<Self>) {
        if matches!(&item, WsItem::Frame(g, Ok(_)) if *g == self.generation) {
            self.progressed();
        }
        match item {
            WsItem::Frame(g, _) | WsItem::Closed(g) if g != self.generation => {}
            WsItem::Frame(_, Ok(Frame::Text(b))) => match serde_json::from_slice::<Value>(&b) {
                Ok(v) => self.on_envelope(&v, ctx),
                Err(e) => {
                    tracing::warn!(account = %self.cfg.key(), error = %e, "bad socket mode frame")
                }
            },
            WsItem::Frame(_, Ok(Frame::Ping(p))) => self.send(WsMessage::Pong(p)),
            WsItem::Frame(_, Ok(Frame::Close(reason))) => {
                let code = reason.as_ref().map(|r| u16::from(r.code));
                self.fail(ctx, format!("socket closed by slack ({code:?})"));
            }
            WsItem::Frame(_, Ok(_)) => {}
            WsItem::Frame(_, Err(e)) => self.fail(ctx, format!("socket protocol error: {e}")),
            WsItem::Closed(_) => self.fail(ctx, "socket connection ended".into()),
        }
    }

    /// A socket's stream ended; its `Closed` marker already handled it (the actor lives on).
    fn finished(&mut self, _: &mut Context<Self>) {}
}

impl Handler<StopConnector> for SlackSocket {
    type Result = ();

    fn handle(&mut self, _: StopConnector, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}
