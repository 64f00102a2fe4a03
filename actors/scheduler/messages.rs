//! The scheduler's public messages (the cron RPC methods' operations, the timer's tick, the
//! test clock) and the errors they answer with.

use crate::core::clock::Clock;
use crate::cron::CronJob;
use actix::prelude::*;
use serde_json::Value;
use std::sync::Arc;

/// Errors returned to RPC callers (the message is shown as is).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CronError {
    /// Bad parameters.
    #[error("{0}")]
    Invalid(String),
    /// No such job.
    #[error("unknown cron job id: {0}")]
    NotFound(String),
    /// The store failed.
    #[error("cron store error: {0}")]
    Store(String),
}

/// Add a job from `cron.add` parameters.
#[derive(Message)]
#[rtype(result = "Result<CronJob, CronError>")]
pub struct AddJob {
    /// Parameters (OpenClaw's `CronJobCreate`, legacy shapes accepted).
    pub params: Value,
}

/// Patch a job.
#[derive(Message)]
#[rtype(result = "Result<CronJob, CronError>")]
pub struct UpdateJob {
    /// Job id.
    pub id: String,
    /// The patch.
    pub patch: Value,
}

/// Remove a job; `true` when it existed.
#[derive(Message)]
#[rtype(result = "Result<bool, CronError>")]
pub struct RemoveJob {
    /// Job id.
    pub id: String,
}

/// Every job (sorted by creation).
#[derive(Message)]
#[rtype(result = "Vec<CronJob>")]
pub struct ListJobs;

/// Scheduler status.
#[derive(Message)]
#[rtype(result = "CronStatus")]
pub struct GetStatus;

/// Scheduler status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronStatus {
    /// Timers armed.
    pub enabled: bool,
    /// Jobs stored.
    pub jobs: usize,
    /// Next due time of any enabled job.
    pub next_wake_at_ms: Option<i64>,
}

/// Run a job now (`due_only`: only when it is due).
#[derive(Message)]
#[rtype(result = "Result<RunDecision, CronError>")]
pub struct RunJob {
    /// Job id.
    pub id: String,
    /// `mode: "due"`.
    pub due_only: bool,
}

/// What [`RunJob`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunDecision {
    /// Started (or queued behind the concurrency limit) under this run id.
    Enqueued(String),
    /// Not run: `already-running` or `not-due`.
    NotRun(&'static str),
}

/// Check for due jobs now (the timer sends this; tests send it after moving the clock).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Tick;

/// Replace the clock (tests drive time with [`crate::core::clock::ManualClock`]).
#[derive(Message)]
#[rtype(result = "()")]
pub struct SetClock {
    /// The clock.
    pub clock: Arc<dyn Clock>,
}
