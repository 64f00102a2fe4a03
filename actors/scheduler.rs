//! `Scheduler`: the cron service.
//!
//! - Owns: the job table (every job, mirrored to SQLite on each change), the set of running
//!   jobs, the timer, and the clock it reads (injectable for tests).
//! - Started by: [`crate::startup::Gateway::build`], once, on the system arbiter (always, so
//!   jobs can be managed while `cron.enabled` is false; timers are armed only when enabled).
//! - Talks to: the router (agent turns, through [`crate::cron::execute`]), the WebSocket hub
//!   (system events, heartbeats and the `cron` event), the channel delivery interface and the
//!   store (jobs and the run log).
//!
//! On start it replays missed runs: stale `runningAtMs` markers are cleared (an interrupted
//! job is due again), overdue jobs run at once up to [`lifecycle::MAX_MISSED_AT_START`], the
//! rest are spread [`lifecycle::MISSED_STAGGER`] apart. The timer is re-armed after every
//! change, at most [`MAX_TIMER_DELAY`] ahead, so a changed clock is noticed.
//!
//! A due run is claimed in the store before it starts (`CronStore::cron_claim` on the job and
//! its due time): with several nodes on one store only the node that records the claim runs
//! that tick, the others move on to the next one. On a shared store (PostgreSQL) the scheduler
//! also re-reads the job table every [`CLUSTER_SYNC`] to see other nodes' changes
//! ([`crate::cron::cluster`]).

use super::router::Router;
use super::ws_hub::{BroadcastEvent, WsHub};
use crate::channels::Outbound;
use crate::config::Config;
use crate::core::clock::{Clock, SystemClock};
use crate::cron::execute::{self, Deps, RunResult};
use crate::cron::schedule::next_run_ms;
use crate::cron::{lifecycle, normalize, CronJob};
use crate::storage::{Store, StoreFuture};
use actix::prelude::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

mod messages;
pub use messages::*;

/// Longest sleep between timer checks.
pub const MAX_TIMER_DELAY: Duration = Duration::from_secs(60);

/// How often a node on a shared store re-reads the job table.
pub const CLUSTER_SYNC: Duration = Duration::from_secs(1);

/// A job run ended (sent by the run's own future).
#[derive(Message)]
#[rtype(result = "()")]
struct Finished {
    job_id: String,
    run_id: String,
    started_at: i64,
    /// The due time of the claimed tick (none for a run asked for with `cron.run`).
    scheduled_at: Option<i64>,
    result: RunResult,
}

/// The actor.
pub struct Scheduler {
    deps: Deps,
    /// Where finished runs are counted (none outside a gateway).
    metrics: Option<std::sync::Arc<crate::metrics::Metrics>>,
    hub: Addr<WsHub>,
    clock: Arc<dyn Clock>,
    enabled: bool,
    jobs: BTreeMap<String, CronJob>,
    running: HashMap<String, String>,
    queued: VecDeque<(String, String)>,
    timer: Option<SpawnHandle>,
    /// This node's id (recorded with claims and runs).
    node_id: String,
    /// The store is shared with other nodes: re-read the job table (see [`CLUSTER_SYNC`]).
    shared_store: bool,
}

impl Scheduler {
    /// Reads the stored jobs (before the scheduler starts).
    pub async fn load_jobs(store: &Store) -> Vec<String> {
        match store.cron_jobs().await {
            Ok(jobs) => jobs,
            Err(e) => {
                tracing::error!(error = %e, "could not read the cron jobs");
                vec![]
            }
        }
    }

    /// A scheduler over `stored` jobs (JSON bodies from [`Scheduler::load_jobs`]).
    pub fn new(
        config: Arc<Config>,
        store: Store,
        stored: Vec<String>,
        router: Addr<Router>,
        hub: Addr<WsHub>,
        outbound: Outbound,
        system_events: crate::agent::system_events::SystemEventQueue,
    ) -> Self {
        let mut jobs = BTreeMap::new();
        for body in stored {
            match serde_json::from_str::<CronJob>(&body) {
                Ok(j) => {
                    jobs.insert(j.id.clone(), j);
                }
                Err(e) => tracing::warn!(error = %e, "skipping an unreadable cron job"),
            }
        }
        Scheduler {
            metrics: None,
            enabled: config.cron.enabled,
            deps: Deps {
                router,
                hub: hub.clone(),
                config,
                outbound,
                store,
                system_events,
            },
            hub,
            clock: Arc::new(SystemClock),
            jobs,
            running: HashMap::new(),
            queued: VecDeque::new(),
            timer: None,
            node_id: "local".into(),
            shared_store: false,
        }
    }

