//! A session's last route: the chat that last wrote to it (remembered in memory by the
//! dispatcher for every accepted inbound message), so the heartbeat's `target: "last"` can
//! answer there. Lost on restart: until someone writes again, `last` has no target.

use super::{receipt, text_parts, Channels, DeliveryError, DeliveryReceipt};
use actix::prelude::*;

/// Send `text` to the chat that last wrote to `session_key`.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<DeliveryReceipt, DeliveryError>")]
pub struct DeliverToLast {
    /// The session.
    pub session_key: String,
    /// The text (chunked to the platform's limit).
    pub text: String,
}

impl Handler<DeliverToLast> for Channels {
    type Result = ResponseFuture<Result<DeliveryReceipt, DeliveryError>>;

    fn handle(&mut self, m: DeliverToLast, _: &mut Context<Self>) -> Self::Result {
        let found = self.last_routes.get(&m.session_key).and_then(|t| {
            let e = self.entries.get(&t.key)?;
            e.sender.as_ref()?;
            Some((t.clone(), e.cfg.clone()))
        });
        let Some((target, cfg)) = found else {
            let why = format!("no chat has written to {} yet", m.session_key);
            return Box::pin(async move { Err(DeliveryError::NoTarget(why)) });
        };
        if let Some(e) = self.entries.get_mut(&target.key) {
            e.last_outbound_at = Some(crate::storage::now_ms());
        }
        let parts = text_parts(
            &cfg,
            &target.to,
            &m.text,
            target.thread_id.as_deref(),
            None,
            false,
            false,
        );
        let parts = match parts {
            Ok(p) => p,
            Err(e) => return Box::pin(async move { Err(e) }),
        };
        let sent = self.enqueue(&target.key, &target.to, target.thread_id.as_deref(), parts);
        Box::pin(async move { receipt(cfg.kind.as_str(), target.to, sent.await?) })
    }
}
