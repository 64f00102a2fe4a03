//! `WsHub`: the WebSocket broadcast hub.
//!
//! - Owns: the registry of connected WebSocket clients (their outboxes, scopes, per-connection
//!   event `seq`), the presence list and its state versions, the translation state of every run
//!   it observes, the last heartbeat and the queue of pending system events.
//! - Started by: [`crate::startup::Gateway::build`], once, on the system arbiter.
//! - Talks to: [`super::router::Router`] (`SetObserver` while at least one OpenClaw client is
//!   connected, so it is attached as a non-owner subscriber to every run and receives
//!   [`super::router::RunObserved`]); connections only through their [`Outbox`]es (a push never
//!   blocks: a client that stops reading is closed 1008 `slow consumer` by its outbox).
//!   `WsConn` actors register with `Connect`/`Disconnect`.

mod approvals;
mod auth_rotation;
mod cluster;

pub use approvals::ApprovalEvent;
pub use auth_rotation::{AuthChanged, AUTH_CHANGED_CODE};
pub use cluster::{RemoteEvent, SetBusSink};

use super::router::{self, Router, RunObserved};
use crate::core::clock::{Clock, SystemClock};
use crate::core::dedupe::DedupeCache;
use crate::core::run::EventRef;
use crate::ws::dialect::simple_event;
use crate::ws::frames::{CloseDirective, StateVersion};
use crate::ws::outbox::Outbox;
use crate::ws::run_events::{EventKind, RunTranslator};
use crate::ws::scopes::{can_receive_event, has_scope, SCOPE_READ, SCOPE_WRITE};
use actix::prelude::*;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

/// Which protocol a client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// OpenClaw `req`/`res`/`event` frames: receives the broadcasts its scopes allow.
    OpenClaw,
    /// The seeds' simple dialect: receives `heartbeat` only (its runs stream to it directly).
    Simple,
}

/// A client finished its handshake.
#[derive(Message)]
#[rtype(result = "HelloSnapshot")]
pub struct Connect {
    /// Connection id.
    pub conn_id: String,
    /// Its outbound queue.
    pub outbox: Outbox,
    /// Dialect.
    pub dialect: Dialect,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Declared the `tool-events` capability.
    pub tool_events: bool,
    /// Presence entry (`None` for clients not tracked as presence, e.g. the CLI).
    pub presence: Option<Value>,
    /// Fingerprint of the shared secret it was accepted under ([`crate::auth::secret_fingerprint`];
    /// `None` for device-token clients, which a secret rotation does not close).
    pub secret: Option<[u8; 32]>,
}

/// What a new client needs for `hello-ok`.
#[derive(Debug, Clone, MessageResponse)]
pub struct HelloSnapshot {
    /// Presence list.
    pub presence: Value,
    /// State versions.
    pub state_version: StateVersion,
}

/// A client went away.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Disconnect {
    /// Connection id.
    pub conn_id: String,
}

/// Turn `sessions.changed` events on or off for a client.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SubscribeSessions {
    /// Connection id.
    pub conn_id: String,
    /// On or off.
    pub on: bool,
}

/// A session was created, changed or removed.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SessionsChanged {
    /// Session key.
    pub session_key: String,
    /// `create`, `send`, `patch`, `reset`, `delete`.
    pub reason: &'static str,
}

/// Record a heartbeat and broadcast it.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Heartbeat {
    /// The `heartbeat` event payload.
    pub payload: Value,
}

/// The last heartbeat payload, if any.
#[derive(Message)]
#[rtype(result = "Option<Value>")]
pub struct LastHeartbeat;

/// Broadcast a gateway event (`cron`, …) to every OpenClaw client with read access.
#[derive(Message)]
#[rtype(result = "()")]
pub struct BroadcastEvent {
    /// Event name.
    pub event: &'static str,
    /// Payload.
    pub payload: Value,
}

/// The current presence list.
#[derive(Message)]
#[rtype(result = "Value")]
pub struct Presence;

/// Number of connected clients.
#[derive(Message)]
#[rtype(result = "usize")]
pub struct ClientCount;

/// The gateway is stopping: broadcast `shutdown` and close every client (1012).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Shutdown {
    /// Why.
    pub reason: String,
}

/// Push `text` to `outbox` once the hub has broadcast everything of run `run_id` (so a final
/// `res` never overtakes the run's last `agent`/`chat` events), or now if the run is not
/// observed.
#[derive(Message)]
#[rtype(result = "()")]
pub struct DeliverAfterRun {
    /// The run.
    pub run_id: String,
    /// Where to send.
    pub outbox: Outbox,
    /// The frame.
    pub text: String,
}

