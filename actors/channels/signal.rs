//! `SignalConnector`: one Signal number served by a signal-cli REST API server.
//!
//! - Owns: the account's awc client, its restart budget, watchdog and the receive loop.
//! - Started by: [`super::Channels`], one per configured, enabled Signal account.
//! - Talks to: the REST server at `httpUrl`: `GET /v1/about` (reachability), a long poll
//!   `GET /v1/receive/{number}?timeout=…` (one request at a time, the next as soon as one
//!   answers and its messages are in the durable inbox; failures back off through
//!   [`Restarts`]; a request unanswered past the [`Watchdog`]'s bound is dropped and the
//!   receive loop restarts), `POST /v2/send` (text, attachments as
//!   base64 data URIs); the registry ([`super::SetStatus`], [`super::Inbound`]).

use super::supervise::{Restarts, Watchdog, WatchdogConfig};
use super::{
    Channels, ConnState, DeliveryError, Inbound, Progress, SendText, SetStatus, StopConnector,
};
use crate::channels::retry;
use crate::channels::signal as wire;
use crate::config::ChannelAccount;
use actix::prelude::*;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Seconds the server may hold one receive request (default).
const RECEIVE_TIMEOUT_SECS: u64 = 10;
/// Client deadline for other calls.
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// The connector actor.
pub struct SignalConnector {
    cfg: Arc<ChannelAccount>,
    registry: Addr<Channels>,
    restarts: Restarts,
    client: awc::Client,
    connected: bool,
    /// Seconds the server may hold one receive request.
    poll_secs: u64,
    watchdog: Watchdog,
    /// The receive request in flight (the one the watchdog times).
    inflight: Option<SpawnHandle>,
}

impl SignalConnector {
    /// A connector for `cfg` (starts receiving in `started`).
    pub fn new(cfg: Arc<ChannelAccount>, registry: Addr<Channels>, max_restarts: u32) -> Self {
        SignalConnector {
            cfg,
            registry,
            restarts: Restarts::new(max_restarts),
            client: awc::Client::builder()
                .timeout(Duration::from_secs(RECEIVE_TIMEOUT_SECS + 20))
                .finish(),
            connected: false,
            poll_secs: RECEIVE_TIMEOUT_SECS,
            watchdog: Watchdog::new(
                WatchdogConfig::default().stall_for(Duration::from_secs(RECEIVE_TIMEOUT_SECS)),
            ),
            inflight: None,
        }
    }

    /// Applies `gateway.channelPollTimeoutSeconds` / `channelStallTimeoutSeconds`.
    pub fn with_watchdog(mut self, w: WatchdogConfig) -> Self {
        self.poll_secs = w.poll_secs(RECEIVE_TIMEOUT_SECS);
        self.watchdog = Watchdog::new(w.stall_for(Duration::from_secs(self.poll_secs)));
        self.client = awc::Client::builder()
            .timeout(Duration::from_secs(self.poll_secs + 20))
            .finish();
        self
    }

    fn number(&self) -> String {
        self.cfg.phone.clone().unwrap_or_default()
    }

    fn report(&mut self, state: ConnState, error: Option<String>) {
        let restarts = self.restarts.in_window(Instant::now());
        self.registry.do_send(SetStatus {
            key: self.cfg.key(),
            state,
            user: Some(self.number()),
            user_id: Some(self.number()),
            error,
            restarts,
        });
    }

    fn failed(&mut self, e: String, ctx: &mut Context<Self>) {
        let next = self.restarts.failed(Instant::now());
        tracing::warn!(account = %self.cfg.key(), error = %e, "signal receive failed");
        self.connected = false;
        self.report(ConnState::Error, Some(e));
        ctx.run_later(next.delay, |act, ctx| act.poll(ctx));
    }

    /// Tears down a receive request that made no progress within the bound (then restarts).
    fn check_stall(&mut self, ctx: &mut Context<Self>) {
        if self.inflight.is_none() || !self.watchdog.stalled(Instant::now()) {
            return;
        }
        if let Some(h) = self.inflight.take() {
            ctx.cancel_future(h);
        }
        let secs = self.watchdog.stall().as_secs_f64();
        self.failed(
            format!("receive made no progress for {secs} s; restarting the poll"),
            ctx,
        );
    }

