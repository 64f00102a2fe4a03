//! `Router`: the supervisor every HTTP and WebSocket handler talks to.
//!
//! - Owns: the registry of live sessions (key → `Addr<Session>`) and of running turns
//!   (run id → `Addr<AgentRun>`), and the pool of arbiters sessions are sharded over.
//! - Started by: [`crate::startup::Gateway::build`], once, on the system arbiter.
//! - Talks to: [`super::session::Session`] (creates one per key on the arbiter the key hashes
//!   to, forwards turns, aborts, invalidations) and [`super::agent_run::AgentRun`] (subscribe,
//!   abort by run id).

mod remote;

pub use remote::RemoteRun;

use super::agent_run::{self, AgentRun};
use super::session::{self, Session};
use crate::config::ConfigHandle;
use crate::core::run::Subscriber;
use crate::core::run::TurnRequest;
use crate::storage::Store;
use crate::tools::ToolRegistry;
use actix::prelude::*;
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// Start (or queue) a turn.
#[derive(Message)]
#[rtype(result = "()")]
pub struct StartTurn {
    /// The turn.
    pub req: TurnRequest,
    /// Subscribers that want its events from the start.
    pub subscribers: Vec<Subscriber>,
    /// Arbiter to place a *new* session on (the caller's own thread, so the turn and the
    /// request it answers share a thread and skip two cross-thread wake-ups). `None` places
    /// it on the shard its key hashes to.
    pub home: Option<ArbiterHandle>,
}

/// A turn whose session this node owns, handed back by the [`TurnGate`] (never gated again).
#[derive(Message)]
#[rtype(result = "()")]
pub struct StartOwnedTurn(pub StartTurn);

/// Decides where a turn runs when several gateway nodes share the store (`cluster`): every
/// [`StartTurn`] goes through it, whoever sent it (edges, cron, heartbeat, channels).
pub trait TurnGate: Send + Sync {
    /// Takes `turn`: hands it back to `router` as [`StartOwnedTurn`] when this node owns (or
    /// just claimed) its session, or has it run by the owning node.
    fn route(&self, turn: StartTurn, router: Addr<Router>);
    /// Asks the node running run `run_id` (a turn this node forwarded) to abort it; `true`
    /// when this node forwarded such a run.
    fn abort_forwarded(&self, run_id: &str) -> bool;
}

/// Puts every turn started from now on through `gate` (set once, at start-up, in cluster mode).
#[derive(Message)]
#[rtype(result = "()")]
pub struct SetTurnGate {
    /// The gate.
    pub gate: Arc<dyn TurnGate>,
    /// Also receives [`RunObserved`] for every turn run here (the cluster publishes its events
    /// for the other nodes' WebSocket clients).
    pub tap: tokio::sync::mpsc::UnboundedSender<RunObserved>,
}

/// A registered run began (sent by the `AgentRun` itself).
#[derive(Message)]
#[rtype(result = "()")]
pub struct RunStarted {
    /// Run id.
    pub run_id: String,
    /// Session key.
    pub session_key: String,
    /// The run.
    pub addr: Addr<AgentRun>,
}

/// A registered run is over: its `AgentRun` stopped, or its session dropped it before it
/// started (aborted while queued, or it could not start).
#[derive(Message)]
#[rtype(result = "()")]
pub struct RunEnded {
    /// Run id.
    pub run_id: String,
}

/// Attach a subscriber to a queued or running turn.
#[derive(Message)]
#[rtype(result = "RunLookup")]
pub struct SubscribeRun {
    /// Run id.
    pub run_id: String,
    /// The subscriber.
    pub sub: Subscriber,
    /// When no such run is registered, keep the subscriber and attach it if a run with this id
    /// is started later (until the subscriber's receiver is dropped).
    pub await_unknown: bool,
}

/// What [`SubscribeRun`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunLookup {
    /// The run is queued or running; the subscriber receives its events up to `Done` (or its
    /// channel closes without one if the run ended while the subscriber was on its way).
    Live,
    /// Not registered; the subscriber waits for a run with this id to start.
    Awaiting,
    /// Not registered (and not awaited).
    Unknown,
}

/// Follow a session: `sub` receives the events of every turn started on `session_key` from
/// now on (as a non-owner), until its receiver is dropped.
#[derive(Message)]
#[rtype(result = "()")]
pub struct WatchSession {
    /// Session key.
    pub session_key: String,
    /// The watcher.
    pub sub: Subscriber,
}

/// Resolves once no run is queued or running (shutdown drains with it).
#[derive(Message)]
#[rtype(result = "()")]
pub struct WhenIdle;

