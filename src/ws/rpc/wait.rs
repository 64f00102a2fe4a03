//! The `agent.wait` reply for a [`RunEnd`] (the waiting itself is [`crate::app::App::wait_run`]).

pub use crate::app::RunEnd;
use crate::storage::RunStatus;
use serde_json::{json, Value};

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
