//! The supervisor's state, shared by its shards: one [`Router`] actor per thread that talks to
//! it (every HTTP worker, every session arbiter, the system arbiter), all over one
//! [`RouterCore`]. A turn's request, its session and its run live on the worker thread that
//! accepted it, and its supervisor shard is on that thread too, so starting, registering and
//! ending a turn never wakes another thread. Every shard handles every message the same way:
//! which one a message reaches changes nothing but the thread it runs on.
//!
//! Consistency: the maps are concurrent (`DashMap`); where two of them must change together
//! (a run id awaited before its turn registers; the idle waiters and the run count) both
//! changes happen under one lock, so no interleaving of shards loses a subscriber or a wake-up.

use super::{RunLookup, RunObserved, StartTurn, TurnGate};
use crate::actors::agent_run::{self, AgentRun};
use crate::actors::session::{self, Session};
use crate::config::ConfigHandle;
use crate::core::run::Subscriber;
use crate::storage::Store;
use crate::tools::ToolRegistry;
use actix::prelude::*;
use dashmap::DashMap;
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::ThreadId;

/// A registered run: queued on its session until its `AgentRun` reports in.
struct RunEntry {
    session_key: String,
    addr: Option<Addr<AgentRun>>,
}

/// A live session actor and how many turns and mutations were sent to it.
struct LiveSession {
    addr: Addr<Session>,
    forwarded: u64,
}

/// Cluster mode: where turns are routed, and the tap on turns run here.
type Gate = (
    Arc<dyn TurnGate>,
    tokio::sync::mpsc::UnboundedSender<RunObserved>,
);

/// Locks a mutex, taking the data of a poisoned one (a panicking shard leaves plain maps).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The supervisor's registries and what it hands to the sessions it starts.
pub struct RouterCore {
    config: ConfigHandle,
    store: Store,
    tools: ToolRegistry,
    metrics: Arc<crate::metrics::Metrics>,
    /// Arbiters sessions are placed on when the caller names no home.
    shards: Vec<ArbiterHandle>,
    sessions: DashMap<String, LiveSession>,
    runs: DashMap<String, RunEntry>,
    /// Subscribers waiting for a run id that is not registered yet. Registering a run takes
    /// this lock too, so a subscriber is either found here by the run or finds the run.
    awaiting: Mutex<HashMap<String, Vec<Subscriber>>>,
    /// Resolved when no run is registered; a run's end and this list share the lock.
    idle_waiters: Mutex<Vec<tokio::sync::oneshot::Sender<()>>>,
    observer: RwLock<Option<Recipient<RunObserved>>>,
    /// Session watchers (history follow mode).
    watchers: DashMap<String, Vec<Subscriber>>,
    gate: RwLock<Option<Gate>>,
    /// The shard started on each thread that asked for one.
    local: DashMap<ThreadId, Addr<super::Router>>,
}

impl RouterCore {
    /// A core placing sessions on `shards` (at least one arbiter).
    pub fn new(
        config: ConfigHandle,
        store: Store,
        tools: ToolRegistry,
        shards: Vec<ArbiterHandle>,
        metrics: Arc<crate::metrics::Metrics>,
    ) -> Self {
        RouterCore {
            config,
            store,
            tools,
            metrics,
            shards,
            sessions: DashMap::new(),
            runs: DashMap::new(),
            awaiting: Mutex::default(),
            idle_waiters: Mutex::default(),
            observer: RwLock::default(),
            watchers: DashMap::new(),
            gate: RwLock::default(),
            local: DashMap::new(),
        }
    }

    /// Records `addr` as the calling thread's shard.
    pub fn adopt(&self, addr: Addr<super::Router>) {
        self.local.insert(std::thread::current().id(), addr);
    }

    /// This thread's shard, started on first use; `None` off an actix arbiter.
    pub fn here(self: &Arc<Self>) -> Option<Addr<super::Router>> {
        let id = std::thread::current().id();
        if let Some(a) = self.local.get(&id).filter(|a| a.connected()) {
            return Some(a.clone());
        }
        actix::Arbiter::try_current()?;
        let addr = super::Router::shard(self.clone()).start();
        self.local.insert(id, addr.clone());
        Some(addr)
    }

    fn shard_for(&self, key: &str) -> ArbiterHandle {
        if self.shards.is_empty() {
            return Arbiter::current();
        }
        let mut h = DefaultHasher::new();
        key.hash(&mut h);
        self.shards[(h.finish() as usize) % self.shards.len()].clone()
    }

