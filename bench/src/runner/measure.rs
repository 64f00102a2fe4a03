//! The measurements: one-at-a-time latency, streaming time to first token and chunk gaps,
//! and closed-loop load over many keep-alive connections. Every loop is bounded in count
//! and in time, and every request has a timeout.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

pub(crate) use super::target::us;
pub use super::target::{is_content_delta, Client, Endpoint, Phases, StreamTiming, Target};
use crate::stats::{median, percentile, round1, sorted};

/// Latency of one side (direct or gateway) over all rounds, in µs.
#[derive(Clone, Debug, Serialize)]
pub struct Side {
    /// Median of the round medians.
    pub p50_us: f64,
    /// 99th percentile over all samples.
    pub p99_us: f64,
    /// Samples taken (after warm-up).
    pub samples: usize,
}

impl Side {
    fn of(rounds: &[Vec<f64>]) -> Side {
        let medians: Vec<f64> = rounds.iter().map(|r| median(r)).collect();
        let all: Vec<f64> = rounds.iter().flatten().copied().collect();
        Side {
            p50_us: round1(median(&medians)),
            p99_us: round1(percentile(&sorted(&all), 99.0)),
            samples: all.len(),
        }
    }
}

/// Another server's side of an interleaved figure (the floor, a peer).
#[derive(Clone, Debug, Serialize)]
pub struct Compared {
    /// `floor` or the peer's name.
    pub name: String,
    /// Its latency.
    pub side: Side,
    /// Median over rounds of (its round median − direct round median), µs.
    pub added_p50_us: f64,
    /// Its p99 − direct p99, µs.
    pub added_p99_us: f64,
}

/// Figure 3: non-stream latency one request at a time, interleaved direct / gateway rounds.
#[derive(Clone, Debug, Serialize)]
pub struct LatencyFigure {
    /// Rounds (each: `per_round` direct requests, then `per_round` through each server).
    pub rounds: usize,
    /// Requests per side per round.
    pub per_round: usize,
    /// Straight to the mock.
    pub direct: Side,
    /// Through the gateway (absent in `--mock-only`).
    pub gateway: Option<Side>,
    /// Median over rounds of (gateway round median − direct round median), µs.
    pub added_p50_us: Option<f64>,
    /// Gateway p99 − direct p99, µs.
    pub added_p99_us: Option<f64>,
    /// The other servers measured in the same rounds (the floor, a peer).
    pub compared: Vec<Compared>,
    /// The gateway's added p50 over the floor's.
    pub gateway_over_floor_p50: Option<f64>,
    /// The gateway's added p99 over the floor's.
    pub gateway_over_floor_p99: Option<f64>,
}

/// Added latency of a side: (median over rounds of round-median differences, p99 difference).
fn added(direct: &[Vec<f64>], other: &[Vec<f64>]) -> (f64, f64) {
    let diffs: Vec<f64> = direct
        .iter()
        .zip(other)
        .map(|(d, o)| median(o) - median(d))
        .collect();
    let p99 = |r: &[Vec<f64>]| {
        let all: Vec<f64> = r.iter().flatten().copied().collect();
        percentile(&sorted(&all), 99.0)
    };
    (round1(median(&diffs)), round1(p99(other) - p99(direct)))
}

/// Ratio of two added figures, when the floor's is positive.
fn ratio(gateway: Option<f64>, floor: Option<f64>) -> Option<f64> {
    match (gateway, floor) {
        (Some(g), Some(f)) if f > 0.0 => Some(round1(g / f)),
        _ => None,
    }
}