/// Abort one run (by id) or every turn of a session; `true` when something was aborted.
#[derive(Message)]
#[rtype(result = "bool")]
pub struct Abort {
    /// A specific run.
    pub run_id: Option<String>,
    /// Every turn of this session.
    pub session_key: Option<String>,
}

/// Hand a user message to a running run (queue mode `steer`): `true` once the run added it
/// before a model call; `false` when the run is not running here or ended without another
/// model call (the caller then runs the message as a followup).
#[derive(Message)]
#[rtype(result = "bool")]
pub struct SteerRun {
    /// The run.
    pub run_id: String,
    /// The message.
    pub text: String,
}

/// A session asks to be released because it is idle; `true` when it may stop.
#[derive(Message)]
#[rtype(result = "bool")]
pub struct ReleaseSession {
    /// Its key.
    pub key: String,
    /// Turns it has received; released only if the router forwarded no more than that.
    pub received: u64,
}

/// Apply a change to a session through its `Session` actor (started if needed), so the
/// change is ordered with the session's turns.
#[derive(Message)]
#[rtype(result = "Result<session::Mutated, String>")]
pub struct MutateSession {
    /// Session key.
    pub key: String,
    /// Owning agent.
    pub agent_id: String,
    /// The change.
    pub op: session::SessionOp,
}

/// Live counts.
#[derive(Message)]
#[rtype(result = "Stats")]
pub struct GetStats;

/// Live counts.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Session actors alive.
    pub live_sessions: usize,
    /// Turns running.
    pub active_runs: usize,
}

/// Ids of runs queued or in progress, with their session keys.
#[derive(Message)]
#[rtype(result = "Vec<(String, String)>")]
pub struct ActiveRuns;

/// A turn was started while an observer is set: its events arrive on `rx` (a non-owner
/// subscriber, so the observer never keeps a run alive or aborts it).
#[derive(Message)]
#[rtype(result = "()")]
pub struct RunObserved {
    /// Run id.
    pub run_id: String,
    /// Session key.
    pub session_key: String,
    /// Agent id.
    pub agent_id: String,
    /// The run's events.
    pub rx: tokio::sync::mpsc::Receiver<crate::core::run::EventRef>,
}

/// Sets (or clears) the observer attached to every turn started from now on (the WebSocket hub
/// while any client is connected).
#[derive(Message)]
#[rtype(result = "()")]
pub struct SetObserver {
    /// Who receives [`RunObserved`].
    pub observer: Option<Recipient<RunObserved>>,
}

/// A registered run: queued on its session until its `AgentRun` reports in.
struct RunEntry {
    session_key: String,
    addr: Option<Addr<AgentRun>>,
}

struct LiveSession {
    addr: Addr<Session>,
    forwarded: u64,
}

/// The actor.
pub struct Router {
    config: ConfigHandle,
    store: Store,
    tools: ToolRegistry,
    shards: Vec<ArbiterHandle>,
    sessions: HashMap<String, LiveSession>,
    runs: HashMap<String, RunEntry>,
    /// Subscribers waiting for a run id that is not registered yet.
    awaiting: HashMap<String, Vec<Subscriber>>,
    /// Resolved when `runs` becomes empty.
    idle_waiters: Vec<tokio::sync::oneshot::Sender<()>>,
    observer: Option<Recipient<RunObserved>>,
    /// The gateway's metrics (handed to sessions and runs).
    metrics: Arc<crate::metrics::Metrics>,
    /// Session watchers (history follow mode).
    watchers: HashMap<String, Vec<Subscriber>>,
    /// Cluster mode: where turns are routed, and the tap on turns run here.
    gate: Option<(
        Arc<dyn TurnGate>,
        tokio::sync::mpsc::UnboundedSender<RunObserved>,
    )>,
}

impl Router {
    /// A router placing sessions on `shards` (at least one arbiter).
    pub fn new(
        config: ConfigHandle,
        store: Store,
        tools: ToolRegistry,
        shards: Vec<ArbiterHandle>,
        metrics: Arc<crate::metrics::Metrics>,
    ) -> Self {
        Router {
            metrics,
            config,
            store,
            tools,
            shards,
            sessions: HashMap::new(),
            runs: HashMap::new(),
            awaiting: HashMap::new(),
            idle_waiters: Vec::new(),
            observer: None,
            watchers: HashMap::new(),
            gate: None,
        }
    }

    fn shard_for(&self, key: &str) -> ArbiterHandle {
        if self.shards.is_empty() {
            return Arbiter::current();
        }
        let mut h = DefaultHasher::new();
        key.hash(&mut h);
        self.shards[(h.finish() as usize) % self.shards.len()].clone()
    }