/// One event of an observed run (fed by the run's channel).
#[derive(Message)]
#[rtype(result = "()")]
struct Tapped {
    run_id: Arc<str>,
    ev: EventRef,
}

/// A throttled chat delta may be due.
#[derive(Message)]
#[rtype(result = "()")]
struct PollRun {
    run_id: Arc<str>,
}

struct Client {
    outbox: Outbox,
    dialect: Dialect,
    scopes: Vec<String>,
    tool_events: bool,
    sessions: bool,
    seq: u64,
    presence: Option<Value>,
    secret: Option<[u8; 32]>,
}

impl Client {
    fn can_read(&self) -> bool {
        has_scope(&self.scopes, SCOPE_READ) || has_scope(&self.scopes, SCOPE_WRITE)
    }
}

/// The actor.
pub struct WsHub {
    router: Addr<Router>,
    clients: HashMap<String, Client>,
    openclaw_clients: usize,
    observing: bool,
    runs: HashMap<Arc<str>, RunTranslator>,
    presence_version: u64,
    health_version: u64,
    tick_interval: Duration,
    last_heartbeat: Option<Value>,
    dedupe: Arc<DedupeCache>,
    clock: Arc<dyn Clock>,
    self_presence: Value,
    me: Option<Recipient<RunObserved>>,
    polls: HashSet<Arc<str>>,
    after_run: HashMap<String, Vec<(Outbox, String)>>,
    /// Cluster mode: broadcasts originating here, for the other nodes.
    bus: Option<tokio::sync::mpsc::UnboundedSender<(String, Value)>>,
}

impl WsHub {
    /// A hub observing runs through `router`; `tick_interval` paces `tick` events.
    pub fn new(router: Addr<Router>, tick_interval: Duration, dedupe: Arc<DedupeCache>) -> Self {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".into());
        let self_presence = json!({
            "host": host, "version": crate::state::VERSION, "platform": std::env::consts::OS,
            "mode": "gateway", "reason": "self", "ts": clock.now_ms(),
            "text": format!("Gateway: {host} · clawgate {}", crate::state::VERSION),
        });
        WsHub {
            router,
            clients: HashMap::new(),
            openclaw_clients: 0,
            observing: false,
            runs: HashMap::new(),
            presence_version: 1,
            health_version: 1,
            tick_interval,
            last_heartbeat: None,
            dedupe,
            clock,
            self_presence,
            me: None,
            polls: HashSet::new(),
            after_run: HashMap::new(),
            bus: None,
        }
    }

    fn presence(&self) -> Value {
        let mut list = vec![self.self_presence.clone()];
        list.extend(self.clients.values().filter_map(|c| c.presence.clone()));
        Value::Array(list)
    }

    fn state_version(&self) -> StateVersion {
        StateVersion {
            presence: self.presence_version,
            health: self.health_version,
        }
    }

    /// Sends `event` to every OpenClaw client whose scopes pass the event's gate
    /// ([`can_receive_event`]: unknown families reach nobody) and that `filter` accepts; each
    /// client counts its own `seq` (1, 2, 3… over the events *it* receives).
    fn broadcast(&mut self, event: &str, payload: &Value, filter: impl Fn(&Client) -> bool) {
        self.broadcast_with(event, payload, None, filter);
    }

    fn broadcast_with(
        &mut self,
        event: &str,
        payload: &Value,
        state_version: Option<StateVersion>,
        filter: impl Fn(&Client) -> bool,
    ) {
        let body = payload.to_string();
        let sv = state_version
            .map(|v| {
                format!(
                    r#","stateVersion":{{"presence":{},"health":{}}}"#,
                    v.presence, v.health
                )
            })
            .unwrap_or_default();
        let mut gone = Vec::new();
        for (id, c) in self.clients.iter_mut() {
            if c.dialect != Dialect::OpenClaw || !can_receive_event(&c.scopes, event) || !filter(c)
            {
                continue;
            }
            c.seq += 1;
            let frame = format!(
                r#"{{"type":"event","event":"{event}","payload":{body},"seq":{}{sv}}}"#,
                c.seq
            );
            if c.outbox.push_str(frame).is_err() {
                gone.push(id.clone());
            }
        }
        for id in gone {
            self.remove(&id);
        }
    }

