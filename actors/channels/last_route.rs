//! A session's last route: the chat that last wrote to it (remembered in memory by the
//! dispatcher for every accepted inbound message), so the heartbeat's `target: "last"` can
//! answer there. Lost on restart: until someone writes again, `last` has no target.

use super::{send_chunks, Channels, DeliveryError, DeliveryReceipt};
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
            Some((t.clone(), e.cfg.clone(), e.sender.clone()?))
        });
        let Some((target, cfg, sender)) = found else {
            let why = format!("no chat has written to {} yet", m.session_key);
            return Box::pin(async move { Err(DeliveryError::NoTarget(why)) });
        };
        if let Some(e) = self.entries.get_mut(&target.key) {
            e.last_outbound_at = Some(crate::storage::now_ms());
        }
        Box::pin(async move {
            let ids = send_chunks(
                &sender,
                &cfg,
                &target.to,
                &m.text,
                target.thread_id.as_deref(),
                None,
                false,
                false,
            )
            .await?;
            Ok(DeliveryReceipt {
                channel: cfg.kind.as_str().to_string(),
                to: target.to,
                message_ids: ids,
            })
        })
    }
}