    fn session(
        &mut self,
        key: &str,
        agent_id: &str,
        home: Option<ArbiterHandle>,
        ctx: &mut Context<Self>,
    ) -> &mut LiveSession {
        let alive = self.sessions.get(key).is_some_and(|s| s.addr.connected());
        if !alive {
            let shard = home.unwrap_or_else(|| self.shard_for(key));
            let (k, a, cfg, store, tools, me, metrics) = (
                key.to_string(),
                agent_id.to_string(),
                self.config.clone(),
                self.store.clone(),
                self.tools.clone(),
                ctx.address(),
                self.metrics.clone(),
            );
            let addr = Session::start_in_arbiter(&shard, move |_| {
                Session::new(k, a, cfg, store, tools, me, metrics)
            });
            self.sessions
                .insert(key.to_string(), LiveSession { addr, forwarded: 0 });
        }
        self.sessions.get_mut(key).expect("inserted above")
    }
}

impl Actor for Router {
    type Context = Context<Self>;
}

impl Handler<StartTurn> for Router {
    type Result = ();
    fn handle(&mut self, msg: StartTurn, ctx: &mut Self::Context) {
        match &self.gate {
            Some((gate, _)) => gate.route(msg, ctx.address()),
            None => self.start(msg, ctx),
        }
    }
}

impl Handler<StartOwnedTurn> for Router {
    type Result = ();
    fn handle(&mut self, msg: StartOwnedTurn, ctx: &mut Self::Context) {
        self.start(msg.0, ctx);
    }
}

impl Handler<SetTurnGate> for Router {
    type Result = ();
    fn handle(&mut self, msg: SetTurnGate, _: &mut Self::Context) {
        self.gate = Some((msg.gate, msg.tap));
    }
}

impl Router {
    /// Registers the turn and enqueues it on its session (started here if needed).
    fn start(&mut self, mut msg: StartTurn, ctx: &mut Context<Self>) {
        let key = msg.req.session_key.clone();
        let agent = msg.req.agent_id.clone();
        if let Some((_, tap)) = &self.gate {
            let (sub, rx) = Subscriber::channel(false);
            msg.subscribers.push(sub);
            let _ = tap.send(RunObserved {
                run_id: msg.req.run_id.clone(),
                session_key: key.clone(),
                agent_id: agent.clone(),
                rx,
            });
        }
        if let Some(observer) = &self.observer {
            let (sub, rx) = Subscriber::channel(false);
            msg.subscribers.push(sub);
            observer.do_send(RunObserved {
                run_id: msg.req.run_id.clone(),
                session_key: key.clone(),
                agent_id: agent.clone(),
                rx,
            });
        }
        if let Some(watchers) = self.watchers.get_mut(&key) {
            watchers.retain(|w| !w.tx.is_closed());
            msg.subscribers.extend(watchers.iter().cloned());
            if watchers.is_empty() {
                self.watchers.remove(&key);
            }
        }
        if let Some(waiting) = self.awaiting.remove(&msg.req.run_id) {
            msg.subscribers
                .extend(waiting.into_iter().filter(|s| !s.tx.is_closed()));
        }
        self.runs.insert(
            msg.req.run_id.clone(),
            RunEntry {
                session_key: key.clone(),
                addr: None,
            },
        );
        let s = self.session(&key, &agent, msg.home, ctx);
        s.forwarded += 1;
        s.addr.do_send(session::Enqueue {
            req: msg.req,
            subscribers: msg.subscribers,
        });
    }
}

impl Handler<RunStarted> for Router {
    type Result = ();
    fn handle(&mut self, msg: RunStarted, _: &mut Self::Context) {
        let entry = self.runs.entry(msg.run_id).or_insert(RunEntry {
            session_key: msg.session_key,
            addr: None,
        });
        entry.addr = Some(msg.addr);
    }
}

impl Handler<RunEnded> for Router {
    type Result = ();
    fn handle(&mut self, msg: RunEnded, _: &mut Self::Context) {
        self.runs.remove(&msg.run_id);
        if self.runs.is_empty() {
            for w in self.idle_waiters.drain(..) {
                let _ = w.send(());
            }
        }
    }
}

impl Handler<WatchSession> for Router {
    type Result = ();
    fn handle(&mut self, msg: WatchSession, _: &mut Self::Context) {
        self.watchers.retain(|_, subs| {
            subs.retain(|s| !s.tx.is_closed());
            !subs.is_empty()
        });
        self.watchers
            .entry(msg.session_key)
            .or_default()
            .push(msg.sub);
    }
}

