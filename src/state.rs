//! `AppState`: what every handler gets, registered once as `web::Data`.

use crate::actors::router::Router;
use crate::auth::Auth;
use crate::config::Config;
use actix::Addr;
use std::sync::Arc;
use std::time::Instant;

/// Shared handler state. No globals, so several gateways can run in one test process.
#[derive(Clone)]
pub struct AppState {
    /// The application service every handler uses for turns and sessions.
    pub app: crate::app::App,
    /// The supervisor actor (edges not yet moved onto [`crate::app::App`] message it).
    pub router: Addr<Router>,
    /// Authentication and the failed-attempt limiter.
    pub auth: Arc<Auth>,
    /// When the gateway became ready.
    pub started: Instant,
    /// The port actually bound.
    pub port: u16,
    /// WebSocket RPC: broadcast hub, idempotency cache, limits.
    pub ws: crate::ws::shared::WsShared,
    /// Chat-channel registry: connector status, inbound dispatch, outbound `Deliver`.
    pub channels: Addr<crate::actors::channels::Channels>,
    /// Webhook token limiter and replay cache.
    pub hooks: Arc<crate::hooks::HookState>,
    /// Channel delivery (a channel subsystem registers itself here).
    pub outbound: crate::channels::Outbound,
    /// The main session's system-event queue (cron, hooks and `wake` add to it).
    pub system_events: crate::agent::system_events::SystemEventQueue,
    /// The gateway's Prometheus metrics.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Request limits of the seeds' REST families.
    pub limits: Arc<crate::http::limits::Limiter>,
    /// The cron scheduler.
    pub scheduler: Addr<crate::actors::scheduler::Scheduler>,
    /// The periodic heartbeat.
    pub heartbeat: Addr<crate::actors::heartbeat::Heartbeat>,
}

impl AppState {
    /// The current configuration snapshot (a reload swaps it; take it once per request).
    pub fn config(&self) -> Arc<Config> {
        self.app.config()
    }

    /// Uptime in milliseconds.
    pub fn uptime_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }
}

/// The version reported by `/status`, `hello-ok` and `--version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
