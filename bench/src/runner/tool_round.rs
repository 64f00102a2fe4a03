//! Figure 7: the gateway's own time for one tool round with a no-op tool.
//!
//! A gateway whose tool policy offers exactly one tool ([`super::gateway::NOOP_TOOL`], no
//! parameters, a pure config read) runs against a mock with `auto_tools` (it calls the first
//! offered tool unless the conversation ends with a tool result, then gives its default text
//! reply) and `measure_tool_rounds` (it times each round, see
//! [`MockUpstream::take_tool_round_samples`]). Every turn is therefore: request → model calls the
//! tool → gateway runs it → model answers → reply. Turns run one at a time on one keep-alive
//! connection, non-stream (the gateway asks the mock for JSON) and then streamed (SSE), each
//! after a warm-up; a fresh session every `turns_per_session` turns keeps histories (and so
//! the size of the request the round ends with) bounded.

use std::io::Error;
use std::time::Duration;

use serde::Serialize;

use super::measure::{us, Client, Target};
use crate::mock::MockUpstream;
use crate::stats::{percentile, round1, sorted};

/// One variant (non-stream or stream) of figure 7.
#[derive(Clone, Debug, Serialize)]
pub struct ToolRoundSide {
    /// Turns measured (after the warm-up).
    pub turns: usize,
    /// Tool rounds the mock timed (one per turn when all went well).
    pub rounds: usize,
    /// Tool round (mock's tool-call reply written → request with the result read), median, µs.
    pub round_p50_us: f64,
    /// Tool round, 99th percentile, µs.
    pub round_p99_us: f64,
    /// Slowest tool round, µs.
    pub round_max_us: f64,
    /// The whole turn at the client (request written → reply read), median, µs.
    pub turn_p50_us: f64,
    /// The whole turn, 99th percentile, µs.
    pub turn_p99_us: f64,
}

/// Figure 7: tool round time, non-stream and streamed.
#[derive(Clone, Debug, Serialize)]
pub struct ToolRoundFigure {
    /// The tool the model calls.
    pub tool: String,
    /// Warm-up turns per variant (not measured).
    pub warmup: usize,
    /// Turns per session before the next session starts.
    pub turns_per_session: u64,
    /// The gateway's upstream requests are non-stream (JSON replies).
    pub non_stream: ToolRoundSide,
    /// The gateway's upstream requests are streamed (SSE replies).
    pub stream: ToolRoundSide,
}

/// Sizes of figure 7.
#[derive(Clone, Copy, Debug)]
pub struct ToolRoundPlan {
    /// Warm-up turns per variant.
    pub warmup: usize,
    /// Measured turns per variant.
    pub turns: usize,
    /// Turns per session.
    pub turns_per_session: u64,
}

/// Runs both variants against `target`, a gateway offering only the no-op tool and pointed at
/// `mock` (which must have `auto_tools` and `measure_tool_rounds` on).
pub async fn tool_rounds(
    target: Target,
    mock: &MockUpstream,
    tool: &str,
    plan: ToolRoundPlan,
) -> std::io::Result<ToolRoundFigure> {
    let mut client = Client::new(target);
    let (_, body) = client.turn("bench-tools-check").await?;
    if !String::from_utf8_lossy(&body).contains("Hello from the mock model.") {
        return Err(Error::other(
            "tool round: the turn did not end with the mock's text reply",
        ));
    }
    if mock.take_tool_round_samples().is_empty() {
        return Err(Error::other(format!(
            "tool round: no round recorded; did the gateway offer and run `{tool}`?"
        )));
    }
    let non_stream = side(&mut client, mock, false, plan).await?;
    let stream = side(&mut client, mock, true, plan).await?;
    Ok(ToolRoundFigure {
        tool: tool.to_string(),
        warmup: plan.warmup,
        turns_per_session: plan.turns_per_session,
        non_stream,
        stream,
    })
}

/// One turn; returns its time at the client.
async fn turn(client: &mut Client, stream: bool, user: &str) -> std::io::Result<Duration> {
    if stream {
        Ok(client.stream_turn(user).await?.total)
    } else {
        Ok(client.turn(user).await?.0)
    }
}

async fn side(
    client: &mut Client,
    mock: &MockUpstream,
    stream: bool,
    plan: ToolRoundPlan,
) -> std::io::Result<ToolRoundSide> {
    let label = if stream { "stream" } else { "json" };
    let per = plan.turns_per_session.max(1);
    for i in 0..plan.warmup {
        let user = format!("bench-tools-warm-{label}-{}", i as u64 / per);
        turn(client, stream, &user).await?;
    }
    let _ = mock.take_tool_round_samples();
    let mut turns = Vec::with_capacity(plan.turns);
    for i in 0..plan.turns {
        let user = format!("bench-tools-{label}-{}", i as u64 / per);
        turns.push(us(turn(client, stream, &user).await?));
    }
    let rounds: Vec<f64> = mock.take_tool_round_samples().into_iter().map(us).collect();
    let (rounds, turns) = (sorted(&rounds), sorted(&turns));
    Ok(ToolRoundSide {
        turns: turns.len(),
        rounds: rounds.len(),
        round_p50_us: round1(percentile(&rounds, 50.0)),
        round_p99_us: round1(percentile(&rounds, 99.0)),
        round_max_us: round1(rounds.last().copied().unwrap_or(0.0)),
        turn_p50_us: round1(percentile(&turns, 50.0)),
        turn_p99_us: round1(percentile(&turns, 99.0)),
    })
}