impl Handler<WhenIdle> for Router {
    type Result = ResponseFuture<()>;
    fn handle(&mut self, _: WhenIdle, _: &mut Self::Context) -> Self::Result {
        if self.runs.is_empty() {
            return Box::pin(std::future::ready(()));
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.idle_waiters.push(tx);
        Box::pin(async move {
            let _ = rx.await;
        })
    }
}

impl Handler<SubscribeRun> for Router {
    type Result = MessageResult<SubscribeRun>;
    fn handle(&mut self, msg: SubscribeRun, _: &mut Self::Context) -> Self::Result {
        let Some(entry) = self.runs.get(&msg.run_id) else {
            if !msg.await_unknown {
                return MessageResult(RunLookup::Unknown);
            }
            self.awaiting.retain(|_, subs| {
                subs.retain(|s| !s.tx.is_closed());
                !subs.is_empty()
            });
            self.awaiting.entry(msg.run_id).or_default().push(msg.sub);
            return MessageResult(RunLookup::Awaiting);
        };
        match &entry.addr {
            Some(addr) => addr.do_send(agent_run::Subscribe { sub: msg.sub }),
            None => match self.sessions.get(&entry.session_key) {
                Some(s) => s.addr.do_send(session::Attach {
                    run_id: msg.run_id,
                    sub: msg.sub,
                }),
                None => return MessageResult(RunLookup::Unknown),
            },
        }
        MessageResult(RunLookup::Live)
    }
}

impl Handler<Abort> for Router {
    type Result = ResponseFuture<bool>;
    fn handle(&mut self, msg: Abort, _: &mut Self::Context) -> Self::Result {
        let key = msg.session_key.clone().or_else(|| {
            msg.run_id
                .as_ref()
                .and_then(|r| self.runs.get(r).map(|e| e.session_key.clone()))
        });
        let target = key.and_then(|k| self.sessions.get(&k).map(|s| s.addr.clone()));
        let direct = msg
            .run_id
            .as_ref()
            .and_then(|r| self.runs.get(r).and_then(|e| e.addr.clone()));
        if target.is_none() && direct.is_none() {
            if let (Some((gate, _)), Some(run_id)) = (&self.gate, &msg.run_id) {
                let forwarded = gate.abort_forwarded(run_id);
                return Box::pin(std::future::ready(forwarded));
            }
        }
        Box::pin(async move {
            if let Some(s) = target {
                return s
                    .send(session::AbortTurns { run_id: msg.run_id })
                    .await
                    .unwrap_or(false);
            }
            if let Some(a) = direct {
                a.do_send(agent_run::Abort);
                return true;
            }
            false
        })
    }
}

impl Handler<SteerRun> for Router {
    type Result = ResponseFuture<bool>;
    fn handle(&mut self, msg: SteerRun, _: &mut Self::Context) -> Self::Result {
        let run = self.runs.get(&msg.run_id).and_then(|e| e.addr.clone());
        Box::pin(async move {
            match run {
                Some(a) => a
                    .send(agent_run::Steer { text: msg.text })
                    .await
                    .unwrap_or(false),
                None => false,
            }
        })
    }
}

impl Handler<ReleaseSession> for Router {
    type Result = bool;
    fn handle(&mut self, msg: ReleaseSession, _: &mut Self::Context) -> bool {
        match self.sessions.get(&msg.key) {
            Some(s) if s.forwarded <= msg.received => {
                self.sessions.remove(&msg.key);
                true
            }
            Some(_) => false,
            None => true,
        }
    }
}

impl Handler<MutateSession> for Router {
    type Result = ResponseFuture<Result<session::Mutated, String>>;
    fn handle(&mut self, msg: MutateSession, ctx: &mut Self::Context) -> Self::Result {
        let s = self.session(&msg.key, &msg.agent_id, None, ctx);
        s.forwarded += 1;
        let req = s.addr.send(session::Mutate { op: msg.op });
        Box::pin(async move { req.await.map_err(|e| format!("session unavailable: {e}"))? })
    }
}

impl Handler<GetStats> for Router {
    type Result = MessageResult<GetStats>;
    fn handle(&mut self, _: GetStats, _: &mut Self::Context) -> Self::Result {
        MessageResult(Stats {
            live_sessions: self.sessions.len(),
            active_runs: self.runs.values().filter(|e| e.addr.is_some()).count(),
        })
    }
}

impl Handler<SetObserver> for Router {
    type Result = ();
    fn handle(&mut self, msg: SetObserver, _: &mut Self::Context) {
        self.observer = msg.observer;
    }
}

impl Handler<ActiveRuns> for Router {
    type Result = MessageResult<ActiveRuns>;
    fn handle(&mut self, _: ActiveRuns, _: &mut Self::Context) -> Self::Result {
        MessageResult(
            self.runs
                .iter()
                .map(|(id, e)| (id.clone(), e.session_key.clone()))
                .collect(),
        )
    }
}