    fn remove(&mut self, conn_id: &str) {
        let Some(c) = self.clients.remove(conn_id) else {
            return;
        };
        if c.dialect == Dialect::OpenClaw {
            self.openclaw_clients -= 1;
        }
        if c.presence.is_some() {
            self.presence_changed();
        }
        self.update_observer();
    }

    fn presence_changed(&mut self) {
        self.presence_changed_except(None);
    }

    /// Broadcasts the presence list to every client but `except` (a client that is just
    /// connecting gets the list in its `hello-ok`, never an event about itself before it).
    fn presence_changed_except(&mut self, except: Option<&str>) {
        self.presence_version += 1;
        let payload = json!({"presence": self.presence()});
        self.to_bus("presence", &payload);
        let sv = self.state_version();
        let skip = except.and_then(|id| self.clients.get(id).map(|c| c.outbox.clone()));
        self.broadcast_with("presence", &payload, Some(sv), |c| {
            skip.as_ref().is_none_or(|o| !o.same_as(&c.outbox))
        });
    }

    /// Attaches to runs while an OpenClaw client is connected, detaches when the last leaves.
    fn update_observer(&mut self) {
        let want = self.openclaw_clients > 0;
        if want == self.observing {
            return;
        }
        self.observing = want;
        self.router.do_send(router::SetObserver {
            observer: if want { self.me.clone() } else { None },
        });
    }

    fn schedule_poll(&mut self, run_id: Arc<str>, ctx: &mut Context<Self>) {
        if self.polls.contains(&run_id) {
            return;
        }
        let Some(due) = self.runs.get(&run_id).and_then(|t| t.next_due_ms()) else {
            return;
        };
        let wait = due.saturating_sub(self.clock.now_ms()).max(1);
        self.polls.insert(run_id.clone());
        ctx.notify_later(PollRun { run_id }, Duration::from_millis(wait));
    }

    fn emit(&mut self, kind: EventKind, payload: &Value) {
        match kind {
            EventKind::AgentTool => self.broadcast(kind.name(), payload, |c| c.tool_events),
            EventKind::Agent | EventKind::Chat | EventKind::Task => {
                self.broadcast(kind.name(), payload, |_| true)
            }
        }
    }

    fn tick(&mut self) {
        let now = self.clock.now_ms();
        self.broadcast("tick", &json!({"ts": now}), |_| true);
        let beat = simple_event("heartbeat", json!({"timestamp": now, "status": "ok"})).to_string();
        let beat: Arc<str> = Arc::from(beat);
        for c in self.clients.values() {
            if c.dialect == Dialect::Simple {
                let _ = c.outbox.push(beat.clone());
            }
        }
        self.dedupe.prune();
    }
}

impl Actor for WsHub {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.me = Some(ctx.address().recipient());
        ctx.run_interval(self.tick_interval, |hub, _| hub.tick());
    }
}

impl Handler<Connect> for WsHub {
    type Result = HelloSnapshot;
    fn handle(&mut self, msg: Connect, _: &mut Self::Context) -> HelloSnapshot {
        let tracked = msg.presence.is_some();
        let conn_id = msg.conn_id.clone();
        if msg.dialect == Dialect::OpenClaw {
            self.openclaw_clients += 1;
        }
        self.clients.insert(
            msg.conn_id,
            Client {
                outbox: msg.outbox,
                dialect: msg.dialect,
                scopes: msg.scopes,
                tool_events: msg.tool_events,
                sessions: false,
                seq: 0,
                presence: msg.presence,
                secret: msg.secret,
            },
        );
        self.update_observer();
        if tracked {
            self.presence_changed_except(Some(&conn_id));
        }
        HelloSnapshot {
            presence: self.presence(),
            state_version: self.state_version(),
        }
    }
}

impl Handler<Disconnect> for WsHub {
    type Result = ();
    fn handle(&mut self, msg: Disconnect, _: &mut Self::Context) {
        self.remove(&msg.conn_id);
    }
}

impl Handler<SubscribeSessions> for WsHub {
    type Result = ();
    fn handle(&mut self, msg: SubscribeSessions, _: &mut Self::Context) {
        if let Some(c) = self.clients.get_mut(&msg.conn_id) {
            c.sessions = msg.on;
        }
    }
}

impl Handler<SessionsChanged> for WsHub {
    type Result = ();
    fn handle(&mut self, msg: SessionsChanged, _: &mut Self::Context) {
        let payload =
            json!({"sessionKey": msg.session_key, "reason": msg.reason, "ts": self.clock.now_ms()});
        self.to_bus("sessions.changed", &payload);
        self.broadcast("sessions.changed", &payload, |c| c.sessions && c.can_read());
    }
}

