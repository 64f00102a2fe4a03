//! `TelegramConnector`: one Telegram bot account over the Bot API (HTTPS, awc).
//!
//! - Owns: the account's awc client, the `getUpdates` offset (persisted in the store's `kv`
//!   table under `channel.telegram.<account>.offset` before the next poll, so a restart never
//!   hands the same update over twice), the bot's username, its restart budget.
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
//! [`super::supervise::Restarts`]. The token is part of every URL, so URLs are never logged and
//! error texts are scrubbed of it.

#[path = "telegram_webhook.rs"]
mod webhook_mode;

pub use webhook_mode::TelegramUpdate;

use super::supervise::Restarts;
use super::{Channels, ConnState, DeliveryError, Inbound, SendText, SetStatus, StopConnector};
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

/// Long-poll duration asked of `getUpdates`.
pub const POLL_TIMEOUT_SECS: u64 = 25;
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
        }
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
        ctx.spawn(fut.into_actor(self).map(|res, act, ctx| match res {
            Ok(me) => {
                act.username = me.username;
                act.choose_ingress(ctx);
            }
            Err(e) => act.fail(ctx, e),
        }));
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
        let body = wire::get_updates_body(offset, POLL_TIMEOUT_SECS);
        let fut = async move { api.call::<Vec<Update>>("getUpdates", &body).await };
        ctx.spawn(fut.into_actor(self).map(|res, act, ctx| match res {
            Ok(updates) => match act.accept(updates) {
                // Persist the next offset before polling again.
                Some(saved) => {
                    ctx.wait(saved.into_actor(act).map(|res, act, ctx| {
                        if let Err(e) = res {
                            tracing::error!(account = %act.cfg.key(), error = %e, "cannot persist the telegram offset");
                        }
                        act.poll(ctx);
                    }));
                }
                None => act.poll(ctx),
            },
            Err(e) => act.fail(ctx, e),
        }));
    }

    /// Hands the updates to the registry; returns the write of the next offset, if any.
    fn accept(&mut self, updates: Vec<Update>) -> Option<crate::storage::StoreFuture<()>> {
        let max = updates.iter().map(|u| u.update_id).max()?;
        for u in &updates {
            if let Some(msg) = wire::normalize(&self.cfg.id, self.username.as_deref(), u) {
                self.registry.do_send(Inbound { msg });
            }
        }
        let next = max + 1;
        self.offset = Some(next);
        Some(self.store.kv_put(&self.offset_key(), &next.to_string()))
    }
}

impl Actor for TelegramConnector {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
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
