//! Starting a turn through the router and waiting for its outcome — shared by every HTTP
//! endpoint that runs the agent.

use crate::app::Placement;
use crate::core::run::{EventRef, RunFailure, RunOutcome, TurnRequest};
use crate::error::GatewayError;
use crate::state::AppState;
use tokio::sync::mpsc;

/// Sends the turn to the router with this request as its owner (dropping the receiver, e.g.
/// because the client disconnected, aborts the run).
pub fn start(state: &AppState, req: TurnRequest) -> mpsc::Receiver<EventRef> {
    state.app.start_turn(req, Placement::Here).into_events()
}

/// The end user a caller names with `X-Clawgate-User` (over a body's `user`).
pub fn end_user<'a>(
    req: &'a actix_web::HttpRequest,
    body_user: Option<&'a str>,
) -> Option<&'a str> {
    req.headers()
        .get("x-clawgate-user")
        .and_then(|v| v.to_str().ok())
        .or(body_user)
}

/// [`start`] for `principal`: an API key's turn is confined to its agents and session
/// namespace, admitted by its quotas and metered (see [`crate::app::keys`]).
pub fn start_as(
    state: &AppState,
    principal: &crate::auth::Principal,
    req: &actix_web::HttpRequest,
    mut turn: TurnRequest,
    body_user: Option<&str>,
) -> Result<mpsc::Receiver<EventRef>, GatewayError> {
    let Some(grant) = &principal.key else {
        return Ok(start(state, turn));
    };
    let kt = state
        .app
        .key_turn(grant, &mut turn, end_user(req, body_user))?;
    Ok(state
        .app
        .start_key_turn(turn, Placement::Here, kt)
        .into_events())
}

/// Waits for the run's final event.
pub async fn outcome(mut rx: mpsc::Receiver<EventRef>) -> Result<RunOutcome, GatewayError> {
    crate::app::turns::outcome_of(&mut rx)
        .await
        .ok_or_else(|| GatewayError::Internal("run ended without an outcome".into()))
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
    crate::core::ids::new_run_id(prefix)
}