/// Runs `warmup` then `rounds × per_round` one-at-a-time non-stream turns on each side, in
/// order: direct, then each of `others` (named; `gateway` fills the gateway fields).
pub async fn latency(
    direct: Target,
    others: &[(String, Target)],
    rounds: usize,
    per_round: usize,
    warmup: usize,
) -> std::io::Result<LatencyFigure> {
    let mut clients: Vec<Client> = std::iter::once(direct)
        .chain(others.iter().map(|(_, t)| *t))
        .map(Client::new)
        .collect();
    for _ in 0..warmup {
        for c in clients.iter_mut() {
            c.turn("bench-latency").await?;
        }
    }
    let mut samples: Vec<Vec<Vec<f64>>> = vec![Vec::new(); clients.len()];
    for _ in 0..rounds {
        for (c, rounds) in clients.iter_mut().zip(samples.iter_mut()) {
            let mut round = Vec::with_capacity(per_round);
            for _ in 0..per_round {
                round.push(us(c.turn("bench-latency").await?.0));
            }
            rounds.push(round);
        }
    }
    let mut figure = LatencyFigure {
        rounds,
        per_round,
        direct: Side::of(&samples[0]),
        gateway: None,
        added_p50_us: None,
        added_p99_us: None,
        compared: Vec::new(),
        gateway_over_floor_p50: None,
        gateway_over_floor_p99: None,
    };
    for ((name, _), s) in others.iter().zip(&samples[1..]) {
        let (p50, p99) = added(&samples[0], s);
        if name == "gateway" {
            figure.gateway = Some(Side::of(s));
            figure.added_p50_us = Some(p50);
            figure.added_p99_us = Some(p99);
        } else {
            figure.compared.push(Compared {
                name: name.clone(),
                side: Side::of(s),
                added_p50_us: p50,
                added_p99_us: p99,
            });
        }
    }
    let floor = figure.compared.iter().find(|c| c.name == "floor");
    figure.gateway_over_floor_p50 = ratio(figure.added_p50_us, floor.map(|f| f.added_p50_us));
    figure.gateway_over_floor_p99 = ratio(figure.added_p99_us, floor.map(|f| f.added_p99_us));
    Ok(figure)
}

/// Streaming timings of one side, in µs.
#[derive(Clone, Debug, Serialize)]
pub struct StreamSide {
    /// Median of the round medians of time to first token.
    pub ttft_p50_us: f64,
    /// 99th percentile of time to first token.
    pub ttft_p99_us: f64,
    /// Median gap between content deltas.
    pub gap_p50_us: f64,
    /// 99th percentile gap between content deltas.
    pub gap_p99_us: f64,
    /// Streams measured.
    pub streams: usize,
}

impl StreamSide {
    fn of(rounds: &[Vec<StreamTiming>]) -> StreamSide {
        let ttfts: Vec<Vec<f64>> = rounds
            .iter()
            .map(|r| r.iter().map(|t| us(t.ttft)).collect())
            .collect();
        let ttft = Side::of(&ttfts);
        let gaps: Vec<f64> = rounds
            .iter()
            .flatten()
            .flat_map(|t| t.gaps.iter().map(|g| us(*g)))
            .collect();
        let gaps = sorted(&gaps);
        StreamSide {
            ttft_p50_us: ttft.p50_us,
            ttft_p99_us: ttft.p99_us,
            gap_p50_us: round1(percentile(&gaps, 50.0)),
            gap_p99_us: round1(percentile(&gaps, 99.0)),
            streams: ttft.samples,
        }
    }
}

/// Another server's side of the streaming figure.
#[derive(Clone, Debug, Serialize)]
pub struct StreamCompared {
    /// `floor` or the peer's name.
    pub name: String,
    /// Its timings.
    pub side: StreamSide,
    /// Median over rounds of (its − direct) TTFT round medians, µs.
    pub added_ttft_p50_us: f64,
    /// Its TTFT p99 − direct TTFT p99, µs.
    pub added_ttft_p99_us: f64,
}

/// Figure 4: streaming time to first token and gaps per chunk against a paced mock.
#[derive(Clone, Debug, Serialize)]
pub struct StreamFigure {
    /// Content chunks per stream.
    pub chunks: usize,
    /// Pacing of the mock between chunks, ms.
    pub chunk_delay_ms: u64,
    /// Straight to the mock.
    pub direct: StreamSide,
    /// Through the gateway.
    pub gateway: Option<StreamSide>,
    /// Median over rounds of (gateway − direct) TTFT round medians, µs.
    pub added_ttft_p50_us: Option<f64>,
    /// Gateway TTFT p99 − direct TTFT p99, µs.
    pub added_ttft_p99_us: Option<f64>,
    /// Gateway gap p50 − direct gap p50, µs.
    pub added_gap_p50_us: Option<f64>,
    /// Gateway gap p99 − direct gap p99, µs.
    pub added_gap_p99_us: Option<f64>,
    /// The other servers measured in the same rounds.
    pub compared: Vec<StreamCompared>,
}