impl Handler<Heartbeat> for WsHub {
    type Result = ();
    fn handle(&mut self, msg: Heartbeat, _: &mut Self::Context) {
        self.broadcast("heartbeat", &msg.payload, |_| true);
        let simple: Arc<str> =
            Arc::from(simple_event("heartbeat", msg.payload.clone()).to_string());
        for c in self.clients.values() {
            if c.dialect == Dialect::Simple {
                let _ = c.outbox.push(simple.clone());
            }
        }
        self.last_heartbeat = Some(msg.payload);
    }
}

impl Handler<LastHeartbeat> for WsHub {
    type Result = MessageResult<LastHeartbeat>;
    fn handle(&mut self, _: LastHeartbeat, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.last_heartbeat.clone())
    }
}

impl Handler<BroadcastEvent> for WsHub {
    type Result = ();
    fn handle(&mut self, msg: BroadcastEvent, _: &mut Self::Context) {
        self.to_bus(msg.event, &msg.payload);
        self.broadcast(msg.event, &msg.payload, Client::can_read);
    }
}

impl Handler<Presence> for WsHub {
    type Result = MessageResult<Presence>;
    fn handle(&mut self, _: Presence, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.presence())
    }
}

impl Handler<ClientCount> for WsHub {
    type Result = usize;
    fn handle(&mut self, _: ClientCount, _: &mut Self::Context) -> usize {
        self.clients.len()
    }
}

impl Handler<Shutdown> for WsHub {
    type Result = ();
    fn handle(&mut self, msg: Shutdown, _: &mut Self::Context) {
        self.broadcast("shutdown", &json!({"reason": msg.reason}), |_| true);
        for c in self.clients.values() {
            c.outbox.close(CloseDirective::new(1012, "service restart"));
        }
        self.clients.clear();
        self.openclaw_clients = 0;
        self.update_observer();
    }
}

impl Handler<RunObserved> for WsHub {
    type Result = ();
    fn handle(&mut self, msg: RunObserved, ctx: &mut Self::Context) {
        let run_id: Arc<str> = Arc::from(msg.run_id.as_str());
        self.runs.insert(
            run_id.clone(),
            RunTranslator::new(
                &msg.run_id,
                &msg.session_key,
                &msg.agent_id,
                self.clock.clone(),
            ),
        );
        self.broadcast(
            "sessions.changed",
            &json!({"sessionKey": msg.session_key, "reason": "send", "runId": msg.run_id, "ts": self.clock.now_ms()}),
            |c| c.sessions && c.can_read(),
        );
        let stream = futures_util::stream::unfold(msg.rx, move |mut rx| {
            let run_id = run_id.clone();
            async move { rx.recv().await.map(|ev| (Tapped { run_id, ev }, rx)) }
        });
        ctx.add_message_stream(stream);
    }
}

impl Handler<Tapped> for WsHub {
    type Result = ();
    fn handle(&mut self, msg: Tapped, ctx: &mut Self::Context) {
        let Some(t) = self.runs.get_mut(&msg.run_id) else {
            return;
        };
        let out = t.on_event(&msg.ev);
        let done = matches!(&*msg.ev, crate::core::run::RunEvent::Done(_));
        for e in out {
            self.emit(e.kind, &e.payload);
        }
        if done {
            self.runs.remove(&msg.run_id);
            self.polls.remove(&msg.run_id);
            for (outbox, text) in self.after_run.remove(&*msg.run_id).unwrap_or_default() {
                let _ = outbox.push_str(text);
            }
        } else {
            self.schedule_poll(msg.run_id, ctx);
        }
    }
}

impl Handler<DeliverAfterRun> for WsHub {
    type Result = ();
    fn handle(&mut self, msg: DeliverAfterRun, _: &mut Self::Context) {
        if self.runs.contains_key(msg.run_id.as_str()) {
            self.after_run
                .entry(msg.run_id)
                .or_default()
                .push((msg.outbox, msg.text));
        } else {
            let _ = msg.outbox.push_str(msg.text);
        }
    }
}

impl Handler<PollRun> for WsHub {
    type Result = ();
    fn handle(&mut self, msg: PollRun, ctx: &mut Self::Context) {
        self.polls.remove(&msg.run_id);
        if let Some(e) = self.runs.get_mut(&msg.run_id).and_then(|t| t.poll()) {
            self.emit(e.kind, &e.payload);
        }
        self.schedule_poll(msg.run_id, ctx);
    }
}
