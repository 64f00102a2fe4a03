//! Telegram webhook mode of [`super::TelegramConnector`]: after `getMe`, either register the
//! webhook (`setWebhook` with the URL and `secret_token`; remembered first, in the store's `kv`
//! table under `channel.telegram.<account>.webhook`) or, in polling mode, remove a webhook set by an
//! earlier run (`deleteWebhook`) before the first `getUpdates`.
//!
//! Updates POSTed to the webhook path are verified and normalised by
//! `crate::http::channels_telegram` and reach the registry as [`TelegramUpdate`].

use super::super::{Channels, ConnState};
use super::{wire, Api, TelegramConnector};
use crate::config::Ingress;
use actix::prelude::*;

/// A verified webhook update for `account` (from the HTTP handler); answered once the message
/// is in the durable inbox (or was refused), so the webhook is acknowledged only after that.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<(), String>")]
pub struct TelegramUpdate {
    /// Account id.
    pub account: String,
    /// The update.
    pub update: wire::Update,
}

impl Handler<TelegramUpdate> for Channels {
    type Result = ResponseActFuture<Self, Result<(), String>>;

    fn handle(&mut self, m: TelegramUpdate, ctx: &mut Context<Self>) -> Self::Result {
        let key = format!("telegram:{}", m.account);
        let bot = self
            .entries
            .get(&key)
            .and_then(|e| e.user.as_deref())
            .map(|u| u.trim_start_matches('@').to_string());
        let msgs = wire::normalize(&m.account, bot.as_deref(), &m.update);
        self.ingest(msgs.into_iter().collect(), ctx)
    }
}

/// The value stored while a webhook set by this gateway is registered.
const SET: &str = "set";

impl TelegramConnector {
    fn webhook_key(&self) -> String {
        format!("channel.telegram.{}.webhook", self.cfg.id)
    }

    /// Webhook mode: `setWebhook`; polling mode: `deleteWebhook` if one of ours is set, then poll.
    pub(super) fn choose_ingress(&mut self, ctx: &mut Context<Self>) {
        let api = Api::new(&self.client, &self.cfg);
        let store = self.store.clone();
        let marker = self.webhook_key();
        if let Ingress::TelegramWebhook { url, secret, .. } = &self.cfg.ingress {
            let body = wire::set_webhook_body(url, secret.expose());
            // Remembered before the call: a gateway stopped (or killed) between the two must
            // not leave a webhook of ours registered that the next polling start skips.
            let fut = async move {
                store
                    .kv_put(&marker, SET)
                    .await
                    .map_err(|e| format!("cannot remember the webhook: {e}"))?;
                api.call::<bool>("setWebhook", &body).await.map(drop)
            };
            ctx.spawn(fut.into_actor(self).map(|res, act, ctx| match res {
                Ok(()) => {
                    act.restarts.succeeded();
                    act.report(ConnState::Connected, None);
                    tracing::info!(account = %act.cfg.key(), "telegram webhook registered");
                }
                Err(e) => act.fail(ctx, e),
            }));
            return;
        }
        let fut = async move {
            if store.kv_get(&marker).await.ok().flatten().as_deref() != Some(SET) {
                return Ok(());
            }
            api.call::<bool>("deleteWebhook", &serde_json::json!({}))
                .await?;
            store
                .kv_put(&marker, "")
                .await
                .map_err(|e| format!("cannot forget the webhook: {e}"))
        };
        ctx.spawn(fut.into_actor(self).map(|res, act, ctx| match res {
            Ok(()) => act.start_polling(ctx),
            Err(e) => act.fail(ctx, e),
        }));
    }
}
