//! `Heartbeat`: the periodic heartbeat turn (`agents.defaults.heartbeat`).
//!
//! - Owns: the next due time, whether a beat is running, and the clock it reads (the system
//!   clock; tests inject a [`crate::core::clock::ManualClock`] with [`SetHeartbeatClock`] and
//!   drive it with [`HeartbeatTick`], and then no real timer runs).
//! - Started by: [`crate::startup::Gateway::build`], once.
//! - Talks to: the router (the turn, on the default agent's main session, with the queued
//!   system events and the heartbeat prompt), the WebSocket hub (the `heartbeat` event), the
//!   channels (`target: "last"` through [`DeliverToLast`], a named channel through
//!   [`Outbound`]).
//!
//! Each tick reads the live configuration, so a reload changes the pace from the next beat.
//! A beat is skipped while the previous one runs and outside `activeHours`; a reply that is
//! an acknowledgement (`HEARTBEAT_OK`, see [`crate::agent::heartbeat_reply`]) is not sent.

use super::channels::{Channels, DeliverToLast};
use super::router::{Router, StartTurn};
use super::ws_hub::{Heartbeat as HeartbeatEvent, WsHub};
use crate::agent::heartbeat_reply::deliverable;
use crate::agent::system_events::SystemEventQueue;
use crate::channels::{Deliver, Outbound};
use crate::config::heartbeat::{HeartbeatConfig, HeartbeatTarget};
use crate::config::live::ConfigHandle;
use crate::core::clock::{Clock, SystemClock};
use crate::core::run::{RunEvent, Subscriber, TurnRequest};
use crate::storage::RunStatus;
use actix::prelude::*;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// Longest wait between two looks at the clock (a reload or a changed clock is noticed).
const MAX_TIMER_DELAY: Duration = Duration::from_secs(60);

/// Look at the clock now; answers what this tick did once its beat (if any) has finished.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "Beat")]
pub struct HeartbeatTick;

/// Replace the clock (tests): the real timer stops, time moves only with [`HeartbeatTick`]s.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SetHeartbeatClock {
    /// The clock.
    pub clock: Arc<dyn Clock>,
}

/// What a tick did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Beat {
    /// No heartbeat is configured.
    Off,
    /// Not due yet.
    NotDue,
    /// Due, but skipped (`busy`, `quiet-hours`).
    Skipped(&'static str),
    /// A heartbeat turn ran.
    Ran {
        /// Its run id.
        run_id: String,
        /// The final reply.
        reply: String,
        /// Where the reply went (`None`: suppressed, no target, or the delivery failed).
        delivered_to: Option<String>,
    },
}

/// The actor.
pub struct Heartbeat {
    config: ConfigHandle,
    router: Addr<Router>,
    hub: Addr<WsHub>,
    channels: Addr<Channels>,
    outbound: Outbound,
    events: SystemEventQueue,
    clock: Arc<dyn Clock>,
    /// The injected clock drives time (no real timer).
    manual: bool,
    /// `every` the schedule was computed with.
    every: Option<Duration>,
    next_due_ms: Option<u64>,
    running: bool,
    timer: Option<SpawnHandle>,
}

impl Heartbeat {
    /// A heartbeat over the live configuration.
    pub fn new(
        config: ConfigHandle,
        router: Addr<Router>,
        hub: Addr<WsHub>,
        channels: Addr<Channels>,
        outbound: Outbound,
        events: SystemEventQueue,
    ) -> Self {
        Heartbeat {
            config,
            router,
            hub,
            channels,
            outbound,
            events,
            clock: Arc::new(SystemClock),
            manual: false,
            every: None,
            next_due_ms: None,
            running: false,
            timer: None,
        }
    }

    /// Re-reads `every`; a changed pace restarts the schedule from now.
    fn schedule(&mut self, hb: Option<&HeartbeatConfig>) {
        let every = hb.map(|h| h.every);
        if every != self.every {
            self.every = every;
            self.next_due_ms = every.map(|e| self.clock.now_ms() + e.as_millis() as u64);
        }
    }

    fn arm(&mut self, ctx: &mut Context<Self>) {
        if let Some(t) = self.timer.take() {
            ctx.cancel_future(t);
        }
        if self.manual {
            return;
        }
        let now = self.clock.now_ms();
        let delay = self
            .next_due_ms
            .map(|d| Duration::from_millis(d.saturating_sub(now)))
            .unwrap_or(MAX_TIMER_DELAY)
            .clamp(Duration::from_millis(50), MAX_TIMER_DELAY);
        self.timer = Some(ctx.run_later(delay, |act, ctx| {
            act.timer = None;
            ctx.notify(HeartbeatTick);
        }));
    }