    /// One receive request; the next follows as soon as its messages are in the inbox.
    fn poll(&mut self, ctx: &mut Context<Self>) {
        let url = format!(
            "{}/v1/receive/{}?timeout={}",
            self.cfg.api_root,
            self.number(),
            self.poll_secs
        );
        let about = format!("{}/v1/about", self.cfg.api_root);
        let client = self.client.clone();
        let first = !self.connected;
        let fut = async move {
            if first {
                get_json(&client, &about).await?;
            }
            get_json(&client, &url).await
        };
        let h = ctx.spawn(fut.into_actor(self).map(|res, act, ctx| {
            act.inflight = None;
            match res {
                Ok(v) => {
                    act.watchdog.progress(Instant::now());
                    act.registry.do_send(Progress {
                        key: act.cfg.key(),
                        at: crate::storage::now_ms(),
                    });
                    if !act.connected {
                        act.connected = true;
                        act.restarts.succeeded();
                        act.report(ConnState::Connected, None);
                    }
                    act.accept(&v, ctx);
                }
                Err(e) => act.failed(e, ctx),
            }
        }));
        self.inflight = Some(h);
        self.watchdog.progress(Instant::now());
    }

    /// Hands the received messages to the registry; polls again once they are in the
    /// durable inbox.
    fn accept(&mut self, v: &Value, ctx: &mut Context<Self>) {
        let sends: Vec<_> = wire::parse_receive(v, &self.number())
            .into_iter()
            .map(|mut msg| {
                msg.account = self.cfg.id.clone();
                self.registry.send(Inbound { msg })
            })
            .collect();
        if sends.is_empty() {
            return self.poll(ctx);
        }
        let fut = async move {
            for answer in futures_util::future::join_all(sends).await {
                answer.map_err(|e| format!("channel registry: {e}"))??;
            }
            Ok::<(), String>(())
        };
        ctx.spawn(fut.into_actor(self).map(|res, act, ctx| match res {
            Ok(()) => act.poll(ctx),
            Err(e) => act.failed(e, ctx),
        }));
    }
}

async fn get_json(client: &awc::Client, url: &str) -> Result<Value, String> {
    let mut resp = client
        .get(url)
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let status = resp.status().as_u16();
    let body = resp
        .body()
        .limit(8 * 1024 * 1024)
        .await
        .map_err(|e| format!("unreadable answer: {e}"))?;
    if !(200..300).contains(&status) {
        return Err(format!("HTTP {status}"));
    }
    if body.is_empty() {
        return Ok(Value::Array(vec![]));
    }
    serde_json::from_slice(&body).map_err(|e| format!("unreadable answer: {e}"))
}

impl Actor for SignalConnector {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(self.watchdog.check_every(), |act, ctx| act.check_stall(ctx));
        self.report(ConnState::Connecting, None);
        self.poll(ctx);
    }
}

impl Handler<SendText> for SignalConnector {
    type Result = ResponseFuture<Result<String, DeliveryError>>;

    fn handle(&mut self, m: SendText, _: &mut Context<Self>) -> Self::Result {
        let url = format!("{}/v2/send", self.cfg.api_root);
        let body = wire::send_body(&self.number(), &m.to, &m.text, m.media.as_ref());
        let client = self.client.clone();
        Box::pin(async move {
            let mut resp = client
                .post(url)
                .timeout(HTTP_TIMEOUT)
                .send_json(&body)
                .await
                .map_err(|e| retry::network_error(format!("send: {e}")))?;
            let status = resp.status().as_u16();
            let after = retry::retry_after_header(resp.headers());
            let v: Value = resp.json().await.unwrap_or(Value::Null);
            if !(200..300).contains(&status) {
                let why = v["error"].as_str().unwrap_or("request failed");
                return Err(retry::http_error(
                    status,
                    after,
                    format!("send: HTTP {status}: {why}"),
                ));
            }
            Ok(match &v["timestamp"] {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => String::new(),
            })
        })
    }
}

impl Handler<StopConnector> for SignalConnector {
    type Result = ();

    fn handle(&mut self, _: StopConnector, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}
