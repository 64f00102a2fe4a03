//! Waiting for a run's end, whether it is still running, queued, or already finished (then the
//! store's run row answers).

use crate::actors::agent_run::{EventRef, RunEvent, RunOutcome, Subscriber};
use crate::actors::router::SubscribeRun;
use crate::state::AppState;
use crate::storage::{RunRow, RunStatus};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How often a run that is neither live nor finished (still queued) is looked up again.
const POLL: Duration = Duration::from_millis(50);

/// How a wait ended.
#[derive(Debug, Clone)]
pub enum RunEnd {
    /// The run ended while we watched.
    Outcome(Box<RunOutcome>),
    /// It had already ended; its persisted row.
    Stored(RunRow),
    /// The wait expired (the run may still be going).
    Timeout,
}

/// Waits for the `Done` event on a subscriber channel; `None` if it closes first.
pub async fn outcome(rx: &mut mpsc::Receiver<EventRef>) -> Option<RunOutcome> {
    while let Some(ev) = rx.recv().await {
        if let RunEvent::Done(o) = &*ev {
            return Some(o.clone());
        }
    }
    None
}

/// Waits up to `timeout` for run `run_id` to end.
pub async fn wait_for_run(app: &AppState, run_id: &str, timeout: Duration) -> RunEnd {
    let deadline = Instant::now() + timeout;
    loop {
        let (sub, mut rx) = Subscriber::channel(false);
        let live = app
            .router
            .send(SubscribeRun {
                run_id: run_id.to_string(),
                sub,
            })
            .await
            .unwrap_or(false);
        if live {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, outcome(&mut rx)).await {
                Ok(Some(o)) => return RunEnd::Outcome(Box::new(o)),
                Ok(None) => {}
                Err(_) => return RunEnd::Timeout,
            }
        }
        if let Ok(Some(row)) = app.store.get_run(run_id) {
            if row.status != "running" {
                return RunEnd::Stored(row);
            }
        }
        let now = Instant::now();
        if now >= deadline {
            return RunEnd::Timeout;
        }
        tokio::time::sleep(POLL.min(deadline - now)).await;
    }
}

/// The `agent.wait` payload for a wait result.
pub fn wait_payload(run_id: &str, end: &RunEnd) -> Value {
    match end {
        RunEnd::Timeout => json!({"runId": run_id, "status": "timeout"}),
        RunEnd::Outcome(o) => {
            let mut v = json!({"runId": run_id, "status": if o.status == RunStatus::Ok { "ok" } else { "error" },
                               "startedAt": o.started_at, "endedAt": o.ended_at});
            if let Some(f) = &o.failure {
                v["error"] = json!(f.to_string());
            }
            v
        }
        RunEnd::Stored(r) => {
            let mut v = json!({"runId": run_id, "status": if r.status == "ok" { "ok" } else { "error" },
                               "startedAt": r.started_at, "endedAt": r.ended_at});
            if r.status != "ok" {
                v["error"] = json!(r.error.clone().unwrap_or_else(|| r.status.clone()));
            }
            v
        }
    }
}
