//! Shared-secret rotation: when a config reload changes the gateway token or password (or the
//! auth mode), the WebSocket clients accepted under the old secret are closed with 4001
//! `gateway auth changed`, as OpenClaw does; device-token clients and clients whose secret is
//! unchanged stay connected.

use super::WsHub;
use crate::ws::frames::CloseDirective;
use actix::prelude::*;

/// The close code OpenClaw uses when the shared secret rotates.
pub const AUTH_CHANGED_CODE: u16 = 4001;

/// The shared secret in force changed; answers how many clients were closed.
#[derive(Message)]
#[rtype(result = "usize")]
pub struct AuthChanged {
    /// [`crate::auth::secret_fingerprint`] of the new auth settings.
    pub fingerprint: [u8; 32],
}

impl Handler<AuthChanged> for WsHub {
    type Result = usize;
    fn handle(&mut self, msg: AuthChanged, _: &mut Self::Context) -> usize {
        let stale: Vec<String> = self
            .clients
            .iter()
            .filter(|(_, c)| c.secret.is_some_and(|s| s != msg.fingerprint))
            .map(|(id, _)| id.clone())
            .collect();
        for id in &stale {
            if let Some(c) = self.clients.get(id) {
                c.outbox.close(CloseDirective::new(
                    AUTH_CHANGED_CODE,
                    "gateway auth changed",
                ));
            }
            self.remove(id);
        }
        if !stale.is_empty() {
            tracing::info!(
                closed = stale.len(),
                "closed WebSocket clients holding the previous gateway secret"
            );
        }
        stale.len()
    }
}
