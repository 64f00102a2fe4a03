//! The main session's system events and the heartbeat turn that consumes them, shared by the
//! WebSocket `wake`/`system-event` methods, `/hooks/wake`, hook summaries and cron `main` jobs.
//!
//! The queue itself is owned by the WebSocket hub actor ([`crate::actors::ws_hub::WsHub`],
//! which also records and broadcasts `heartbeat` events); this module is the one place that
//! turns queued events into a heartbeat turn on the default agent's main session.

use crate::actors::router::{Router, StartTurn};
use crate::actors::ws_hub::{DrainSystemEvents, Heartbeat, SystemEvent, WsHub};
use crate::config::Config;
use crate::core::run::TurnRequest;
use crate::core::run::{EventRef, Subscriber};
use crate::storage::now_ms;
use actix::Addr;
use serde_json::json;
use std::sync::Arc;
use tokio::sync::mpsc;

/// Prefix marking an event whose text came from outside (webhooks): the model is told not to
/// take instructions from it.
pub const UNTRUSTED_PREFIX: &str = "[untrusted] ";

/// Handle to the main session's event queue and heartbeat.
#[derive(Clone)]
pub struct MainSession {
    hub: Addr<WsHub>,
    router: Addr<Router>,
    config: Arc<Config>,
}

/// A heartbeat turn that was started.
pub struct HeartbeatRun {
    /// Its run id.
    pub run_id: String,
    /// Its events (a non-owner subscriber: dropping it never aborts the turn).
    pub events: mpsc::Receiver<EventRef>,
}

impl MainSession {
    /// A handle over the hub's queue and the router.
    pub fn new(hub: Addr<WsHub>, router: Addr<Router>, config: Arc<Config>) -> Self {
        MainSession {
            hub,
            router,
            config,
        }
    }

    /// Queues `text`; `trusted: false` marks it as external content.
    pub fn enqueue(&self, text: &str, trusted: bool) {
        let text = if trusted {
            text.to_string()
        } else {
            format!("{UNTRUSTED_PREFIX}{text}")
        };
        self.hub.do_send(SystemEvent { text });
    }

    /// Runs a heartbeat turn now on the default agent's main session with every queued event
    /// (nothing when the queue is empty) and broadcasts the `heartbeat` event.
    pub async fn heartbeat_now(&self, reason: &str) -> Option<HeartbeatRun> {
        let events = self.hub.send(DrainSystemEvents).await.unwrap_or_default();
        if events.is_empty() {
            return None;
        }
        let agent = self.config.default_agent.clone();
        let key = self.config.main_session_key(&agent);
        let run_id = format!("heartbeat_{}", uuid::Uuid::now_v7());
        let body: Vec<String> = events.iter().map(|e| format!("System: {e}")).collect();
        let mut req = TurnRequest::new(run_id.clone(), agent, key.clone(), body.join("\n"));
        req.channel = "heartbeat".into();
        let (sub, rx) = Subscriber::channel(false);
        self.router.do_send(StartTurn {
            req,
            subscribers: vec![sub],
            home: None,
        });
        self.hub.do_send(Heartbeat {
            payload: json!({"ts": now_ms(), "status": "sent", "reason": reason, "sessionKey": key,
                            "runId": run_id, "preview": events.last()}),
        });
        Some(HeartbeatRun { run_id, events: rx })
    }
}

impl MainSession {
    /// The main session of a running gateway.
    pub fn of(app: &crate::state::AppState) -> Self {
        MainSession::new(app.ws.hub.clone(), app.router.clone(), app.config.clone())
    }
}
