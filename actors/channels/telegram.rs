//! `TelegramConnector`: one Telegram bot account over the Bot API (HTTPS, awc).
//!
//! - Owns: the account's awc client, the `getUpdates` offset (persisted in the store's `kv`
//!   table under `channel.telegram.<account>.offset` once the updates are in the durable
//!   inbox, before the next poll), the bot's username, its restart budget and watchdog.
//! - Started by: [`super::Channels`], one per configured, enabled Telegram account.
//! - Talks to: the Bot API (`getMe`, long-polling `getUpdates`, `sendMessage`, and `sendPhoto`/`sendAnimation`/`sendVideo`/
//!   `sendDocument` as multipart uploads for attachments) at
//!   `apiRoot`; the registry ([`super::SetStatus`], [`super::Inbound`]).
//!
//! With `webhookUrl` (webhook mode, `telegram_webhook.rs`) it registers the webhook with
//! `setWebhook` instead of polling; updates then arrive over HTTP
//! (`crate::http::channels_telegram`). Back in polling mode, a webhook it had set is removed
//! with `deleteWebhook` first (Telegram refuses `getUpdates` while one is set).
//!
//! A failed `getMe` or `getUpdates` is a restart: status `error`, retry after the backoff of
//! [`super::supervise::Restarts`]. So is a request that stays unanswered past the watchdog's
//! bound (twice the poll hold plus a margin, or `gateway.channelStallTimeoutSeconds`): it is
//! dropped and the connection starts over. The token is part of every URL, so URLs are never logged and
//! error texts are scrubbed of it.

#[path = "telegram_webhook.rs"]
mod webhook_mode;

pub use webhook_mode::TelegramUpdate;

use super::supervise::{Restarts, Watchdog, WatchdogConfig};
use super::{
    Channels, ConnState, DeliveryError, Inbound, Progress, SendText, SetStatus, StopConnector,
};
use crate::channels::media::Attachment;
use crate::channels::multipart::Form;
use crate::channels::retry;
use crate::channels::telegram::{self as wire, ApiResponse, Update, User};
use crate::config::ChannelAccount;
use crate::storage::Store;
use actix::prelude::*;
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Long-poll duration asked of `getUpdates` (default).
pub const POLL_TIMEOUT_SECS: u64 = 25;
/// HTTP timeout beyond the long poll.
const HTTP_SLACK: Duration = Duration::from_secs(15);
/// HTTP timeout: the long poll plus slack.
const HTTP_TIMEOUT: Duration = Duration::from_secs(POLL_TIMEOUT_SECS + 15);
/// Largest `getUpdates` answer accepted.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// The connector actor.
pub struct TelegramConnector {
    cfg: Arc<ChannelAccount>,
    registry: Addr<Channels>,
    store: Store,
    restarts: Restarts,
    client: awc::Client,
    username: Option<String>,
    offset: Option<i64>,
    /// Long-poll hold asked of `getUpdates` (s).
    poll_secs: u64,
    watchdog: Watchdog,
    /// The connection's request in flight (the one the watchdog times).
    inflight: Option<SpawnHandle>,
}

impl TelegramConnector {
    /// A connector for `cfg` (connects in `started`).
    pub fn new(
        cfg: Arc<ChannelAccount>,
        registry: Addr<Channels>,
        store: Store,
        max_restarts_per_hour: u32,
    ) -> Self {
        TelegramConnector {
            cfg,
            registry,
            store,
            restarts: Restarts::new(max_restarts_per_hour),
            client: awc::Client::builder().timeout(HTTP_TIMEOUT).finish(),
            username: None,
            offset: None,
            poll_secs: POLL_TIMEOUT_SECS,
            watchdog: Watchdog::new(
                WatchdogConfig::default().stall_for(Duration::from_secs(POLL_TIMEOUT_SECS)),
            ),
            inflight: None,
        }
    }