    /// Names this node in claims and run-log entries; `shared_store` when other nodes use the
    /// same store (their job changes are read back every [`CLUSTER_SYNC`]).
    pub fn with_node(mut self, node_id: String, shared_store: bool) -> Self {
        self.node_id = node_id;
        self.shared_store = shared_store;
        self
    }

    /// Counts finished runs on the gateway's metrics.
    pub fn with_metrics(mut self, metrics: std::sync::Arc<crate::metrics::Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    fn now(&self) -> i64 {
        self.clock.now_ms() as i64
    }

    /// Writes `job` through to the store; the scheduler handles nothing else until it is
    /// committed, so stored jobs change in the order the scheduler changed them.
    fn save(&self, job: &CronJob, ctx: &mut Context<Self>) {
        let write = self
            .deps
            .store
            .cron_put_job(&job.id, &job.to_value().to_string());
        self.persist(write, &job.id, "a cron job", ctx);
    }

    fn persist(
        &self,
        write: StoreFuture<()>,
        job_id: &str,
        what: &'static str,
        ctx: &mut Context<Self>,
    ) {
        let job_id = job_id.to_string();
        ctx.wait(write.into_actor(self).map(move |r, _, _| {
            if let Err(e) = r {
                tracing::error!(job = %job_id, error = %e, "could not persist {what}");
            }
        }));
    }

    fn event(&self, job_id: &str, action: &str, extra: Value) {
        let mut payload = json!({"jobId": job_id, "action": action});
        if let (Some(p), Value::Object(extra)) = (payload.as_object_mut(), extra) {
            p.extend(extra);
        }
        self.hub.do_send(BroadcastEvent {
            event: "cron",
            payload,
        });
    }

    fn schedule_next(&self, job: &mut CronJob, now: i64) {
        job.state.next_run_at_ms = if job.enabled {
            next_run_ms(job, now).unwrap_or(None)
        } else {
            None
        };
    }

    fn due(&self, now: i64) -> Vec<String> {
        let mut due: Vec<(i64, String)> = self
            .jobs
            .values()
            .filter(|j| j.enabled && !self.running.contains_key(&j.id))
            .filter_map(|j| {
                j.state
                    .next_run_at_ms
                    .filter(|t| *t <= now)
                    .map(|t| (t, j.id.clone()))
            })
            .collect();
        due.sort();
        due.into_iter().map(|(_, id)| id).collect()
    }

    fn capacity(&self) -> usize {
        self.deps
            .config
            .cron
            .max_concurrent_runs
            .saturating_sub(self.running.len())
    }

    /// Claims the tick of `job_id` due at `slot`; runs it when this node recorded the claim,
    /// otherwise moves on to the job's next tick. The job counts as running meanwhile.
    fn claim(&mut self, job_id: &str, slot: i64, ctx: &mut Context<Self>) {
        let run_id = uuid::Uuid::new_v4().to_string();
        self.running.insert(job_id.to_string(), run_id.clone());
        let claim = self.deps.store.cron_claim(job_id, slot, &self.node_id);
        let job_id = job_id.to_string();
        ctx.spawn(claim.into_actor(self).map(move |won, act, ctx| {
            act.running.remove(&job_id);
            match won {
                Ok(true) => act.start(&job_id, run_id, Some(slot), ctx),
                Ok(false) => {
                    let now = act.now();
                    if let Some(j) = act.jobs.get_mut(&job_id) {
                        if j.state.next_run_at_ms == Some(slot) {
                            j.state.next_run_at_ms =
                                crate::cron::cluster::after_lost_claim(j, slot, now);
                        }
                    }
                }
                Err(e) => {
                    tracing::error!(job = %job_id, error = %e, "could not claim a cron run; skipping this tick");
                    let now = act.now();
                    if let Some(j) = act.jobs.get_mut(&job_id) {
                        j.state.next_run_at_ms =
                            crate::cron::cluster::after_lost_claim(j, slot, now);
                    }
                }
            }
            act.tick(ctx);
        }));
    }

    /// Folds other nodes' job changes into the table (shared store only).
    fn sync(&mut self, ctx: &mut Context<Self>) {
        let read = self.deps.store.cron_jobs();
        ctx.wait(read.into_actor(self).map(|stored, act, ctx| {
            let stored = match stored {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "could not re-read the cron jobs");
                    return;
                }
            };
            let stored: Vec<CronJob> = stored
                .iter()
                .filter_map(|b| serde_json::from_str(b).ok())
                .collect();
            let now = act.now();
            let running = &act.running;
            let queued = &act.queued;
            crate::cron::cluster::merge(
                &mut act.jobs,
                stored,
                |id| running.contains_key(id) || queued.iter().any(|(j, _)| j == id),
                now,
            );
            act.arm(ctx);
        }));
    }

    fn start(
        &mut self,
        job_id: &str,
        run_id: String,
        scheduled_at: Option<i64>,
        ctx: &mut Context<Self>,
    ) {
        let now = self.now();
        let Some(job) = self.jobs.get_mut(job_id) else {
            return;
        };
        job.state.running_at_ms = Some(now);
        let job = job.clone();
        self.save(&job, ctx);
        self.running.insert(job_id.to_string(), run_id.clone());
        self.event(job_id, "started", json!({"runAtMs": now, "runId": run_id}));
        let deps = self.deps.clone();
        let me = ctx.address();
        let job_id = job_id.to_string();
        actix::spawn(async move {
            let result = execute::run(deps, job, run_id.clone()).await;
            me.do_send(Finished {
                job_id,
                run_id,
                started_at: now,
                scheduled_at,
                result,
            });
        });
    }

    fn tick(&mut self, ctx: &mut Context<Self>) {
        while self.capacity() > 0 {
            let Some((job_id, run_id)) = self.queued.pop_front() else {
                break;
            };
            if self.jobs.contains_key(&job_id) && !self.running.contains_key(&job_id) {
                self.start(&job_id, run_id, None, ctx);
            }
        }
        if self.enabled {
            let now = self.now();
            for id in self.due(now) {
                if self.capacity() == 0 {
                    break;
                }
                let slot = self.jobs[&id].state.next_run_at_ms.unwrap_or(now);
                self.claim(&id, slot, ctx);
            }
        }
        self.arm(ctx);
    }

    fn arm(&mut self, ctx: &mut Context<Self>) {
        if let Some(h) = self.timer.take() {
            ctx.cancel_future(h);
        }
        if !self.enabled {
            return;
        }
        let now = self.now();
        let next = self
            .jobs
            .values()
            .filter(|j| j.enabled && !self.running.contains_key(&j.id))
            .filter_map(|j| j.state.next_run_at_ms)
            .min();
        let Some(next) = next else {
            return;
        };
        let wait = Duration::from_millis((next - now).max(0) as u64).min(MAX_TIMER_DELAY);
        let wait = if self.capacity() == 0 {
            MAX_TIMER_DELAY
        } else {
            wait
        };
        self.timer = Some(ctx.run_later(wait, |act, ctx| {
            act.timer = None;
            act.tick(ctx);
        }));
    }

    /// Missed-run replay at start-up.
    fn catch_up(&mut self, ctx: &mut Context<Self>) {
        let now = self.now();
        if self.shared_store {
            // A marker on a shared store may be another node's run in progress: not replayed.
            for j in self.jobs.values_mut() {
                j.state.running_at_ms = None;
            }
        }
        lifecycle::catch_up(&mut self.jobs, now);
        let jobs: Vec<CronJob> = self.jobs.values().cloned().collect();
        for j in &jobs {
            self.save(j, ctx);
        }
    }

    fn apply(&mut self, msg: &Finished) -> Option<CronJob> {
        let now = self.now();
        let job = self.jobs.get_mut(&msg.job_id)?;
        lifecycle::apply_result(
            job,
            &msg.result,
            msg.started_at,
            now,
            &self.deps.config.cron,
        );
        Some(job.clone())
    }
}

