//! Turns: start one and hold a [`RunHandle`], attach to a run by id, wait for a run's end,
//! abort. The router registers a run when it is queued, so attaching and waiting subscribe
//! to the run's events (or to its registration) and never poll.

use super::App;
use crate::actors::router::{
    Abort, ActiveRuns, Router, RunLookup, StartTurn, SubscribeRun, WhenIdle,
};
use crate::core::run::{EventRef, RunEvent, RunOutcome, Subscriber, TurnRequest};
use crate::storage::{RunRow, RunStatus};
use actix::{Addr, Arbiter, ArbiterHandle};
use std::time::Duration;
use tokio::sync::mpsc;

/// Where a new session's actor is placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// On the calling thread (an HTTP or WebSocket worker): the turn and the request it
    /// answers share a thread and skip two cross-thread wake-ups.
    Here,
    /// On the shard its key hashes to (background work: cron, hooks, channels).
    Hashed,
}

impl Placement {
    fn home(self) -> Option<ArbiterHandle> {
        match self {
            Placement::Here => Some(Arbiter::current()),
            Placement::Hashed => None,
        }
    }
}

/// A started (or attached) run: its id and its events, ending with one `Done`.
pub struct RunHandle {
    run_id: String,
    rx: mpsc::Receiver<EventRef>,
    app: App,
}

impl RunHandle {
    /// A handle over events relayed from another handle's channel.
    pub(crate) fn relayed(run_id: String, rx: mpsc::Receiver<EventRef>, app: App) -> RunHandle {
        RunHandle { run_id, rx, app }
    }

    /// The run id.
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// The next event; `None` once the run is over (after `Done`, or if it vanished).
    pub async fn next(&mut self) -> Option<EventRef> {
        self.rx.recv().await
    }

    /// The raw event receiver (for edges that stream events themselves).
    pub fn into_events(self) -> mpsc::Receiver<EventRef> {
        self.rx
    }

    /// Waits for the run's outcome; `None` when the run ended without reporting one to this
    /// handle (it ended while the handle was being attached).
    pub async fn outcome(mut self) -> Option<RunOutcome> {
        outcome_of(&mut self.rx).await
    }

    /// Asks the run to stop (its outcome still arrives, as aborted).
    pub fn abort(&self) {
        // The abort is sent when this is called; its answer is not needed.
        drop(self.app.routers.abort(Some(self.run_id.clone()), None));
    }
}

/// Waits for the `Done` event on a subscriber channel; `None` if it closes first.
pub async fn outcome_of(rx: &mut mpsc::Receiver<EventRef>) -> Option<RunOutcome> {
    while let Some(ev) = rx.recv().await {
        if let RunEvent::Done(o) = &*ev {
            return Some(o.clone());
        }
    }
    None
}

/// How a wait ended.
#[derive(Debug, Clone)]
pub enum RunEnd {
    /// The run ended while we watched.
    Outcome(Box<RunOutcome>),
    /// It had already ended; its persisted row.
    Stored(RunRow),
    /// The wait expired (the run may still be going, or may never have existed).
    Timeout,
}

/// What a reset or abort targets.
#[derive(Debug, Clone)]
pub enum AbortTarget {
    /// One run.
    Run(String),
    /// One run, only if it belongs to this session.
    RunOfSession {
        /// The run.
        run_id: String,
        /// Its session.
        session_key: String,
    },
    /// Every queued and running turn of a session.
    Session(String),
}

impl App {
    /// Starts (or queues) a turn owned by the caller: dropping the handle before the run ends
    /// aborts it (a client that disconnects stops paying for the turn).
    pub fn start_turn(&self, req: TurnRequest, placement: Placement) -> RunHandle {
        self.start_with(req, placement, true)
    }

    /// Starts a turn that keeps running whether or not anyone reads the handle.
    pub fn start_detached(&self, req: TurnRequest, placement: Placement) -> RunHandle {
        self.start_with(req, placement, false)
    }

    /// Starts a turn nobody watches.
    pub fn spawn_turn(&self, req: TurnRequest, placement: Placement) {
        self.routers.start_turn(StartTurn {
            req,
            subscribers: vec![],
            home: placement.home(),
        });
    }

    fn start_with(&self, req: TurnRequest, placement: Placement, owner: bool) -> RunHandle {
        let (sub, rx) = Subscriber::channel(owner);
        let run_id = req.run_id.clone();
        self.routers.start_turn(StartTurn {
            req,
            subscribers: vec![sub],
            home: placement.home(),
        });
        RunHandle {
            run_id,
            rx,
            app: self.clone(),
        }
    }

    /// Attaches to a queued or running run (never its owner); `None` when no such run is live.
    pub async fn attach(&self, run_id: &str) -> Option<RunHandle> {
        let (sub, rx) = Subscriber::channel(false);
        let found = self
            .routers
            .here()
            .send(SubscribeRun {
                run_id: run_id.to_string(),
                sub,
                await_unknown: false,
            })
            .await
            .ok()?;
        (found == RunLookup::Live).then(|| RunHandle {
            run_id: run_id.to_string(),
            rx,
            app: self.clone(),
        })
    }