    /// Applies `gateway.channelPollTimeoutSeconds` / `channelStallTimeoutSeconds`.
    pub fn with_watchdog(mut self, w: WatchdogConfig) -> Self {
        self.poll_secs = w.poll_secs(POLL_TIMEOUT_SECS);
        self.watchdog = Watchdog::new(w.stall_for(Duration::from_secs(self.poll_secs)));
        self.client = awc::Client::builder()
            .timeout(Duration::from_secs(self.poll_secs) + HTTP_SLACK)
            .finish();
        self
    }

    fn offset_key(&self) -> String {
        format!("channel.telegram.{}.offset", self.cfg.id)
    }

    fn report(&mut self, state: ConnState, error: Option<String>) {
        let restarts = self.restarts.in_window(Instant::now());
        self.registry.do_send(SetStatus {
            key: self.cfg.key(),
            state,
            user: self.username.as_ref().map(|u| format!("@{u}")),
            user_id: None,
            error,
            restarts,
        });
    }

    fn connect(&mut self, ctx: &mut Context<Self>) {
        self.report(ConnState::Connecting, None);
        let api = Api::new(&self.client, &self.cfg);
        let fut = async move { api.call::<User>("getMe", &Value::Null).await };
        let h = ctx.spawn(fut.into_actor(self).map(|res, act, ctx| {
            act.inflight = None;
            match res {
                Ok(me) => {
                    act.username = me.username;
                    act.progressed();
                    act.choose_ingress(ctx);
                }
                Err(e) => act.fail(ctx, e),
            }
        }));
        self.watch(h);
    }

    /// A request of the connection is in flight: the watchdog times it from now.
    fn watch(&mut self, h: SpawnHandle) {
        self.inflight = Some(h);
        self.watchdog.progress(Instant::now());
    }

    /// The Bot API answered: progress for the watchdog and the status.
    fn progressed(&mut self) {
        self.watchdog.progress(Instant::now());
        self.registry.do_send(Progress {
            key: self.cfg.key(),
            at: crate::storage::now_ms(),
        });
    }

    /// Tears down a request that made no progress within the bound (then restarts).
    fn check_stall(&mut self, ctx: &mut Context<Self>) {
        if self.inflight.is_none() || !self.watchdog.stalled(Instant::now()) {
            return;
        }
        if let Some(h) = self.inflight.take() {
            ctx.cancel_future(h);
        }
        let secs = self.watchdog.stall().as_secs_f64();
        self.fail(
            ctx,
            format!("getUpdates made no progress for {secs} s; restarting the poll"),
        );
    }

    /// Connected and long polling (after a stale webhook, if any, was removed).
    fn start_polling(&mut self, ctx: &mut Context<Self>) {
        self.restarts.succeeded();
        self.report(ConnState::Connected, None);
        tracing::info!(account = %self.cfg.key(), "telegram bot connected");
        self.poll(ctx);
    }

    fn fail(&mut self, ctx: &mut Context<Self>, error: String) {
        let next = self.restarts.failed(Instant::now());
        let msg = if next.limited {
            format!(
                "{error} (restart limit reached; next attempt in {} s)",
                next.delay.as_secs()
            )
        } else {
            error
        };
        tracing::warn!(account = %self.cfg.key(), error = %msg, "telegram connector failed");
        self.report(ConnState::Error, Some(msg));
        ctx.run_later(next.delay, |act, ctx| act.connect(ctx));
    }

    fn poll(&mut self, ctx: &mut Context<Self>) {
        let Some(offset) = self.offset else {
            // First poll: resume from the persisted offset.
            let load = self.store.kv_get(&self.offset_key());
            ctx.wait(load.into_actor(self).map(|stored, act, ctx| {
                let stored = stored
                    .ok()
                    .flatten()
                    .and_then(|v| v.parse::<i64>().ok())
                    .unwrap_or(0);
                act.offset = Some(stored);
                act.poll(ctx);
            }));
            return;
        };
        let api = Api::new(&self.client, &self.cfg);
        let body = wire::get_updates_body(offset, self.poll_secs);
        let fut = async move { api.call::<Vec<Update>>("getUpdates", &body).await };
        let h = ctx.spawn(fut.into_actor(self).map(|res, act, ctx| {
            act.inflight = None;
            match res {
                Ok(updates) => {
                    act.progressed();
                    act.accept(updates, ctx);
                }
                Err(e) => act.fail(ctx, e),
            }
        }));
        self.watch(h);
    }

