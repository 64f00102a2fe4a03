//! A session's last route: the chat that last wrote to it (account, chat, thread), remembered
//! by the dispatcher for every accepted inbound message and stored in the kv store under
//! `channels.lastRoute:<session key>`, so it survives a restart.
//!
//! Every producer resolves `channel: "last"` here, the same way: a [`Deliver`] with channel
//! `last` (WS `send`, hooks, cron announce, the `message` tool, a turn's `deliver`) uses the
//! route of its `session_key` (none: the default agent's main session); the heartbeat's
//! `target: "last"` sends [`DeliverToLast`] for its session. An explicit `to` keeps the
//! route's account but names another chat.

use super::dispatch::ReplyTarget;
use super::{Channels, DeliveryError, DeliveryReceipt};
use crate::channels::Deliver;
use crate::storage::Store;
use actix::prelude::*;
use std::future::Future;

/// The kv key prefix of stored last routes.
pub const LAST_ROUTE_PREFIX: &str = "channels.lastRoute:";

/// Send `text` to the chat that last wrote to `session_key`.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<DeliveryReceipt, DeliveryError>")]
pub struct DeliverToLast {
    /// The session.
    pub session_key: String,
    /// The text (chunked to the platform's limit).
    pub text: String,
}

impl Channels {
    /// Records `target` as the last route of `session_key` (stored when it changed).
    pub(super) fn remember_route(
        &mut self,
        session_key: &str,
        target: &ReplyTarget,
        ctx: &mut Context<Self>,
    ) {
        let same = self.last_routes.get(session_key).is_some_and(|t| {
            t.key == target.key && t.to == target.to && t.thread_id == target.thread_id
        });
        self.last_routes
            .insert(session_key.to_string(), target.clone());
        if same {
            return;
        }
        let Ok(json) = serde_json::to_string(target) else {
            return;
        };
        let write = self
            .store
            .kv_put(&format!("{LAST_ROUTE_PREFIX}{session_key}"), &json);
        // Waited for, so two changes of one route are stored in order.
        ctx.wait(write.into_actor(self).map(|r, _, _| {
            if let Err(e) = r {
                tracing::warn!(error = %e, "could not store a session's last route");
            }
        }));
    }

    /// The last route of `session_key`: remembered, else stored.
    fn route_of(&self, session_key: &str) -> impl Future<Output = Option<ReplyTarget>> + 'static {
        let known = self.last_routes.get(session_key).cloned();
        let store: Store = self.store.clone();
        let key = format!("{LAST_ROUTE_PREFIX}{session_key}");
        async move {
            if known.is_some() {
                return known;
            }
            match store.kv_get(&key).await {
                Ok(Some(v)) => serde_json::from_str(&v).ok(),
                Ok(None) => None,
                Err(e) => {
                    tracing::warn!(error = %e, "could not read a session's last route");
                    None
                }
            }
        }
    }

    /// Delivers `msg` (channel `last`) to its session's last route.
    pub(super) fn deliver_to_last(
        &self,
        msg: Deliver,
        me: Addr<Channels>,
    ) -> impl Future<Output = Result<DeliveryReceipt, DeliveryError>> + 'static {
        let session = msg
            .session_key
            .clone()
            .unwrap_or_else(|| self.config.main_session_key(&self.config.default_agent));
        let route = self.route_of(&session);
        async move {
            let Some(t) = route.await else {
                return Err(DeliveryError::NoTarget(format!(
                    "no chat has written to {session} yet"
                )));
            };
            let explicit = msg.to.clone().filter(|t| !t.trim().is_empty());
            let thread_id = match &explicit {
                Some(_) => msg.thread_id.clone(),
                None => msg.thread_id.clone().or(t.thread_id),
            };
            let resolved = Deliver {
                channel: t.key,
                to: Some(explicit.unwrap_or(t.to)),
                thread_id,
                session_key: None,
                ..msg
            };
            me.send(resolved)
                .await
                .map_err(|e| DeliveryError::Failed(format!("last: {e}")))?
        }
    }
}

impl Handler<DeliverToLast> for Channels {
    type Result = ResponseFuture<Result<DeliveryReceipt, DeliveryError>>;

    fn handle(&mut self, m: DeliverToLast, ctx: &mut Context<Self>) -> Self::Result {
        let msg = Deliver {
            session_key: Some(m.session_key),
            ..Deliver::text("last", None, m.text)
        };
        Box::pin(self.deliver_to_last(msg, ctx.address()))
    }
}
