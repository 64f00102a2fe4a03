//! Starting a turn through the router and waiting for its outcome — shared by every HTTP
//! endpoint that runs the agent.

use crate::actors::agent_run::{EventRef, RunEvent, RunFailure, RunOutcome, Subscriber};
use crate::actors::router::StartTurn;
use crate::agent::TurnRequest;
use crate::error::GatewayError;
use crate::state::AppState;
use tokio::sync::mpsc;

/// Sends the turn to the router with this request as its owner (dropping the receiver, e.g.
/// because the client disconnected, aborts the run).
pub fn start(state: &AppState, req: TurnRequest) -> mpsc::Receiver<EventRef> {
    let (sub, rx) = Subscriber::channel(true);
    state.router.do_send(StartTurn {
        home: Some(actix::Arbiter::current()),
        req,
        subscribers: vec![sub],
    });
    rx
}

/// Waits for the run's final event.
pub async fn outcome(mut rx: mpsc::Receiver<EventRef>) -> Result<RunOutcome, GatewayError> {
    while let Some(ev) = rx.recv().await {
        if let RunEvent::Done(o) = &*ev {
            return Ok(o.clone());
        }
    }
    Err(GatewayError::Internal(
        "run ended without an outcome".into(),
    ))
}

/// The HTTP error for a failed run.
pub fn failure_error(f: &RunFailure) -> GatewayError {
    match f {
        RunFailure::Provider(e) => GatewayError::Provider(e.clone()),
        RunFailure::Timeout => GatewayError::RunTimeout,
        RunFailure::Aborted(r) => GatewayError::Unavailable(format!("run aborted: {r}")),
        RunFailure::Internal(e) => GatewayError::Internal(e.clone()),
    }
}

/// A new run id with a prefix (`chatcmpl_…`).
pub fn run_id(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4())
}
