//! The gateway's own time around the provider call — request accepted → first byte upstream
//! (`pre`) and last byte upstream → outcome committed (`post`) — read from its `Server-Timing`
//! header, with a large store: many sessions stored and a session holding a long history.

use std::time::Duration;

use serde::Serialize;

use super::measure::{us, Client, Phases, Target};
use crate::stats::{percentile, round1, sorted};

/// p50 / p99 of one phase, µs.
#[derive(Clone, Debug, Serialize)]
pub struct Spread {
    /// Median, µs.
    pub p50_us: f64,
    /// 99th percentile, µs.
    pub p99_us: f64,
}

impl Spread {
    fn of(values: &[f64]) -> Spread {
        let s = sorted(values);
        Spread {
            p50_us: round1(percentile(&s, 50.0)),
            p99_us: round1(percentile(&s, 99.0)),
        }
    }
}

/// The phases of turns on one kind of session.
#[derive(Clone, Debug, Serialize)]
pub struct PhaseSet {
    /// Messages already in the session's history before the samples.
    pub history_messages: u64,
    /// Turns sampled.
    pub samples: usize,
    /// Accepted → first byte to the provider.
    pub pre: Spread,
    /// The provider call.
    pub provider: Spread,
    /// Provider's last byte → outcome committed.
    pub post: Spread,
    /// The whole request at the client.
    pub client_total: Spread,
}

/// Pre- and post-provider time with a large store.
#[derive(Clone, Debug, Serialize)]
pub struct PhasesFigure {
    /// Sessions created before sampling (at least; earlier figures made more).
    pub sessions_in_store: u64,
    /// Turns on a session whose history stays under ten turns.
    pub short_history: PhaseSet,
    /// Turns on a session holding a long history.
    pub long_history: PhaseSet,
}

/// Samples `samples` turns on `user`, one at a time.
async fn sample(
    client: &mut Client,
    user: &dyn Fn(usize) -> String,
    samples: usize,
    history_messages: u64,
) -> std::io::Result<PhaseSet> {
    let (mut pre, mut provider, mut post, mut total) = (vec![], vec![], vec![], vec![]);
    for i in 0..samples {
        let (d, phases) = client.turn_phases(&user(i)).await?;
        let p: Phases = phases.ok_or_else(|| std::io::Error::other("no Server-Timing phases"))?;
        pre.push(p.pre_us);
        provider.push(p.provider_us);
        post.push(p.post_us);
        total.push(us(d));
    }
    Ok(PhaseSet {
        history_messages,
        samples,
        pre: Spread::of(&pre),
        provider: Spread::of(&provider),
        post: Spread::of(&post),
        client_total: Spread::of(&total),
    })
}

/// Fills a session with `history_turns` turns, then samples `samples` turns on it and on
/// short-history sessions. `sessions_in_store` is reported as given.
pub async fn phases(
    target: Target,
    sessions_in_store: u64,
    history_turns: u64,
    samples: usize,
    limit: Duration,
) -> std::io::Result<PhasesFigure> {
    let run = async {
        let mut client = Client::new(target);
        for _ in 0..history_turns {
            client.turn("bench-long-history").await?;
        }
        let short = sample(
            &mut client,
            &|i| format!("bench-short-history-{}", i / 10),
            samples,
            0,
        )
        .await?;
        let long = sample(
            &mut client,
            &|_| "bench-long-history".to_string(),
            samples,
            history_turns * 2,
        )
        .await?;
        Ok(PhasesFigure {
            sessions_in_store,
            short_history: short,
            long_history: long,
        })
    };
    tokio::time::timeout(limit, run)
        .await
        .unwrap_or_else(|_| Err(std::io::Error::other("phases figure timed out")))
}