    /// The live session for `key` (started on `home`, or the shard its key hashes to), counted
    /// as sent one more message; `send` runs while that count cannot be read by a release.
    fn with_session<T>(
        self: &Arc<Self>,
        key: &str,
        agent_id: &str,
        home: Option<ArbiterHandle>,
        send: impl FnOnce(&Addr<Session>) -> T,
    ) -> T {
        let mut entry = self
            .sessions
            .entry(key.to_string())
            .or_insert_with(|| self.start_session(key, agent_id, home.clone()));
        if !entry.addr.connected() {
            *entry = self.start_session(key, agent_id, home);
        }
        entry.forwarded += 1;
        send(&entry.addr)
    }

    fn start_session(
        self: &Arc<Self>,
        key: &str,
        agent_id: &str,
        home: Option<ArbiterHandle>,
    ) -> LiveSession {
        let shard = home.unwrap_or_else(|| self.shard_for(key));
        let (k, a, cfg, store, tools, core, metrics) = (
            key.to_string(),
            agent_id.to_string(),
            self.config.clone(),
            self.store.clone(),
            self.tools.clone(),
            self.clone(),
            self.metrics.clone(),
        );
        let addr = Session::start_in_arbiter(&shard, move |_| {
            // Runs on the session's own thread: its shard is the one next to it.
            let router = core.here().expect("a session runs on an arbiter");
            Session::new(k, a, cfg, store, tools, router, metrics)
        });
        LiveSession { addr, forwarded: 0 }
    }

