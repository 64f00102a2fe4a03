//! The main session's system events and the heartbeat turn that consumes them, shared by the
//! WebSocket `wake`/`system-event` methods, `/hooks/wake`, hook summaries and cron `main` jobs.
//!
//! The queue is a [`SystemEventQueue`] shared by the gateway (not the WebSocket hub: cron and
//! hooks queue events whether or not a client is connected); the hub only records and
//! broadcasts `heartbeat` events. This module is the one place that turns queued events into
//! a heartbeat turn on the default agent's main session.

use crate::actors::router::{Router, StartTurn};
use crate::actors::ws_hub::{Heartbeat, WsHub};
use crate::config::Config;
use crate::core::run::TurnRequest;
use crate::core::run::{EventRef, Subscriber};
use crate::storage::now_ms;
use actix::Addr;
use serde_json::json;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// Prefix marking an event whose text came from outside (webhooks): the model is told not to
/// take instructions from it.
pub const UNTRUSTED_PREFIX: &str = "[untrusted] ";

/// Events queued at most (the oldest are dropped).
pub const MAX_SYSTEM_EVENTS: usize = 100;

/// The main session's pending system events, consumed by the next heartbeat turn.
#[derive(Clone, Default)]
pub struct SystemEventQueue(Arc<Mutex<VecDeque<String>>>);

impl SystemEventQueue {
    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<String>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues one event, dropping the oldest beyond [`MAX_SYSTEM_EVENTS`].
    pub fn push(&self, text: String) {
        let mut q = self.lock();
        if q.len() >= MAX_SYSTEM_EVENTS {
            q.pop_front();
        }
        q.push_back(text);
    }

    /// Takes every queued event.
    pub fn drain(&self) -> Vec<String> {
        self.lock().drain(..).collect()
    }

    /// The queued events, left in place.
    pub fn peek(&self) -> Vec<String> {
        self.lock().iter().cloned().collect()
    }
}

/// Handle to the main session's event queue and heartbeat.
#[derive(Clone)]
pub struct MainSession {
    hub: Addr<WsHub>,
    router: Addr<Router>,
    config: Arc<Config>,
    queue: SystemEventQueue,
}

/// A heartbeat turn that was started.
pub struct HeartbeatRun {
    /// Its run id.
    pub run_id: String,
    /// Its events (a non-owner subscriber: dropping it never aborts the turn).
    pub events: mpsc::Receiver<EventRef>,
}

impl MainSession {
    /// A handle over the queue, the hub (heartbeat broadcasts) and the router.
    pub fn new(
        hub: Addr<WsHub>,
        router: Addr<Router>,
        config: Arc<Config>,
        queue: SystemEventQueue,
    ) -> Self {
        MainSession {
            hub,
            router,
            config,
            queue,
        }
    }

    /// Queues `text`; `trusted: false` marks it as external content.
    pub fn enqueue(&self, text: &str, trusted: bool) {
        let text = if trusted {
            text.to_string()
        } else {
            format!("{UNTRUSTED_PREFIX}{text}")
        };
        self.queue.push(text);
    }

    /// Runs a heartbeat turn now on the default agent's main session with every queued event
    /// (nothing when the queue is empty) and broadcasts the `heartbeat` event.
    pub async fn heartbeat_now(&self, reason: &str) -> Option<HeartbeatRun> {
        let events = self.queue.drain();
        if events.is_empty() {
            return None;
        }
        let agent = self.config.default_agent.clone();
        let key = self.config.main_session_key(&agent);
        let run_id = format!("heartbeat_{}", uuid::Uuid::now_v7());
        let body: Vec<String> = events.iter().map(|e| format!("System: {e}")).collect();
        let mut req = TurnRequest::new(run_id.clone(), agent, key.clone(), body.join("\n"));
        req.channel = "heartbeat".into();
        req.sender_is_owner = true;
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
        MainSession::new(
            app.ws.hub.clone(),
            app.router.clone(),
            app.config().clone(),
            app.system_events.clone(),
        )
    }
}