    /// Waits up to `timeout` for run `run_id` to end: a live run is watched, a finished one
    /// answers from its stored row, and an id not seen yet is awaited in case it starts. With
    /// several nodes, a run another node executes is awaited on the run fan-out.
    pub async fn wait_run(&self, run_id: &str, timeout: Duration) -> RunEnd {
        let (sub, mut rx) = Subscriber::channel(false);
        let found = self
            .routers
            .here()
            .send(SubscribeRun {
                run_id: run_id.to_string(),
                sub,
                await_unknown: true,
            })
            .await
            .unwrap_or(RunLookup::Unknown);
        let remote = (found != RunLookup::Live)
            .then(|| self.cluster().map(|c| c.await_run(run_id)))
            .flatten();
        if found != RunLookup::Live {
            if let Some(row) = self.finished_run(run_id).await {
                return RunEnd::Stored(row);
            }
        }
        let ended = async {
            let Some(mut remote) = remote else {
                return outcome_of(&mut rx).await;
            };
            tokio::select! {
                Some(o) = outcome_of(&mut rx) => Some(o),
                Ok(o) = &mut remote => Some(o),
                else => None,
            }
        };
        match tokio::time::timeout(timeout, ended).await {
            Ok(Some(o)) => RunEnd::Outcome(Box::new(o)),
            // The run ended before our subscriber reached it; its row is final by then (a
            // run persists its end before announcing it).
            Ok(None) => match self.finished_run(run_id).await {
                Some(row) => RunEnd::Stored(row),
                None => RunEnd::Timeout,
            },
            Err(_) => RunEnd::Timeout,
        }
    }

    async fn finished_run(&self, run_id: &str) -> Option<RunRow> {
        self.store
            .get_run(run_id)
            .await
            .ok()
            .flatten()
            .filter(|r| r.status != RunStatus::Running.as_str())
    }

    /// Aborts what `target` names; `true` when something was queued or running.
    pub async fn abort(&self, target: AbortTarget) -> bool {
        match target {
            AbortTarget::Run(r) => self.routers.abort(Some(r), None).await,
            AbortTarget::RunOfSession {
                run_id,
                session_key,
            } => self.abort_session(&session_key, Some(&run_id)).await.0,
            AbortTarget::Session(k) => self.abort_session(&k, None).await.0,
        }
    }

    /// Aborts the queued and running turns of session `key` (only `run_id`, when given), on the
    /// node that owns the session; returns whether something was aborted and the ids of the
    /// runs that were queued or running.
    pub async fn abort_session(&self, key: &str, run_id: Option<&str>) -> (bool, Vec<String>) {
        match self.cluster() {
            Some(c) => {
                c.abort_session(
                    self.routers.here(),
                    key.to_string(),
                    run_id.map(str::to_string),
                )
                .await
            }
            None => {
                let ids = runs_of(self.routers.active_runs(), key, run_id);
                let aborted = self
                    .routers
                    .abort(run_id.map(str::to_string), Some(key.to_string()));
                (aborted.await, ids)
            }
        }
    }

    /// The session of a queued or running run: one of this node's, or (cluster mode) one
    /// another node runs, from its stored `running` row.
    pub async fn session_of_run(&self, run_id: &str) -> Option<String> {
        let active = self.active_runs().await;
        if let Some((_, key)) = active.into_iter().find(|(id, _)| id == run_id) {
            return Some(key);
        }
        self.cluster()?;
        let row = self.store.get_run(run_id).await.ok().flatten()?;
        (row.status == RunStatus::Running.as_str()).then_some(row.session_key)
    }

    /// Ids (and session keys) of the runs queued or running.
    pub async fn active_runs(&self) -> Vec<(String, String)> {
        self.routers.active_runs()
    }

    /// The events of every turn started on `session_key` from now on (never their owner),
    /// until the receiver is dropped.
    pub fn watch_session(&self, session_key: &str) -> mpsc::Receiver<EventRef> {
        let (sub, rx) = Subscriber::channel(false);
        self.routers.watch(session_key, sub);
        rx
    }

    /// Resolves once no run is queued or running.
    pub async fn when_idle(&self) {
        let _ = self.routers.here().send(WhenIdle).await;
    }
}

/// The ids among `active` (run id, session key) of session `key`'s runs (only `run_id`).
fn runs_of(active: Vec<(String, String)>, key: &str, run_id: Option<&str>) -> Vec<String> {
    active
        .into_iter()
        .filter(|(id, k)| k == key && run_id.is_none_or(|r| r == id))
        .map(|(id, _)| id)
        .collect()
}

/// Aborts the turns of session `key` (only `run_id`, when given) that run on this node;
/// returns whether something was aborted and the ids of the runs that were queued or running.
pub(crate) async fn abort_here(
    router: &Addr<Router>,
    key: &str,
    run_id: Option<&str>,
) -> (bool, Vec<String>) {
    let ids = runs_of(
        router.send(ActiveRuns).await.unwrap_or_default(),
        key,
        run_id,
    );
    let aborted = router
        .send(Abort {
            run_id: run_id.map(str::to_string),
            session_key: Some(key.to_string()),
        })
        .await
        .unwrap_or(false);
    (aborted, ids)
}