    /// Hands the updates to the registry and, once they are in the durable inbox, persists
    /// the next offset and polls again. If the inbox cannot take them the offset stays, so
    /// Telegram hands them over again after the restart.
    fn accept(&mut self, updates: Vec<Update>, ctx: &mut Context<Self>) {
        let Some(max) = updates.iter().map(|u| u.update_id).max() else {
            return self.poll(ctx);
        };
        let sends: Vec<_> = updates
            .iter()
            .filter_map(|u| wire::normalize(&self.cfg.id, self.username.as_deref(), u))
            .map(|msg| self.registry.send(Inbound { msg }))
            .collect();
        let store = self.store.clone();
        let key = self.offset_key();
        let next = max + 1;
        let fut = async move {
            for answer in futures_util::future::join_all(sends).await {
                answer.map_err(|e| format!("channel registry: {e}"))??;
            }
            store
                .kv_put(&key, &next.to_string())
                .await
                .map_err(|e| format!("cannot persist the telegram offset: {e}"))
        };
        ctx.spawn(fut.into_actor(self).map(move |res, act, ctx| match res {
            Ok(()) => {
                act.offset = Some(next);
                act.poll(ctx);
            }
            Err(e) => act.fail(ctx, e),
        }));
    }
}

impl Actor for TelegramConnector {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(self.watchdog.check_every(), |act, ctx| act.check_stall(ctx));
        self.connect(ctx);
    }
}

impl Handler<SendText> for TelegramConnector {
    type Result = ResponseFuture<Result<String, DeliveryError>>;

    fn handle(&mut self, m: SendText, _: &mut Context<Self>) -> Self::Result {
        let api = Api::new(&self.client, &self.cfg);
        Box::pin(async move {
            let sent: wire::Message = match &m.media {
                Some(file) => {
                    let (method, form) = media_form(&m, file);
                    api.call_form(method, form).await
                }
                None => {
                    let mut body = wire::send_message_body(
                        &m.to,
                        &m.text,
                        m.thread_id.as_deref(),
                        m.reply_to.as_deref(),
                        m.silent,
                    );
                    if let Some(markup) = &m.markup {
                        body["reply_markup"] = markup.clone();
                    }
                    api.call_json("sendMessage", &body).await
                }
            }
            .map_err(Fail::into_delivery)?;
            Ok(sent.message_id.to_string())
        })
    }
}

/// The Bot API method and multipart form for one attachment (caption = the text).
fn media_form(m: &SendText, file: &Attachment) -> (&'static str, Form) {
    let (method, field) = wire::media_method(file.kind(m.gif_playback));
    let mut form = Form::new().text("chat_id", &wire::normalize_target(&m.to));
    if !m.text.is_empty() {
        form = form.text("caption", &m.text);
    }
    if let Some(t) = m
        .thread_id
        .as_deref()
        .and_then(|t| t.trim().parse::<i64>().ok())
    {
        form = form.text("message_thread_id", &t.to_string());
    }
    if let Some(r) = m
        .reply_to
        .as_deref()
        .and_then(|r| r.trim().parse::<i64>().ok())
    {
        form = form
            .text("reply_to_message_id", &r.to_string())
            .text("allow_sending_without_reply", "true");
    }
    if m.silent {
        form = form.text("disable_notification", "true");
    }
    if let Some(markup) = &m.markup {
        form = form.text("reply_markup", &markup.to_string());
    }
    (
        method,
        form.file(field, &file.filename, &file.mime, &file.data),
    )
}