/// A config reload: jobs started from now on use the new settings (running ones keep
/// theirs); `cron.enabled` switched on arms the timer, switched off disarms it.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Reconfigure(pub Arc<Config>);

impl Handler<Reconfigure> for Scheduler {
    type Result = ();
    fn handle(&mut self, msg: Reconfigure, ctx: &mut Context<Self>) {
        let enabled = msg.0.cron.enabled;
        if enabled != self.enabled {
            tracing::info!(enabled, "cron scheduler switched by a config reload");
        }
        self.enabled = enabled;
        self.deps.config = msg.0;
        self.tick(ctx);
    }
}

impl Actor for Scheduler {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        if self.enabled {
            self.catch_up(ctx);
            tracing::info!(jobs = self.jobs.len(), "cron scheduler started");
        }
        if self.shared_store {
            ctx.run_interval(CLUSTER_SYNC, |act, ctx| act.sync(ctx));
        }
        self.tick(ctx);
    }
}

impl Handler<AddJob> for Scheduler {
    type Result = AtomicResponse<Self, Result<CronJob, CronError>>;
    fn handle(&mut self, msg: AddJob, _: &mut Self::Context) -> Self::Result {
        let now = self.now();
        let built = normalize::build(
            &msg.params,
            &self.deps.config,
            uuid::Uuid::new_v4().to_string(),
            now,
            now,
        );
        let mut job = match built {
            Ok(j) => j,
            Err(e) => return AtomicResponse::new(Box::pin(fut::ready(Err(CronError::Invalid(e))))),
        };
        self.schedule_next(&mut job, now);
        // Stored first: a job the caller was told about survives a restart.
        let write = self
            .deps
            .store
            .cron_put_job(&job.id, &job.to_value().to_string());
        AtomicResponse::new(Box::pin(write.into_actor(self).map(
            move |stored, act, ctx| {
                stored.map_err(|e| CronError::Store(e.to_string()))?;
                act.jobs.insert(job.id.clone(), job.clone());
                act.event(
                    &job.id,
                    "added",
                    json!({"nextRunAtMs": job.state.next_run_at_ms}),
                );
                act.tick(ctx);
                Ok(job)
            },
        )))
    }
}

