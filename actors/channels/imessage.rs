//! `IMessageConnector`: one BlueBubbles server (iMessage).
//!
//! - Owns: the account's awc client and its restart budget.
//! - Started by: [`super::Channels`], one per configured, enabled iMessage account. Webhooks
//!   arrive over HTTP (`crate::http::channels_mobile`), are authenticated there and reach the
//!   registry as [`super::Inbound`].
//! - Talks to: the BlueBubbles REST API at `serverUrl` (`GET /api/v1/ping`,
//!   `POST /api/v1/message/text`, `POST /api/v1/message/attachment`), every call with
//!   `?password=…`; the registry ([`super::SetStatus`]).

use super::supervise::Restarts;
use super::{Channels, ConnState, DeliveryError, SendText, SetStatus, StopConnector};
use crate::channels::bluebubbles as wire;
use crate::channels::multipart::Form;
use crate::channels::retry;
use crate::config::ChannelAccount;
use actix::prelude::*;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// REST call timeout.
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// The connector actor.
pub struct IMessageConnector {
    cfg: Arc<ChannelAccount>,
    registry: Addr<Channels>,
    restarts: Restarts,
    client: awc::Client,
}

impl IMessageConnector {
    /// A connector for `cfg` (pings the server in `started`).
    pub fn new(cfg: Arc<ChannelAccount>, registry: Addr<Channels>, max_restarts: u32) -> Self {
        IMessageConnector {
            cfg,
            registry,
            restarts: Restarts::new(max_restarts),
            client: awc::Client::builder().timeout(HTTP_TIMEOUT).finish(),
        }
    }

    fn report(&mut self, state: ConnState, error: Option<String>) {
        let restarts = self.restarts.in_window(Instant::now());
        self.registry.do_send(SetStatus {
            key: self.cfg.key(),
            state,
            user: self.cfg.name.clone(),
            user_id: None,
            error,
            restarts,
        });
    }

    fn connect(&mut self, ctx: &mut Context<Self>) {
        self.report(ConnState::Connecting, None);
        let api = Api::new(&self.client, &self.cfg);
        let fut = async move { api.ping().await };
        ctx.spawn(fut.into_actor(self).map(|res, act, ctx| match res {
            Ok(()) => {
                act.restarts.succeeded();
                act.report(ConnState::Connected, None);
            }
            Err(e) => {
                let next = act.restarts.failed(Instant::now());
                tracing::warn!(account = %act.cfg.key(), error = %e, "bluebubbles ping failed");
                act.report(ConnState::Error, Some(e));
                ctx.run_later(next.delay, |act, ctx| act.connect(ctx));
            }
        }));
    }
}

impl Actor for IMessageConnector {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.connect(ctx);
    }
}

impl Handler<SendText> for IMessageConnector {
    type Result = ResponseFuture<Result<String, DeliveryError>>;

    fn handle(&mut self, m: SendText, _: &mut Context<Self>) -> Self::Result {
        let api = Api::new(&self.client, &self.cfg);
        Box::pin(async move {
            let mut id = String::new();
            if let Some(f) = &m.media {
                let temp = uuid::Uuid::new_v4().to_string();
                let (ct, body) = Form::new()
                    .text("chatGuid", &wire::chat_guid(&m.to))
                    .text("tempGuid", &temp)
                    .text("name", &f.filename)
                    .text("method", "apple-script")
                    .file("attachment", &f.filename, &f.mime, &f.data)
                    .finish();
                let v = api.post("message/attachment", Some(ct), body).await?;
                id = wire::sent_guid(&v, &temp);
            }
            if !m.text.is_empty() {
                let temp = uuid::Uuid::new_v4().to_string();
                let body = wire::text_body(&m.to, &m.text, &temp, m.reply_to.as_deref());
                let v = api
                    .post("message/text", None, body.to_string().into())
                    .await?;
                id = wire::sent_guid(&v, &temp);
            }
            Ok(id)
        })
    }
}

impl Handler<StopConnector> for IMessageConnector {
    type Result = ();

    fn handle(&mut self, _: StopConnector, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

/// One server's REST API.
struct Api {
    client: awc::Client,
    root: String,
    password: String,
}

impl Api {
    fn new(client: &awc::Client, cfg: &ChannelAccount) -> Api {
        Api {
            client: client.clone(),
            root: format!("{}/api/v1", cfg.api_root),
            password: cfg
                .token
                .as_ref()
                .map(|t| t.expose().to_string())
                .unwrap_or_default(),
        }
    }

    async fn ping(&self) -> Result<(), String> {
        let req = self
            .client
            .get(format!("{}/ping", self.root))
            .query(&[("password", self.password.as_str())])
            .map_err(|e| format!("ping: {e}"))?;
        Self::answer("ping", req.send().await).await.map(|_| ())
    }

    /// POSTs `body` (JSON unless `content_type` says otherwise) to `/api/v1/<path>`.
    async fn post(
        &self,
        path: &str,
        content_type: Option<String>,
        body: bytes::Bytes,
    ) -> Result<Value, DeliveryError> {
        let req = self
            .client
            .post(format!("{}/{path}", self.root))
            .query(&[("password", self.password.as_str())])
            .map_err(|e| DeliveryError::Failed(format!("{path}: {e}")))?
            .insert_header((
                "content-type",
                content_type.unwrap_or_else(|| "application/json".into()),
            ));
        Self::classify(path, req.send_body(body).await).await
    }

    /// `{status, message, data}`; the error names the server's message, never the password.
    async fn answer(
        what: &str,
        sent: Result<awc::ClientResponse, awc::error::SendRequestError>,
    ) -> Result<Value, String> {
        Self::classify(what, sent).await.map_err(retry::reason)
    }

    /// [`Api::answer`] with the failure classified for the outbox (429/5xx/no answer:
    /// transient).
    async fn classify(
        what: &str,
        sent: Result<awc::ClientResponse, awc::error::SendRequestError>,
    ) -> Result<Value, DeliveryError> {
        let mut resp =
            sent.map_err(|e| retry::network_error(format!("{what}: request failed: {e}")))?;
        let status = resp.status().as_u16();
        let after = retry::retry_after_header(resp.headers());
        let v: Value = resp.json().limit(1024 * 1024).await.unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            Ok(v)
        } else {
            let why = v["error"]["message"]
                .as_str()
                .or(v["message"].as_str())
                .unwrap_or("request failed");
            Err(retry::http_error(
                status,
                after,
                format!("{what}: HTTP {status}: {why}"),
            ))
        }
    }
}
