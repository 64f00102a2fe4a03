//! `WebhookConnector`: one account of the generic webhook channel.
//!
//! - Owns: nothing but its configuration; there is no connection to keep, so it reports
//!   `connected` as soon as it starts.
//! - Started by: [`super::Channels`], one per configured, enabled webhook account. Inbound
//!   messages arrive over HTTP (`crate::http::channels`), not through this actor.
//! - Talks to: the account's `callbackUrl` through the SSRF guard of
//!   [`crate::channels::http_out`] (loopback/private targets only with `allowPrivateNetwork`);
//!   an attachment rides in the JSON as `media: {filename, mimeType, data}` (base64).

use super::{Channels, ConnState, DeliveryError, SendText, SetStatus, StopConnector};
use crate::channels::http_out::{self, OutboundError};
use crate::channels::retry;
use crate::channels::webhook::{callback_body, media_json, sign, SIGNATURE_HEADER};
use crate::config::ChannelAccount;
use actix::prelude::*;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// Deadline for one callback POST.
const CALLBACK_TIMEOUT: Duration = Duration::from_secs(15);

/// The connector actor.
pub struct WebhookConnector {
    cfg: Arc<ChannelAccount>,
    registry: Addr<Channels>,
}

impl WebhookConnector {
    /// A connector for `cfg`.
    pub fn new(cfg: Arc<ChannelAccount>, registry: Addr<Channels>) -> Self {
        WebhookConnector { cfg, registry }
    }
}

impl Actor for WebhookConnector {
    type Context = Context<Self>;

    fn started(&mut self, _: &mut Context<Self>) {
        self.registry.do_send(SetStatus {
            key: self.cfg.key(),
            state: ConnState::Connected,
            user: None,
            user_id: None,
            error: None,
            restarts: 0,
        });
    }
}

impl Handler<SendText> for WebhookConnector {
    type Result = ResponseFuture<Result<String, DeliveryError>>;

    fn handle(&mut self, m: SendText, _: &mut Context<Self>) -> Self::Result {
        let cfg = self.cfg.clone();
        Box::pin(async move {
            let url = cfg
                .callback_url
                .clone()
                .ok_or_else(|| DeliveryError::Failed("no callbackUrl".into()))?;
            let secret = cfg.secret.as_ref().map(|s| s.expose()).unwrap_or_default();
            let generated = uuid::Uuid::now_v7().to_string();
            let mut body = callback_body(
                &cfg.id,
                &generated,
                &m.to,
                &m.text,
                m.thread_id.as_deref(),
                m.reply_to.as_deref(),
                m.silent,
            );
            if let Some(f) = &m.media {
                body["media"] = media_json(f);
            }
            let body = body.to_string().into_bytes();
            let headers = [(SIGNATURE_HEADER, sign(secret, &body))];
            let answer = http_out::post_json(
                &url,
                body,
                &headers,
                cfg.allow_private_network,
                CALLBACK_TIMEOUT,
            )
            .await
            .map_err(|e| match e {
                OutboundError::Status(s) => retry::http_error(s, None, e.to_string()),
                OutboundError::Send(_) | OutboundError::Resolve => {
                    retry::network_error(e.to_string())
                }
                other => DeliveryError::Failed(other.to_string()),
            })?;
            let id = serde_json::from_slice::<Value>(&answer)
                .ok()
                .and_then(|v| match v.get("messageId") {
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(Value::Number(n)) => Some(n.to_string()),
                    _ => None,
                })
                .unwrap_or(generated);
            Ok(id)
        })
    }
}

impl Handler<StopConnector> for WebhookConnector {
    type Result = ();

    fn handle(&mut self, _: StopConnector, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}