impl Handler<UpdateJob> for Scheduler {
    type Result = Result<CronJob, CronError>;
    fn handle(&mut self, msg: UpdateJob, ctx: &mut Self::Context) -> Self::Result {
        let now = self.now();
        let old = self
            .jobs
            .get(&msg.id)
            .ok_or_else(|| CronError::NotFound(msg.id.clone()))?;
        let mut job = normalize::patch(old, &msg.patch, &self.deps.config, now)
            .map_err(CronError::Invalid)?;
        if job.schedule != old.schedule || job.enabled != old.enabled {
            self.schedule_next(&mut job, now);
        }
        self.save(&job, ctx);
        self.jobs.insert(job.id.clone(), job.clone());
        self.event(
            &job.id,
            "updated",
            json!({"nextRunAtMs": job.state.next_run_at_ms}),
        );
        self.tick(ctx);
        Ok(job)
    }
}

impl Handler<RemoveJob> for Scheduler {
    type Result = AtomicResponse<Self, Result<bool, CronError>>;
    fn handle(&mut self, msg: RemoveJob, _: &mut Self::Context) -> Self::Result {
        let write = self.deps.store.cron_delete_job(&msg.id);
        AtomicResponse::new(Box::pin(write.into_actor(self).map(
            move |deleted, act, ctx| {
                deleted.map_err(|e| CronError::Store(e.to_string()))?;
                let existed = act.jobs.remove(&msg.id).is_some();
                act.queued.retain(|(j, _)| *j != msg.id);
                if existed {
                    act.event(&msg.id, "removed", json!({}));
                }
                act.arm(ctx);
                Ok(existed)
            },
        )))
    }
}

impl Handler<ListJobs> for Scheduler {
    type Result = MessageResult<ListJobs>;
    fn handle(&mut self, _: ListJobs, _: &mut Self::Context) -> Self::Result {
        let mut jobs: Vec<CronJob> = self.jobs.values().cloned().collect();
        jobs.sort_by(|a, b| (a.created_at_ms, &a.id).cmp(&(b.created_at_ms, &b.id)));
        MessageResult(jobs)
    }
}

