//! `SlackConnector`: one Slack app account (Events API over HTTP or Socket Mode + Web API).
//!
//! - Owns: the account's awc client, the bot identity from `auth.test`, its restart budget.
//! - Started by: [`super::Channels`], one per configured, enabled Slack account. Events arrive
//!   over HTTP (`crate::http::channels`), are verified there, and reach the registry as
//!   [`SlackEvent`], which is normalised with the bot's user id (mention detection). In Socket
//!   Mode (`mode: "socket"`) it starts a [`super::slack_socket::SlackSocket`] after
//!   `auth.test`, which hands over the same [`SlackEvent`]s.
//! - Talks to: the Web API at `apiRoot` (`auth.test`, `chat.postMessage` with `thread_ts` and
//!   `blocks` for cards; attachments through `files.getUploadURLExternal`, the upload URL and
//!   `files.completeUploadExternal`);
//!   the registry ([`super::SetStatus`]).

use super::supervise::{Restarts, WatchdogConfig};
use super::{Channels, ConnState, DeliveryError, SendText, SetStatus, StopConnector};
use crate::channels::media::Attachment;
use crate::channels::retry;
use crate::channels::slack as wire;
use crate::config::{ChannelAccount, Ingress};
use actix::prelude::*;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Web API call timeout.
const HTTP_TIMEOUT: Duration = Duration::from_secs(20);

/// A verified Events API event for `account` (from the HTTP handler); answered once its
/// message is in the durable inbox (see [`super::Inbound`]).
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<(), String>")]
pub struct SlackEvent {
    /// Account id.
    pub account: String,
    /// The `event` object.
    pub event: Value,
}

impl Handler<SlackEvent> for Channels {
    type Result = ResponseActFuture<Self, Result<(), String>>;

    fn handle(&mut self, m: SlackEvent, ctx: &mut Context<Self>) -> Self::Result {
        let key = format!("slack:{}", m.account);
        let bot = self.entries.get(&key).and_then(|e| e.user_id.clone());
        let msgs = wire::normalize(&m.account, bot.as_deref(), &m.event);
        self.ingest(msgs.into_iter().collect(), ctx)
    }
}

/// The connector actor.
pub struct SlackConnector {
    cfg: Arc<ChannelAccount>,
    registry: Addr<Channels>,
    restarts: Restarts,
    client: awc::Client,
    /// The Socket Mode connection, in socket mode once `auth.test` succeeded.
    socket: Option<Addr<super::slack_socket::SlackSocket>>,
    max_restarts: u32,
    watchdog: WatchdogConfig,
}

impl SlackConnector {
    /// A connector for `cfg` (checks its token in `started`).
    pub fn new(cfg: Arc<ChannelAccount>, registry: Addr<Channels>, max_restarts: u32) -> Self {
        SlackConnector {
            cfg,
            registry,
            restarts: Restarts::new(max_restarts),
            client: awc::Client::builder().timeout(HTTP_TIMEOUT).finish(),
            socket: None,
            max_restarts,
            watchdog: WatchdogConfig::default(),
        }
    }

    /// Applies `gateway.channelStallTimeoutSeconds` to the Socket Mode connection.
    pub fn with_watchdog(mut self, w: WatchdogConfig) -> Self {
        self.watchdog = w;
        self
    }

    fn report(&mut self, state: ConnState, user: Option<(String, String)>, error: Option<String>) {
        let restarts = self.restarts.in_window(Instant::now());
        let (user, user_id) = match user {
            Some((name, id)) => (Some(format!("@{name}")), Some(id)),
            None => (None, None),
        };
        self.registry.do_send(SetStatus {
            key: self.cfg.key(),
            state,
            user,
            user_id,
            error,
            restarts,
        });
    }

    fn connect(&mut self, ctx: &mut Context<Self>) {
        self.report(ConnState::Connecting, None, None);
        let api = Api::new(&self.client, &self.cfg);
        let fut = async move { api.call("auth.test", &json!({})).await };
        ctx.spawn(fut.into_actor(self).map(|res, act, ctx| match res {
            Ok(v) => {
                act.restarts.succeeded();
                let name = v["user"].as_str().unwrap_or_default().to_string();
                let id = v["user_id"].as_str().unwrap_or_default().to_string();
                let socket_mode = matches!(act.cfg.ingress, Ingress::SlackSocket { .. });
                if socket_mode && act.socket.is_none() {
                    // Connected once the socket says hello.
                    act.report(ConnState::Connecting, Some((name, id)), None);
                    let max = act.max_restarts;
                    act.socket = Some(
                        super::slack_socket::SlackSocket::new(
                            act.cfg.clone(),
                            act.registry.clone(),
                            max,
                        )
                        .with_watchdog(act.watchdog)
                        .start(),
                    );
                } else {
                    act.report(ConnState::Connected, Some((name, id)), None);
                }
            }
            Err(e) => {
                let next = act.restarts.failed(Instant::now());
                tracing::warn!(account = %act.cfg.key(), error = %e, "slack auth.test failed");
                act.report(ConnState::Error, None, Some(e));
                ctx.run_later(next.delay, |act, ctx| act.connect(ctx));
            }
        }));
    }
}

impl Actor for SlackConnector {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.connect(ctx);
    }
}

impl Handler<SendText> for SlackConnector {
    type Result = ResponseFuture<Result<String, DeliveryError>>;