    /// Routes a turn: through the cluster gate when one is set (`me`: the shard it hands the
    /// turn back to), else started here.
    pub fn route(self: &Arc<Self>, msg: StartTurn, me: impl FnOnce() -> Addr<super::Router>) {
        let gate = self
            .gate
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|(g, _)| g.clone());
        match gate {
            Some(gate) => gate.route(msg, me()),
            None => self.start(msg),
        }
    }

    /// Registers the turn and enqueues it on its session (started if needed).
    pub fn start(self: &Arc<Self>, mut msg: StartTurn) {
        let key = msg.req.session_key.clone();
        let agent = msg.req.agent_id.clone();
        let observed = |rx| RunObserved {
            run_id: msg.req.run_id.clone(),
            session_key: key.clone(),
            agent_id: agent.clone(),
            rx,
        };
        let mut extra = Vec::new();
        if let Some((_, tap)) = &*self.gate.read().unwrap_or_else(|e| e.into_inner()) {
            let (sub, rx) = Subscriber::channel(false);
            extra.push(sub);
            let _ = tap.send(observed(rx));
        }
        if let Some(observer) = &*self.observer.read().unwrap_or_else(|e| e.into_inner()) {
            let (sub, rx) = Subscriber::channel(false);
            extra.push(sub);
            observer.do_send(observed(rx));
        }
        msg.subscribers.extend(extra);
        if let Some(mut watchers) = self.watchers.get_mut(&key) {
            watchers.retain(|w| !w.tx.is_closed());
            msg.subscribers.extend(watchers.iter().cloned());
        }
        self.watchers.remove_if(&key, |_, w| w.is_empty());
        {
            let mut awaiting = lock(&self.awaiting);
            if let Some(waiting) = awaiting.remove(&msg.req.run_id) {
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
        }
        let enqueue = session::Enqueue {
            req: msg.req,
            subscribers: msg.subscribers,
        };
        self.with_session(&key, &agent, msg.home, |s| s.do_send(enqueue));
    }

    /// A registered run's actor began.
    pub fn run_started(&self, run_id: String, session_key: String, addr: Addr<AgentRun>) {
        self.runs
            .entry(run_id)
            .or_insert(RunEntry {
                session_key,
                addr: None,
            })
            .addr = Some(addr);
    }

    /// A registered run is over.
    pub fn run_ended(&self, run_id: &str) {
        self.runs.remove(run_id);
        let mut waiters = lock(&self.idle_waiters);
        if self.runs.is_empty() {
            for w in waiters.drain(..) {
                let _ = w.send(());
            }
        }
    }

    /// Resolves once no run is registered.
    pub fn when_idle(&self) -> Option<tokio::sync::oneshot::Receiver<()>> {
        let mut waiters = lock(&self.idle_waiters);
        if self.runs.is_empty() {
            return None;
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        waiters.push(tx);
        Some(rx)
    }

    /// Follows session `key`: `sub` gets the events of its turns from now on.
    pub fn watch(&self, key: String, sub: Subscriber) {
        self.watchers.retain(|_, subs| {
            subs.retain(|s| !s.tx.is_closed());
            !subs.is_empty()
        });
        self.watchers.entry(key).or_default().push(sub);
    }

    /// The live watchers of session `key` (forgetting closed ones).
    pub fn watchers_of(&self, key: &str) -> Vec<Subscriber> {
        let subs = match self.watchers.get_mut(key) {
            Some(mut w) => {
                w.retain(|s| !s.tx.is_closed());
                w.clone()
            }
            None => return vec![],
        };
        self.watchers.remove_if(key, |_, w| w.is_empty());
        subs
    }

    /// Attaches `sub` to a registered run (or parks it for a run id not seen yet).
    pub fn subscribe(&self, run_id: String, sub: Subscriber, await_unknown: bool) -> RunLookup {
        let found = {
            let mut awaiting = lock(&self.awaiting);
            match self.runs.get(&run_id) {
                Some(e) => (e.addr.clone(), e.session_key.clone()),
                None if await_unknown => {
                    awaiting.retain(|_, subs| {
                        subs.retain(|s| !s.tx.is_closed());
                        !subs.is_empty()
                    });
                    awaiting.entry(run_id).or_default().push(sub);
                    return RunLookup::Awaiting;
                }
                None => return RunLookup::Unknown,
            }
        };
        match found {
            (Some(addr), _) => addr.do_send(agent_run::Subscribe { sub }),
            (None, key) => match self.sessions.get(&key) {
                Some(s) => s.addr.do_send(session::Attach { run_id, sub }),
                None => return RunLookup::Unknown,
            },
        }
        RunLookup::Live
    }

    /// Aborts run `run_id` and/or every turn of `session_key`: the session's abort is in its
    /// mailbox when this returns; the future answers whether something was aborted.
    pub fn abort(
        &self,
        run_id: Option<String>,
        session_key: Option<String>,
    ) -> futures_util::future::BoxFuture<'static, bool> {
        let entry = run_id.as_deref().and_then(|r| {
            self.runs
                .get(r)
                .map(|e| (e.session_key.clone(), e.addr.clone()))
        });
        let key = session_key.or_else(|| entry.as_ref().map(|e| e.0.clone()));
        let target = key.and_then(|k| self.sessions.get(&k).map(|s| s.addr.clone()));
        if let Some(s) = target {
            // Enqueued now, so it is ordered before any later turn of the session.
            let req = s.send(session::AbortTurns { run_id });
            return Box::pin(async move { req.await.unwrap_or(false) });
        }
        if let Some(a) = entry.and_then(|e| e.1) {
            a.do_send(agent_run::Abort);
            return Box::pin(std::future::ready(true));
        }
        let gate = self.gate.read().unwrap_or_else(|e| e.into_inner());
        let forwarded = match (&*gate, run_id) {
            (Some((gate, _)), Some(run_id)) => gate.abort_forwarded(&run_id),
            _ => false,
        };
        Box::pin(std::future::ready(forwarded))
    }

    /// The run's actor, if it is running here.
    pub fn running(&self, run_id: &str) -> Option<Addr<AgentRun>> {
        self.runs.get(run_id).and_then(|e| e.addr.clone())
    }

    /// A session asks to stop: allowed when it has received everything sent to it.
    pub fn release(&self, key: &str, received: u64) -> bool {
        self.sessions
            .remove_if(key, |_, s| s.forwarded <= received)
            .is_some()
            || !self.sessions.contains_key(key)
    }

    /// Sends a mutation to session `key` (started if needed), ordered with its turns.
    pub fn mutate(
        self: &Arc<Self>,
        key: &str,
        agent_id: &str,
        op: session::SessionOp,
    ) -> futures_util::future::BoxFuture<'static, Result<session::Mutated, String>> {
        // A fresh sender is never parked by an earlier full mailbox, so the message is in the
        // session's mailbox when this returns (ordered before any later turn).
        let req = self.with_session(key, agent_id, None, |s| {
            s.clone().send(session::Mutate { op })
        });
        Box::pin(async move { req.await.map_err(|e| format!("session unavailable: {e}"))? })
    }

    /// Live sessions and running turns.
    pub fn stats(&self) -> super::Stats {
        super::Stats {
            live_sessions: self.sessions.len(),
            active_runs: self.runs.iter().filter(|e| e.addr.is_some()).count(),
        }
    }

    /// Sets (or clears) the observer of every turn started from now on.
    pub fn set_observer(&self, observer: Option<Recipient<RunObserved>>) {
        *self.observer.write().unwrap_or_else(|e| e.into_inner()) = observer;
    }

    /// Puts every turn started from now on through the cluster gate.
    pub fn set_gate(&self, gate: Gate) {
        *self.gate.write().unwrap_or_else(|e| e.into_inner()) = Some(gate);
    }

    /// Ids of runs queued or in progress, with their session keys.
    pub fn active_runs(&self) -> Vec<(String, String)> {
        self.runs
            .iter()
            .map(|e| (e.key().clone(), e.session_key.clone()))
            .collect()
    }
}