impl Handler<GetStatus> for Scheduler {
    type Result = MessageResult<GetStatus>;
    fn handle(&mut self, _: GetStatus, _: &mut Self::Context) -> Self::Result {
        MessageResult(CronStatus {
            enabled: self.enabled,
            jobs: self.jobs.len(),
            next_wake_at_ms: self
                .enabled
                .then(|| {
                    self.jobs
                        .values()
                        .filter(|j| j.enabled)
                        .filter_map(|j| j.state.next_run_at_ms)
                        .min()
                })
                .flatten(),
        })
    }
}

impl Handler<RunJob> for Scheduler {
    type Result = Result<RunDecision, CronError>;
    fn handle(&mut self, msg: RunJob, ctx: &mut Self::Context) -> Self::Result {
        let job = self
            .jobs
            .get(&msg.id)
            .ok_or_else(|| CronError::NotFound(msg.id.clone()))?;
        if self.running.contains_key(&msg.id) || self.queued.iter().any(|(j, _)| *j == msg.id) {
            return Ok(RunDecision::NotRun("already-running"));
        }
        if msg.due_only && job.state.next_run_at_ms.is_none_or(|t| t > self.now()) {
            return Ok(RunDecision::NotRun("not-due"));
        }
        let run_id = uuid::Uuid::new_v4().to_string();
        self.queued.push_back((msg.id, run_id.clone()));
        self.tick(ctx);
        Ok(RunDecision::Enqueued(run_id))
    }
}

impl Handler<Tick> for Scheduler {
    type Result = ();
    fn handle(&mut self, _: Tick, ctx: &mut Self::Context) {
        self.tick(ctx);
    }
}

impl Handler<SetClock> for Scheduler {
    type Result = ();
    fn handle(&mut self, msg: SetClock, ctx: &mut Self::Context) {
        self.clock = msg.clock;
        self.arm(ctx);
    }
}

impl Handler<Finished> for Scheduler {
    type Result = ();
    fn handle(&mut self, msg: Finished, ctx: &mut Self::Context) {
        self.running.remove(&msg.job_id);
        let (job_id, run_id, started) = (msg.job_id.clone(), msg.run_id.clone(), msg.started_at);
        let result = msg.result.clone();
        if let Some(m) = &self.metrics {
            m.cron_runs.with_label_values(&[&result.status]).inc();
        }
        let updated = self.apply(&msg);
        let now = self.now();
        let next = updated.as_ref().and_then(|j| j.state.next_run_at_ms);
        let mut entry = json!({"ts": now, "jobId": job_id, "action": "finished", "runId": run_id,
                               "runAtMs": started, "durationMs": now - started,
                               "node": self.node_id});
        if let (Some(at), Some(o)) = (msg.scheduled_at, entry.as_object_mut()) {
            o.insert("scheduledAtMs".into(), json!(at));
        }
        if let Some(o) = entry.as_object_mut() {
            o.extend(result.fields());
            if let Some(n) = next {
                o.insert("nextRunAtMs".into(), json!(n));
            }
        }
        let write = self.deps.store.cron_append_run(
            &job_id,
            now,
            &result.status,
            Some(&result.delivery_status),
            &entry.to_string(),
            self.deps.config.cron.run_log_keep,
        );
        self.persist(write, &job_id, "the cron run log", ctx);
        let mut event = entry.clone();
        if let Some(o) = event.as_object_mut() {
            o.remove("ts");
        }
        self.hub.do_send(BroadcastEvent {
            event: "cron",
            payload: event,
        });
        if let Some(job) = updated {
            let delete = job.is_one_shot()
                && !job.enabled
                && result.status != "error"
                && job.delete_after_run.unwrap_or(true);
            if delete {
                self.jobs.remove(&job.id);
                let write = self.deps.store.cron_delete_job(&job.id);
                ctx.wait(write.into_actor(self).map(|_, _, _| ()));
                self.event(&job.id, "removed", json!({}));
            } else {
                self.save(&job, ctx);
            }
        }
        self.tick(ctx);
    }
}
