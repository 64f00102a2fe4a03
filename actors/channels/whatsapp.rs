//! `WhatsAppConnector`: one WhatsApp Business Cloud API number.
//!
//! - Owns: the account's awc client and its restart budget.
//! - Started by: [`super::Channels`], one per configured, enabled WhatsApp account. Webhook
//!   deliveries arrive over HTTP (`crate::http::channels_mobile`), are verified there and reach
//!   the registry as [`WhatsAppDelivery`].
//! - Talks to: the Graph API at `apiBaseUrl/apiVersion`: `GET /{phone-number-id}` (token check,
//!   the display number), `POST /{phone-number-id}/messages` (text, media by uploaded id,
//!   templates, read receipts), `POST /{phone-number-id}/media` (multipart upload); the
//!   registry ([`super::SetStatus`]).

use super::supervise::Restarts;
use super::{Channels, ConnState, DeliveryError, SendText, SetStatus, StopConnector};
use crate::channels::multipart::Form;
use crate::channels::retry;
use crate::channels::{policy, whatsapp as wire};
use crate::config::ChannelAccount;
use actix::prelude::*;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Graph API call timeout.
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Verified webhook messages for `account` (from the HTTP handler); answered once they are in
/// the durable inbox (see [`super::Inbound`]).
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<(), String>")]
pub struct WhatsAppDelivery {
    /// Account id.
    pub account: String,
    /// The messages, already normalised.
    pub messages: Vec<crate::channels::InboundMessage>,
}

/// Mark one inbound message as read.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct MarkRead {
    /// The platform message id.
    pub message_id: String,
}

impl Handler<WhatsAppDelivery> for Channels {
    type Result = ResponseActFuture<Self, Result<(), String>>;

    fn handle(&mut self, m: WhatsAppDelivery, ctx: &mut Context<Self>) -> Self::Result {
        let key = format!("whatsapp:{}", m.account);
        let mut msgs = Vec::with_capacity(m.messages.len());
        for mut msg in m.messages {
            msg.account = m.account.clone();
            if let Some(e) = self.entries.get(&key) {
                let accepted = policy::check(&e.cfg, &msg).is_ok();
                if let (true, true, Some(id), Some(r)) = (
                    accepted,
                    e.cfg.read_receipts,
                    msg.message_id.clone(),
                    e.mark_read.clone(),
                ) {
                    r.do_send(MarkRead { message_id: id });
                }
            }
            msgs.push(msg);
        }
        self.ingest(msgs, ctx)
    }
}

/// The connector actor.
pub struct WhatsAppConnector {
    cfg: Arc<ChannelAccount>,
    registry: Addr<Channels>,
    restarts: Restarts,
    client: awc::Client,
}

impl WhatsAppConnector {
    /// A connector for `cfg` (checks its token in `started`).
    pub fn new(cfg: Arc<ChannelAccount>, registry: Addr<Channels>, max_restarts: u32) -> Self {
        WhatsAppConnector {
            cfg,
            registry,
            restarts: Restarts::new(max_restarts),
            client: awc::Client::builder().timeout(HTTP_TIMEOUT).finish(),
        }
    }

    fn report(&mut self, state: ConnState, user: Option<String>, error: Option<String>) {
        let restarts = self.restarts.in_window(Instant::now());
        self.registry.do_send(SetStatus {
            key: self.cfg.key(),
            state,
            user_id: user.clone(),
            user,
            error,
            restarts,
        });
    }

    fn connect(&mut self, ctx: &mut Context<Self>) {
        self.report(ConnState::Connecting, None, None);
        let api = Graph::new(&self.client, &self.cfg);
        let fut = async move { api.get_phone().await };
        ctx.spawn(fut.into_actor(self).map(|res, act, ctx| match res {
            Ok(v) => {
                act.restarts.succeeded();
                let number = v["display_phone_number"]
                    .as_str()
                    .map(|n| {
                        let digits: String = n.chars().filter(char::is_ascii_digit).collect();
                        format!("+{digits}")
                    })
                    .or_else(|| act.cfg.phone.clone());
                act.report(ConnState::Connected, number, None);
            }
            Err(e) => {
                let next = act.restarts.failed(Instant::now());
                tracing::warn!(account = %act.cfg.key(), error = %e, "whatsapp phone number check failed");
                act.report(ConnState::Error, None, Some(e));
                ctx.run_later(next.delay, |act, ctx| act.connect(ctx));
            }
        }));
    }
}

impl Actor for WhatsAppConnector {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.connect(ctx);
    }
}

impl Handler<SendText> for WhatsAppConnector {
    type Result = ResponseFuture<Result<String, DeliveryError>>;