    /// The turn's message: queued system events, then the prompt.
    fn message(&self, prompt: &str) -> String {
        let mut lines: Vec<String> = self
            .events
            .drain()
            .into_iter()
            .map(|e| format!("System: {e}"))
            .collect();
        lines.push(prompt.to_string());
        lines.join("\n\n")
    }
}

impl Actor for Heartbeat {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let cfg = self.config.load();
        self.schedule(cfg.heartbeat.as_ref());
        self.arm(ctx);
    }
}

impl Handler<SetHeartbeatClock> for Heartbeat {
    type Result = ();

    fn handle(&mut self, m: SetHeartbeatClock, ctx: &mut Context<Self>) {
        self.clock = m.clock;
        self.manual = true;
        self.every = None;
        let cfg = self.config.load();
        self.schedule(cfg.heartbeat.as_ref());
        self.arm(ctx);
    }
}

impl Handler<HeartbeatTick> for Heartbeat {
    type Result = ResponseActFuture<Self, Beat>;

    fn handle(&mut self, _: HeartbeatTick, ctx: &mut Context<Self>) -> Self::Result {
        let cfg = self.config.load();
        self.schedule(cfg.heartbeat.as_ref());
        let ready = |b: Beat| -> Self::Result { Box::pin(fut::ready(b)) };
        let (Some(hb), Some(due)) = (cfg.heartbeat.clone(), self.next_due_ms) else {
            self.arm(ctx);
            return ready(Beat::Off);
        };
        let now = self.clock.now_ms();
        if now < due {
            self.arm(ctx);
            return ready(Beat::NotDue);
        }
        if self.running {
            return ready(Beat::Skipped("busy"));
        }
        self.next_due_ms = Some(now + hb.every.as_millis() as u64);
        if hb.active_hours.as_ref().is_some_and(|a| !a.contains(now)) {
            self.arm(ctx);
            return ready(Beat::Skipped("quiet-hours"));
        }
        self.running = true;
        let agent = cfg.default_agent.clone();
        let key = cfg.main_session_key(&agent);
        let run_id = format!("heartbeat_{}", uuid::Uuid::now_v7());
        let mut req =
            TurnRequest::new(run_id.clone(), agent, key.clone(), self.message(&hb.prompt));
        req.channel = "heartbeat".into();
        req.sender_is_owner = true;
        req.stream = false;
        let (sub, mut rx) = Subscriber::channel(false);
        self.router.do_send(StartTurn {
            req,
            subscribers: vec![sub],
            home: None,
        });
        self.hub.do_send(HeartbeatEvent {
            payload: json!({"ts": now, "status": "sent", "reason": "interval",
                            "sessionKey": key, "runId": run_id}),
        });
        let (channels, outbound) = (self.channels.clone(), self.outbound.clone());
        let work = async move {
            let mut reply = String::new();
            while let Some(ev) = rx.recv().await {
                if let RunEvent::Done(o) = &*ev {
                    if o.status == RunStatus::Ok {
                        reply = o.text.clone();
                    }
                    break;
                }
            }
            let delivered_to = match deliverable(&reply, hb.ack_max_chars) {
                Some(text) => deliver(&hb, &key, text, &channels, &outbound).await,
                None => None,
            };
            Beat::Ran {
                run_id,
                reply,
                delivered_to,
            }
        };
        Box::pin(work.into_actor(self).map(|beat, act, ctx| {
            act.running = false;
            act.arm(ctx);
            beat
        }))
    }
}

/// Sends a heartbeat reply to its target; the channel it went to.
async fn deliver(
    hb: &HeartbeatConfig,
    session_key: &str,
    text: String,
    channels: &Addr<Channels>,
    outbound: &Outbound,
) -> Option<String> {
    let sent = match &hb.target {
        HeartbeatTarget::None => return None,
        HeartbeatTarget::Last => channels
            .send(DeliverToLast {
                session_key: session_key.to_string(),
                text,
            })
            .await
            .unwrap_or_else(|e| Err(crate::channels::DeliveryError::Failed(e.to_string()))),
        HeartbeatTarget::Channel(c) => {
            outbound
                .deliver(Deliver::text(c, hb.to.clone(), text))
                .await
        }
    };
    match sent {
        Ok(r) => Some(r.channel),
        Err(e) => {
            tracing::warn!(error = %e, "heartbeat reply not delivered");
            None
        }
    }
}