/// Runs interleaved rounds of streams on each side (the mock must already be paced), in
/// order: direct, then each of `others` (`gateway` fills the gateway fields).
pub async fn streaming(
    direct: Target,
    others: &[(String, Target)],
    rounds: usize,
    per_round: usize,
    (chunks, chunk_delay_ms): (usize, u64),
) -> std::io::Result<StreamFigure> {
    let mut clients: Vec<Client> = std::iter::once(direct)
        .chain(others.iter().map(|(_, t)| *t))
        .map(Client::new)
        .collect();
    for c in clients.iter_mut() {
        c.stream_turn("bench-stream").await?;
    }
    let mut samples: Vec<Vec<Vec<StreamTiming>>> = vec![Vec::new(); clients.len()];
    for _ in 0..rounds {
        for (c, rounds) in clients.iter_mut().zip(samples.iter_mut()) {
            let mut round = Vec::with_capacity(per_round);
            for _ in 0..per_round {
                round.push(c.stream_turn("bench-stream").await?);
            }
            rounds.push(round);
        }
    }
    let ttfts = |r: &[Vec<StreamTiming>]| -> Vec<Vec<f64>> {
        r.iter()
            .map(|round| round.iter().map(|t| us(t.ttft)).collect())
            .collect()
    };
    let direct_side = StreamSide::of(&samples[0]);
    let mut figure = StreamFigure {
        chunks,
        chunk_delay_ms,
        direct: direct_side.clone(),
        gateway: None,
        added_ttft_p50_us: None,
        added_ttft_p99_us: None,
        added_gap_p50_us: None,
        added_gap_p99_us: None,
        compared: Vec::new(),
    };
    for ((name, _), s) in others.iter().zip(&samples[1..]) {
        let side = StreamSide::of(s);
        let (ttft_p50, _) = added(&ttfts(&samples[0]), &ttfts(s));
        let ttft_p99 = round1(side.ttft_p99_us - direct_side.ttft_p99_us);
        if name == "gateway" {
            figure.added_ttft_p50_us = Some(ttft_p50);
            figure.added_ttft_p99_us = Some(ttft_p99);
            figure.added_gap_p50_us = Some(round1(side.gap_p50_us - direct_side.gap_p50_us));
            figure.added_gap_p99_us = Some(round1(side.gap_p99_us - direct_side.gap_p99_us));
            figure.gateway = Some(side);
        } else {
            figure.compared.push(StreamCompared {
                name: name.clone(),
                side,
                added_ttft_p50_us: ttft_p50,
                added_ttft_p99_us: ttft_p99,
            });
        }
    }
    Ok(figure)
}

/// `GET /v1/sessions` (first page) latency with many stored sessions while turns run.
#[derive(Clone, Debug, Serialize)]
pub struct SessionsListFigure {
    /// Sessions in the store.
    pub sessions: u64,
    /// Connections running turns meanwhile.
    pub turn_connections: usize,
    /// Turns completed meanwhile.
    pub turns_during: u64,
    /// Successful list requests.
    pub samples: usize,
    /// Failed list requests.
    pub errors: usize,
    /// Median latency, µs.
    pub p50_us: f64,
    /// 99th percentile latency, µs.
    pub p99_us: f64,
    /// Slowest, µs.
    pub max_us: f64,
    /// Median of the gateway's own `Server-Timing` total (inside its handler stack), µs.
    pub server_p50_us: Option<f64>,
    /// 99th percentile of that total, µs: what the latency's tail is beyond it was spent
    /// outside the handlers (a busy worker thread, the accept queue, the network).
    pub server_p99_us: Option<f64>,
}

