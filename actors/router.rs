//! `Router`: the supervisor every HTTP and WebSocket handler talks to.
//!
//! - Owns: nothing itself. The registry of live sessions (key → `Addr<Session>`), of running
//!   turns (run id → `Addr<AgentRun>`) and the pool of arbiters sessions are sharded over are in
//!   [`RouterCore`], shared by the router's shards: one per thread that talks to it
//!   ([`Routers::here`]), so reaching the supervisor never wakes another thread.
//! - Started by: [`crate::startup::Gateway::build`] (the first shard, on the system arbiter);
//!   the other shards start on first use on their threads.
//! - Talks to: [`super::session::Session`] (creates one per key on the arbiter the key hashes
//!   to, forwards turns, aborts, invalidations) and [`super::agent_run::AgentRun`] (subscribe,
//!   abort by run id).

mod registry;
mod remote;

pub use registry::RouterCore;
pub use remote::RemoteRun;

use super::agent_run::{self, AgentRun};
use super::session;
use crate::core::run::Subscriber;
use crate::core::run::TurnRequest;
use actix::prelude::*;
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

/// One shard of the supervisor: a thin actor over the shared [`RouterCore`]. Every thread that
/// talks to the router gets its own shard ([`Routers::here`]), so a message never wakes another
/// thread just to reach the supervisor.
pub struct Router {
    core: Arc<RouterCore>,
}

impl Router {
    /// A shard over `core`.
    pub(crate) fn shard(core: Arc<RouterCore>) -> Self {
        Router { core }
    }
}

/// Handle on the sharded supervisor: the shard on the thread that started it, and the core
/// every shard shares (cheap to clone).
#[derive(Clone)]
pub struct Routers {
    main: Addr<Router>,
    core: Arc<RouterCore>,
}

impl Routers {
    /// Starts the first shard over `core` on the current arbiter.
    pub fn start(core: RouterCore) -> Self {
        let core = Arc::new(core);
        let main = Router::shard(core.clone()).start();
        core.adopt(main.clone());
        Routers { main, core }
    }

    /// The first shard (any shard handles any message; this one is on the system arbiter).
    pub fn main(&self) -> &Addr<Router> {
        &self.main
    }

    /// The shard on the calling thread (started on first use), or the first one off an
    /// arbiter.
    pub fn here(&self) -> Addr<Router> {
        self.core.here().unwrap_or_else(|| self.main.clone())
    }

    /// Routes a turn on the calling thread, as this thread's shard would handle
    /// [`StartTurn`]: when this returns the run is registered and queued on its session, so
    /// an abort, attach or wait sent afterwards from any thread finds it (a message would
    /// leave that to whenever the shard next runs).
    pub fn start_turn(&self, turn: StartTurn) {
        self.core.route(turn, || self.here());
    }

    /// [`Abort`] handled on the calling thread: the abort reaches the session before any turn
    /// started after this call (answers whether something was aborted).
    pub fn abort(
        &self,
        run_id: Option<String>,
        session_key: Option<String>,
    ) -> impl std::future::Future<Output = bool> + 'static {
        self.core.abort(run_id, session_key)
    }

    /// [`WatchSession`] handled on the calling thread: every turn started after this call is
    /// followed.
    pub fn watch(&self, session_key: &str, sub: Subscriber) {
        self.core.watch(session_key.to_string(), sub);
    }

    /// Ids of runs queued or in progress, with their session keys (read on the calling thread).
    pub fn active_runs(&self) -> Vec<(String, String)> {
        self.core.active_runs()
    }

    /// [`MutateSession`] handled on the calling thread: the change reaches the session before
    /// any turn started after this call.
    pub fn mutate(
        &self,
        key: &str,
        agent_id: &str,
        op: session::SessionOp,
    ) -> impl std::future::Future<Output = Result<session::Mutated, String>> + 'static {
        self.core.mutate(key, agent_id, op)
    }
}

impl Actor for Router {
    type Context = Context<Self>;
}

impl Handler<StartTurn> for Router {
    type Result = ();
    fn handle(&mut self, msg: StartTurn, ctx: &mut Self::Context) {
        self.core.route(msg, || ctx.address());
    }
}

impl Handler<StartOwnedTurn> for Router {
    type Result = ();
    fn handle(&mut self, msg: StartOwnedTurn, _: &mut Self::Context) {
        self.core.start(msg.0);
    }
}

impl Handler<SetTurnGate> for Router {
    type Result = ();
    fn handle(&mut self, msg: SetTurnGate, _: &mut Self::Context) {
        self.core.set_gate((msg.gate, msg.tap));
    }
}

impl Handler<RunStarted> for Router {
    type Result = ();
    fn handle(&mut self, msg: RunStarted, _: &mut Self::Context) {
        self.core.run_started(msg.run_id, msg.session_key, msg.addr);
    }
}

impl Handler<RunEnded> for Router {
    type Result = ();
    fn handle(&mut self, msg: RunEnded, _: &mut Self::Context) {
        self.core.run_ended(&msg.run_id);
    }
}

impl Handler<WatchSession> for Router {
    type Result = ();
    fn handle(&mut self, msg: WatchSession, _: &mut Self::Context) {
        self.core.watch(msg.session_key, msg.sub);
    }
}

impl Handler<WhenIdle> for Router {
    type Result = ResponseFuture<()>;
    fn handle(&mut self, _: WhenIdle, _: &mut Self::Context) -> Self::Result {
        let rx = self.core.when_idle();
        Box::pin(async move {
            if let Some(rx) = rx {
                let _ = rx.await;
            }
        })
    }
}

impl Handler<SubscribeRun> for Router {
    type Result = MessageResult<SubscribeRun>;
    fn handle(&mut self, msg: SubscribeRun, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.core.subscribe(msg.run_id, msg.sub, msg.await_unknown))
    }
}

impl Handler<Abort> for Router {
    type Result = ResponseFuture<bool>;
    fn handle(&mut self, msg: Abort, _: &mut Self::Context) -> Self::Result {
        Box::pin(self.core.abort(msg.run_id, msg.session_key))
    }
}

impl Handler<SteerRun> for Router {
    type Result = ResponseFuture<bool>;
    fn handle(&mut self, msg: SteerRun, _: &mut Self::Context) -> Self::Result {
        let run = self.core.running(&msg.run_id);
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
        self.core.release(&msg.key, msg.received)
    }
}

impl Handler<MutateSession> for Router {
    type Result = ResponseFuture<Result<session::Mutated, String>>;
    fn handle(&mut self, msg: MutateSession, _: &mut Self::Context) -> Self::Result {
        self.core.mutate(&msg.key, &msg.agent_id, msg.op)
    }
}

impl Handler<GetStats> for Router {
    type Result = MessageResult<GetStats>;
    fn handle(&mut self, _: GetStats, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.core.stats())
    }
}

impl Handler<SetObserver> for Router {
    type Result = ();
    fn handle(&mut self, msg: SetObserver, _: &mut Self::Context) {
        self.core.set_observer(msg.observer);
    }
}

impl Handler<ActiveRuns> for Router {
    type Result = MessageResult<ActiveRuns>;
    fn handle(&mut self, _: ActiveRuns, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.core.active_runs())
    }
}
