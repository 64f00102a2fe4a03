//! What every WebSocket connection shares: the broadcast hub, the idempotency cache (shared so
//! a retry after a reconnect still finds its run) and the limits.

use crate::actors::router::Router;
use crate::actors::ws_hub::WsHub;
use crate::config::WsConfig;
use crate::core::dedupe::DedupeCache;
use crate::ws::health::HealthCache;
use actix::{Actor, Addr};
use std::sync::Arc;

/// Shared WebSocket state, part of [`crate::state::AppState`].
#[derive(Clone)]
pub struct WsShared {
    /// The broadcast hub.
    pub hub: Addr<WsHub>,
    /// The application's in-memory idempotency cache (the hub prunes it on its tick).
    pub dedupe: Arc<DedupeCache>,
    /// Limits.
    pub config: WsConfig,
    /// The last `health` snapshot.
    pub health: Arc<HealthCache>,
    /// Unauthenticated sockets per address.
    pub preauth: Arc<crate::ws::preauth::PreauthSlots>,
}

impl WsShared {
    /// Starts the hub on the current arbiter; `dedupe` is the application's idempotency cache.
    pub fn start(router: Addr<Router>, config: &WsConfig, dedupe: Arc<DedupeCache>) -> WsShared {
        let hub = WsHub::new(router, config.tick_interval, dedupe.clone()).start();
        WsShared {
            hub,
            dedupe,
            config: config.clone(),
            health: Arc::default(),
            preauth: Arc::default(),
        }
    }
}