/// Lists sessions `samples` times, one at a time, while `turn_connections` run turns for
/// `duration` (which should outlast the sampling).
pub async fn sessions_list(
    target: Target,
    sessions: u64,
    samples: usize,
    turn_connections: usize,
    duration: Duration,
) -> SessionsListFigure {
    let turns: UserFn = Arc::new(|c, n| Some(format!("list-load-{c}-{}", n / 50)));
    let load = load(target, turn_connections, duration, u64::MAX, turns);
    let sample = async move {
        // Let the turn load get going first.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut client = Client::new(target);
        let (mut times, mut server, mut errors) = (Vec::with_capacity(samples), vec![], 0);
        for _ in 0..samples {
            match client.get_timed("/v1/sessions?limit=50").await {
                Ok((d, total)) => {
                    times.push(d.as_secs_f64() * 1e6);
                    server.extend(total);
                }
                Err(_) => errors += 1,
            }
        }
        (times, server, errors)
    };
    let (load_run, (times, server, errors)) = tokio::join!(load, sample);
    let sorted = crate::stats::sorted(&times);
    let server = crate::stats::sorted(&server);
    let server_at = |p| {
        (!server.is_empty()).then(|| crate::stats::round1(crate::stats::percentile(&server, p)))
    };
    SessionsListFigure {
        sessions,
        turn_connections,
        turns_during: load_run.requests,
        samples: times.len(),
        errors,
        p50_us: crate::stats::round1(crate::stats::percentile(&sorted, 50.0)),
        p99_us: crate::stats::round1(crate::stats::percentile(&sorted, 99.0)),
        max_us: crate::stats::round1(sorted.last().copied().unwrap_or(0.0)),
        server_p50_us: server_at(50.0),
        server_p99_us: server_at(99.0),
    }
}

/// Result of a closed-loop load run.
#[derive(Clone, Debug, Serialize)]
pub struct LoadFigure {
    /// Concurrent keep-alive connections.
    pub connections: usize,
    /// Wall time of the run, s.
    pub elapsed_s: f64,
    /// Successful requests.
    pub requests: u64,
    /// Failed requests (non-200, I/O error, timeout).
    pub errors: u64,
    /// Successful requests per second.
    pub rps: f64,
    /// Median latency, µs.
    pub p50_us: f64,
    /// 99th percentile latency, µs.
    pub p99_us: f64,
    /// Slowest request, µs.
    pub max_us: f64,
    /// The first error seen, if any.
    pub first_error: Option<String>,
}

/// Chooses the `user` (session) of each request: `(connection, n-th request on it)` →
/// `Some(user)`, or `None` to stop.
pub type UserFn = Arc<dyn Fn(usize, u64) -> Option<String> + Send + Sync>;

/// Closed-loop load: `connections` tasks each send one request at a time until `duration`
/// passes, `max_requests` have been sent in total, or `user` returns `None`.
pub async fn load(
    target: Target,
    connections: usize,
    duration: Duration,
    max_requests: u64,
    user: UserFn,
) -> LoadFigure {
    let started = Instant::now();
    let deadline = started + duration;
    let sent = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..connections)
        .map(|c| {
            let (user, sent) = (user.clone(), sent.clone());
            tokio::spawn(async move {
                let mut client = Client::new(target);
                let mut lat = Vec::new();
                let (mut errors, mut first_error) = (0u64, None);
                let mut n = 0u64;
                while Instant::now() < deadline
                    && sent.fetch_add(1, Ordering::Relaxed) < max_requests
                {
                    let Some(u) = user(c, n) else { break };
                    n += 1;
                    match client.turn(&u).await {
                        Ok((d, _)) => lat.push(us(d)),
                        Err(e) => {
                            errors += 1;
                            first_error.get_or_insert_with(|| e.to_string());
                            tokio::time::sleep(Duration::from_millis(1)).await;
                        }
                    }
                }
                (lat, errors, first_error)
            })
        })
        .collect();
    let (mut lat, mut errors, mut first_error) = (Vec::new(), 0, None);
    for t in tasks {
        match t.await {
            Ok((l, e, f)) => {
                lat.extend(l);
                errors += e;
                first_error = first_error.or(f);
            }
            Err(e) => {
                errors += 1;
                first_error.get_or_insert_with(|| format!("load task failed: {e}"));
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let lat = sorted(&lat);
    LoadFigure {
        connections,
        elapsed_s: round1(elapsed),
        requests: lat.len() as u64,
        errors,
        rps: round1(lat.len() as f64 / elapsed.max(1e-9)),
        p50_us: round1(percentile(&lat, 50.0)),
        p99_us: round1(percentile(&lat, 99.0)),
        max_us: round1(lat.last().copied().unwrap_or(0.0)),
        first_error,
    }
}