    fn handle(&mut self, m: SendText, _: &mut Context<Self>) -> Self::Result {
        let api = Api::new(&self.client, &self.cfg);
        Box::pin(async move {
            let post_text = m.media.is_none() || m.card.is_some();
            let mut id = String::new();
            if post_text {
                let mut body = wire::post_message_body(
                    &m.to,
                    &m.text,
                    m.thread_id.as_deref(),
                    m.reply_to.as_deref(),
                );
                if let Some(blocks) = &m.card {
                    body["blocks"] = blocks.clone();
                }
                let v = api.send("chat.postMessage", &body).await?;
                id = v["ts"].as_str().unwrap_or_default().to_string();
            }
            if let Some(file) = &m.media {
                // The text already went with the card; otherwise it is the file's comment.
                let comment = (!post_text && !m.text.is_empty()).then_some(m.text.as_str());
                id = api.upload(&m, file, comment).await?;
            }
            Ok(id)
        })
    }
}

impl Handler<StopConnector> for SlackConnector {
    type Result = ();

    fn handle(&mut self, _: StopConnector, ctx: &mut Context<Self>) {
        if let Some(s) = self.socket.take() {
            s.do_send(StopConnector);
        }
        ctx.stop();
    }
}

/// One account's view of the Web API.
struct Api {
    client: awc::Client,
    root: String,
    auth: String,
}

impl Api {
    fn new(client: &awc::Client, cfg: &ChannelAccount) -> Api {
        let token = cfg.token.as_ref().map(|t| t.expose()).unwrap_or_default();
        Api {
            client: client.clone(),
            root: cfg.api_root.clone(),
            auth: format!("Bearer {token}"),
        }
    }

    /// Slack's upload flow: `files.getUploadURLExternal` (form-encoded `filename`, `length`),
    /// the bytes POSTed to the returned `upload_url`, then `files.completeUploadExternal`
    /// sharing the file to the channel (and thread). Returns the file id.
    async fn upload(
        &self,
        m: &SendText,
        file: &Attachment,
        comment: Option<&str>,
    ) -> Result<String, DeliveryError> {
        let form = [
            ("filename", file.filename.clone()),
            ("length", file.data.len().to_string()),
        ];
        let method = "files.getUploadURLExternal";
        let req = self
            .client
            .post(format!("{}/{method}", self.root))
            .insert_header(("authorization", self.auth.as_str()));
        let v = Self::classify(method, req.send_form(&form).await).await?;
        let (Some(url), Some(file_id)) = (v["upload_url"].as_str(), v["file_id"].as_str()) else {
            return Err(DeliveryError::Failed(format!(
                "{method}: no upload_url in the answer"
            )));
        };
        let resp = self
            .client
            .post(url)
            .insert_header(("content-type", file.mime.as_str()))
            .send_body(file.data.clone())
            .await
            .map_err(|e| retry::network_error(format!("file upload: {e}")))?;
        if !resp.status().is_success() {
            let status = resp.status().as_u16();
            let after = retry::retry_after_header(resp.headers());
            return Err(retry::http_error(
                status,
                after,
                format!("file upload: HTTP {status}"),
            ));
        }
        let mut done = json!({"files": [{"id": file_id, "title": file.filename}],
            "channel_id": wire::normalize_target(&m.to)});
        if let Some(c) = comment {
            done["initial_comment"] = json!(c);
        }
        if let Some(t) = m.thread_id.as_deref().or(m.reply_to.as_deref()) {
            done["thread_ts"] = json!(t);
        }
        self.send("files.completeUploadExternal", &done).await?;
        Ok(file_id.to_string())
    }

    /// Calls `method`; `Err` carries Slack's `error` code (never the token).
    async fn call(&self, method: &str, body: &Value) -> Result<Value, String> {
        self.send(method, body).await.map_err(retry::reason)
    }

    /// [`Api::call`] with the failure classified for the outbox.
    async fn send(&self, method: &str, body: &Value) -> Result<Value, DeliveryError> {
        let sent = self
            .client
            .post(format!("{}/{method}", self.root))
            .insert_header(("authorization", self.auth.as_str()))
            .insert_header(("content-type", "application/json; charset=utf-8"))
            .send_json(body)
            .await;
        Self::classify(method, sent).await
    }

    /// Unwraps a Web API answer: `ok: true`, or Slack's `error` code — transient for HTTP
    /// 429 (with `Retry-After`), 5xx and Slack's own `ratelimited` / `*_error` /
    /// `service_unavailable` / `request_timeout` codes.
    async fn classify(
        method: &str,
        sent: Result<awc::ClientResponse, awc::error::SendRequestError>,
    ) -> Result<Value, DeliveryError> {
        let mut resp = sent.map_err(|e| retry::network_error(format!("{method}: {e}")))?;
        let status = resp.status().as_u16();
        let after = retry::retry_after_header(resp.headers());
        let v: Value = match resp.json().limit(4 * 1024 * 1024).await {
            Ok(v) => v,
            Err(e) => {
                let why = format!("{method}: HTTP {status}, unreadable answer: {e}");
                return Err(if (200..300).contains(&status) {
                    DeliveryError::Failed(why)
                } else {
                    retry::http_error(status, after, why)
                });
            }
        };
        if v["ok"].as_bool() == Some(true) {
            return Ok(v);
        }
        let code = v["error"].as_str().unwrap_or("request failed");
        let why = format!("{method}: {code}");
        let transient_code = matches!(
            code,
            "ratelimited"
                | "internal_error"
                | "fatal_error"
                | "service_unavailable"
                | "request_timeout"
        );
        Err(if transient_code && status < 300 {
            DeliveryError::Transient {
                error: why,
                retry_after_ms: after,
            }
        } else {
            retry::http_error(status, after, why)
        })
    }
}