impl Handler<StopConnector> for TelegramConnector {
    type Result = ();

    fn handle(&mut self, _: StopConnector, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

/// One account's view of the Bot API.
struct Api {
    client: awc::Client,
    root: String,
    token: String,
}

impl Api {
    fn new(client: &awc::Client, cfg: &ChannelAccount) -> Api {
        Api {
            client: client.clone(),
            root: cfg.api_root.clone(),
            token: cfg
                .token
                .as_ref()
                .map(|t| t.expose().to_string())
                .unwrap_or_default(),
        }
    }

    fn scrub(&self, s: String) -> String {
        if self.token.is_empty() {
            s
        } else {
            s.replace(&self.token, "***")
        }
    }

    /// Calls `method` with a JSON body (`Null` = no body) and unwraps the `result`.
    async fn call<T: DeserializeOwned>(&self, method: &str, body: &Value) -> Result<T, String> {
        self.call_json(method, body).await.map_err(|f| f.message)
    }

    /// [`Api::call`] keeping what the outbox needs to know about a failure.
    async fn call_json<T: DeserializeOwned>(&self, method: &str, body: &Value) -> Result<T, Fail> {
        let body = (!body.is_null()).then(|| {
            (
                "application/json".to_string(),
                Bytes::from(body.to_string()),
            )
        });
        self.call_raw(method, body).await
    }

    /// Calls `method` with a multipart form (uploads) and unwraps the `result`.
    async fn call_form<T: DeserializeOwned>(&self, method: &str, form: Form) -> Result<T, Fail> {
        self.call_raw(method, Some(form.finish())).await
    }

    async fn call_raw<T: DeserializeOwned>(
        &self,
        method: &str,
        body: Option<(String, Bytes)>,
    ) -> Result<T, Fail> {
        let url = format!("{}/bot{}/{method}", self.root, self.token);
        let req = self.client.post(url);
        let sent = match body {
            None => req.send().await,
            Some((ct, b)) => req.insert_header(("content-type", ct)).send_body(b).await,
        };
        let mut resp = sent.map_err(|e| Fail::network(self.scrub(format!("{method}: {e}"))))?;
        let status = resp.status().as_u16();
        let bytes = resp
            .body()
            .limit(MAX_BODY)
            .await
            .map_err(|e| Fail::network(self.scrub(format!("{method}: {e}"))))?;
        let parsed: ApiResponse<T> = serde_json::from_slice(&bytes).map_err(|e| Fail {
            message: format!("{method}: HTTP {status}, unreadable answer: {e}"),
            status: Some(status),
            retry_after_ms: None,
        })?;
        match (parsed.ok, parsed.result) {
            (true, Some(r)) => Ok(r),
            _ => {
                let code = parsed.error_code.unwrap_or(status as i64);
                Err(Fail {
                    message: self.scrub(format!(
                        "{method}: {code} {}",
                        parsed.description.unwrap_or_default()
                    )),
                    status: Some(u16::try_from(code).unwrap_or(status)),
                    retry_after_ms: parsed
                        .parameters
                        .as_ref()
                        .and_then(|p| p["retry_after"].as_f64())
                        .and_then(retry::seconds_to_ms),
                })
            }
        }
    }
}

/// A failed Bot API call: its message (token scrubbed), the error code or HTTP status
/// (`None`: no answer), and `parameters.retry_after`.
struct Fail {
    message: String,
    status: Option<u16>,
    retry_after_ms: Option<u64>,
}

impl Fail {
    fn network(message: String) -> Fail {
        Fail {
            message,
            status: None,
            retry_after_ms: None,
        }
    }

    /// The outbox's view: transient (429, 5xx, no answer) or permanent.
    fn into_delivery(self) -> DeliveryError {
        match self.status {
            None => retry::network_error(self.message),
            Some(s) => retry::http_error(s, self.retry_after_ms, self.message),
        }
    }
}