    fn handle(&mut self, m: SendText, _: &mut Context<Self>) -> Self::Result {
        let api = Graph::new(&self.client, &self.cfg);
        Box::pin(async move {
            let reply_to = m.reply_to.as_deref();
            let mut id = String::new();
            if let Some(t) = &m.card {
                id = api.send(&wire::template_body(&m.to, t)).await?;
            }
            if let Some(file) = &m.media {
                let kind = wire::media_type(file, m.gif_playback);
                let media_id = api.upload(file).await?;
                let body =
                    wire::media_body(&m.to, kind, &media_id, &m.text, &file.filename, reply_to);
                id = api.send(&body).await?;
                if kind == "audio" && !m.text.is_empty() {
                    id = api.send(&wire::text_body(&m.to, &m.text, None)).await?;
                }
            } else if !m.text.is_empty() {
                id = api.send(&wire::text_body(&m.to, &m.text, reply_to)).await?;
            }
            Ok(id)
        })
    }
}

impl Handler<MarkRead> for WhatsAppConnector {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, m: MarkRead, _: &mut Context<Self>) -> Self::Result {
        let api = Graph::new(&self.client, &self.cfg);
        let key = self.cfg.key();
        Box::pin(async move {
            if let Err(e) = api.send(&wire::read_body(&m.message_id)).await {
                tracing::debug!(account = %key, error = %e, "whatsapp read receipt failed");
            }
        })
    }
}

impl Handler<StopConnector> for WhatsAppConnector {
    type Result = ();

    fn handle(&mut self, _: StopConnector, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

/// One number's view of the Graph API.
struct Graph {
    client: awc::Client,
    /// `…/{version}/{phone-number-id}`.
    root: String,
    auth: String,
}

impl Graph {
    fn new(client: &awc::Client, cfg: &ChannelAccount) -> Graph {
        let token = cfg.token.as_ref().map(|t| t.expose()).unwrap_or_default();
        Graph {
            client: client.clone(),
            root: format!(
                "{}/{}",
                cfg.api_root,
                cfg.phone.as_deref().unwrap_or_default()
            ),
            auth: format!("Bearer {token}"),
        }
    }

    async fn get_phone(&self) -> Result<Value, String> {
        let req = self
            .client
            .get(format!(
                "{}?fields=display_phone_number,verified_name",
                self.root
            ))
            .insert_header(("authorization", self.auth.as_str()));
        Self::answer("phone number", req.send().await).await
    }

    /// `POST /messages`; the new message id.
    async fn send(&self, body: &Value) -> Result<String, DeliveryError> {
        let req = self
            .client
            .post(format!("{}/messages", self.root))
            .insert_header(("authorization", self.auth.as_str()));
        let v = Self::classify("messages", req.send_json(body).await).await?;
        Ok(wire::sent_id(&v).unwrap_or_default())
    }

    /// `POST /media` (multipart `messaging_product`, `type`, `file`); the media id.
    async fn upload(
        &self,
        f: &crate::channels::media::Attachment,
    ) -> Result<String, DeliveryError> {
        let (ct, body) = Form::new()
            .text("messaging_product", "whatsapp")
            .text("type", &f.mime)
            .file("file", &f.filename, &f.mime, &f.data)
            .finish();
        let req = self
            .client
            .post(format!("{}/media", self.root))
            .insert_header(("authorization", self.auth.as_str()))
            .insert_header(("content-type", ct));
        let v = Self::classify("media", req.send_body(body).await).await?;
        v["id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| DeliveryError::Failed("media: no id in the answer".into()))
    }

    async fn answer(
        what: &str,
        sent: Result<awc::ClientResponse, awc::error::SendRequestError>,
    ) -> Result<Value, String> {
        Self::classify(what, sent).await.map_err(retry::reason)
    }

    /// The Graph answer, a failure classified for the outbox: transient on HTTP 429/5xx,
    /// no answer, or Meta's rate-limit codes (4, 80007, 130429, 131056) whatever the status.
    async fn classify(
        what: &str,
        sent: Result<awc::ClientResponse, awc::error::SendRequestError>,
    ) -> Result<Value, DeliveryError> {
        let mut resp = sent.map_err(|e| retry::network_error(format!("{what}: {e}")))?;
        let status = resp.status().as_u16();
        let after = retry::retry_after_header(resp.headers());
        let v: Value = resp.json().limit(1024 * 1024).await.unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            return Ok(v);
        }
        let why = format!("{what}: {}", wire::error_of(&v, status));
        let rate_limited = matches!(
            v["error"]["code"].as_i64(),
            Some(4 | 80007 | 130429 | 131056)
        );
        Err(if rate_limited {
            DeliveryError::Transient {
                error: why,
                retry_after_ms: after,
            }
        } else {
            retry::http_error(status, after, why)
        })
    }
}
