//! The measurements: one-at-a-time latency, streaming time to first token and chunk gaps,
//! and closed-loop load over many keep-alive connections. Every loop is bounded in count
//! and in time, and every request has a timeout.

use std::io::{Error, ErrorKind};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::gateway::BEARER;
#[cfg(test)]
use super::gateway::TOKEN;
use crate::client::{HttpConn, SseParser};
use crate::stats::{median, percentile, round1, sorted};

/// Longest any single request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Where requests go: straight to the mock, through the gateway, or through another server
/// measured beside it (the floor forwarder, a peer gateway).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The mock model (`model: mock-model`).
    Direct(SocketAddr),
    /// The gateway (`model: openclaw`, bearer token, `user` = session).
    Gateway(SocketAddr),
    /// Another OpenAI-compatible server (`user` = session as for the gateway).
    Other(&'static Endpoint),
}

/// How to reach a server other than the gateway.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// Its address.
    pub addr: SocketAddr,
    /// The chat-completions path (e.g. `/v1/chat/completions`).
    pub path: String,
    /// The `Authorization` header value.
    pub auth: String,
    /// The `model` every request names.
    pub model: String,
}

impl Endpoint {
    /// A target for this endpoint (leaked: endpoints live for the whole run).
    pub fn leak(self) -> Target {
        Target::Other(Box::leak(Box::new(self)))
    }
}

impl Target {
    pub(crate) fn addr(self) -> SocketAddr {
        match self {
            Target::Direct(a) | Target::Gateway(a) => a,
            Target::Other(e) => e.addr,
        }
    }

    pub(crate) fn auth(self) -> &'static str {
        match self {
            Target::Direct(_) => "Bearer bench",
            Target::Gateway(_) => BEARER,
            Target::Other(e) => &e.auth,
        }
    }

    pub(crate) fn path(self) -> &'static str {
        match self {
            Target::Other(e) => &e.path,
            _ => "/v1/chat/completions",
        }
    }

    /// The chat-completions request body.
    pub fn body(self, user: &str, stream: bool) -> Vec<u8> {
        let stream = if stream { r#","stream":true"# } else { "" };
        let messages = r#"[{"role":"user","content":"hi"}]"#;
        let model = match self {
            Target::Direct(_) => {
                return format!(r#"{{"model":"mock-model","messages":{messages}{stream}}}"#)
                    .into_bytes()
            }
            Target::Gateway(_) => "openclaw",
            Target::Other(e) => &e.model,
        };
        let model = serde_json::to_string(model).expect("serializing a str cannot fail");
        let user = serde_json::to_string(user).expect("serializing a str cannot fail");
        format!(r#"{{"model":{model},"messages":{messages},"user":{user}{stream}}}"#).into_bytes()
    }
}

/// Timing of one streamed reply, taken at the client.
#[derive(Clone, Debug)]
pub struct StreamTiming {
    /// Request written → first non-empty content delta parsed.
    pub ttft: Duration,
    /// Gaps between consecutive content deltas.
    pub gaps: Vec<Duration>,
    /// Request written → end of the stream.
    pub total: Duration,
}

/// The gateway's own split of a turn, from its `Server-Timing` header (ms → µs).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Phases {
    /// Request accepted → first byte to the provider, µs.
    pub pre_us: f64,
    /// Provider call, µs.
    pub provider_us: f64,
    /// Provider's last byte → outcome committed, µs.
    pub post_us: f64,
}

impl Phases {
    /// Parses `pre;dur=1.5, provider;dur=20, post;dur=0.25, total;dur=22`; `None` without
    /// the three turn phases.
    pub fn parse(header: &str) -> Option<Phases> {
        let mut p = (None, None, None);
        for part in header.split(',') {
            let mut it = part.trim().split(';');
            let name = it.next()?.trim();
            let dur = it
                .find_map(|kv| kv.trim().strip_prefix("dur="))
                .and_then(|v| v.parse::<f64>().ok())
                .map(|ms| ms * 1000.0);
            match name {
                "pre" => p.0 = dur,
                "provider" => p.1 = dur,
                "post" => p.2 = dur,
                _ => {}
            }
        }
        Some(Phases {
            pre_us: p.0?,
            provider_us: p.1?,
            post_us: p.2?,
        })
    }
}

/// A keep-alive client for one target that reconnects after an error or a closed connection.
#[derive(Debug)]
pub struct Client {
    target: Target,
    conn: Option<HttpConn>,
}

impl Client {
    /// A client with no connection yet.
    pub fn new(target: Target) -> Self {
        Client { target, conn: None }
    }

    async fn conn(&mut self) -> std::io::Result<&mut HttpConn> {
        if !self.conn.as_ref().is_some_and(HttpConn::is_reusable) {
            self.conn = Some(HttpConn::connect(self.target.addr()).await?);
        }
        self.conn
            .as_mut()
            .ok_or_else(|| Error::other("no connection"))
    }

    async fn send(&mut self, body: &[u8]) -> std::io::Result<()> {
        let (auth, path) = (self.target.auth(), self.target.path());
        let headers = [
            ("Content-Type", "application/json"),
            ("Authorization", auth),
        ];
        self.conn().await?.send("POST", path, &headers, body).await
    }

    /// One authenticated `GET path`; returns its latency. Non-200 is an error.
    pub async fn get(&mut self, path: &str) -> std::io::Result<Duration> {
        let auth = self.target.auth();
        let result = tokio::time::timeout(REQUEST_TIMEOUT, async {
            let t0 = Instant::now();
            self.conn()
                .await?
                .send("GET", path, &[("Authorization", auth)], b"")
                .await?;
            let conn = self.conn().await?;
            let head = conn.read_head().await?;
            let _ = conn.read_body().await?;
            if head.status != 200 {
                return Err(Error::other(format!("GET {path}: status {}", head.status)));
            }
            Ok(t0.elapsed())
        })
        .await
        .unwrap_or_else(|_| Err(Error::new(ErrorKind::TimedOut, "request timed out")));
        if result.is_err() {
            self.conn = None;
        }
        result
    }

    /// One non-stream turn; returns its latency and the response body. Non-200 is an error.
    pub async fn turn(&mut self, user: &str) -> std::io::Result<(Duration, bytes::Bytes)> {
        self.turn_full(user).await.map(|(d, _, b)| (d, b))
    }

    /// One non-stream turn with the gateway's `Server-Timing` phases (when it sent them).
    pub async fn turn_phases(&mut self, user: &str) -> std::io::Result<(Duration, Option<Phases>)> {
        let (d, head, _) = self.turn_full(user).await?;
        Ok((d, head.header("server-timing").and_then(Phases::parse)))
    }

    async fn turn_full(
        &mut self,
        user: &str,
    ) -> std::io::Result<(Duration, crate::client::ResponseHead, bytes::Bytes)> {
        let body = self.target.body(user, false);
        let result = tokio::time::timeout(REQUEST_TIMEOUT, async {
            let t0 = Instant::now();
            self.send(&body).await?;
            let conn = self.conn().await?;
            let head = conn.read_head().await?;
            let body = conn.read_body().await?;
            let took = t0.elapsed();
            if head.status != 200 {
                let text = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
                return Err(Error::other(format!("status {}: {text}", head.status)));
            }
            Ok((took, head, body))
        })
        .await
        .unwrap_or_else(|_| Err(Error::new(ErrorKind::TimedOut, "request timed out")));
        if result.is_err() {
            self.conn = None;
        }
        result
    }

    /// One streamed turn, timing each content delta as it is parsed.
    pub async fn stream_turn(&mut self, user: &str) -> std::io::Result<StreamTiming> {
        let body = self.target.body(user, true);
        let result = tokio::time::timeout(REQUEST_TIMEOUT, async {
            let t0 = Instant::now();
            self.send(&body).await?;
            let conn = self.conn().await?;
            let head = conn.read_head().await?;
            if head.status != 200 {
                let body = conn.read_body().await?;
                let text = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
                return Err(Error::other(format!("status {}: {text}", head.status)));
            }
            let mut parser = SseParser::new();
            let mut events = Vec::new();
            let mut times = Vec::new();
            while let Some(piece) = conn.next_chunk().await? {
                parser.feed(&piece, &mut events);
                let now = Instant::now();
                times.extend(
                    events
                        .drain(..)
                        .filter(|e| is_content_delta(&e.data))
                        .map(|_| now),
                );
            }
            let first = *times
                .first()
                .ok_or_else(|| Error::other("stream had no content delta"))?;
            let total = t0.elapsed();
            let gaps = times.windows(2).map(|w| w[1] - w[0]).collect();
            Ok(StreamTiming {
                ttft: first - t0,
                gaps,
                total,
            })
        })
        .await
        .unwrap_or_else(|_| Err(Error::new(ErrorKind::TimedOut, "request timed out")));
        if result.is_err() {
            self.conn = None;
        }
        result
    }
}

/// Whether an SSE data payload is a chat chunk with a non-empty `choices[0].delta.content`.
pub fn is_content_delta(data: &str) -> bool {
    if !data.starts_with('{') {
        return false;
    }
    serde_json::from_str::<serde_json::Value>(data).is_ok_and(|v| {
        v["choices"][0]["delta"]["content"]
            .as_str()
            .is_some_and(|c| !c.is_empty())
    })
}

/// A duration in µs.
pub(crate) fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

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
        let (mut times, mut errors) = (Vec::with_capacity(samples), 0);
        for _ in 0..samples {
            match client.get("/v1/sessions?limit=50").await {
                Ok(d) => times.push(d.as_secs_f64() * 1e6),
                Err(_) => errors += 1,
            }
        }
        (times, errors)
    };
    let (load_run, (times, errors)) = tokio::join!(load, sample);
    let sorted = crate::stats::sorted(&times);
    SessionsListFigure {
        sessions,
        turn_connections,
        turns_during: load_run.requests,
        samples: times.len(),
        errors,
        p50_us: crate::stats::round1(crate::stats::percentile(&sorted, 50.0)),
        p99_us: crate::stats::round1(crate::stats::percentile(&sorted, 99.0)),
        max_us: crate::stats::round1(sorted.last().copied().unwrap_or(0.0)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_delta_detection() {
        assert!(is_content_delta(
            r#"{"choices":[{"delta":{"content":"x"}}]}"#
        ));
        assert!(!is_content_delta(
            r#"{"choices":[{"delta":{"role":"assistant","content":""}}]}"#
        ));
        assert!(!is_content_delta(r#"{"choices":[],"usage":{}}"#));
        assert!(!is_content_delta("[DONE]"));
    }

    #[test]
    fn server_timing_phases_parse() {
        let p =
            Phases::parse("pre;dur=1.500, provider;dur=20.000, post;dur=0.250, total;dur=22.125")
                .unwrap();
        assert_eq!(
            (p.pre_us, p.provider_us, p.post_us),
            (1500.0, 20000.0, 250.0)
        );
        assert_eq!(Phases::parse("total;dur=0.042"), None);
    }

    #[test]
    fn other_endpoints_name_their_model_and_path() {
        let t = Endpoint {
            addr: SocketAddr::from(([127, 0, 0, 1], 1)),
            path: "/api/v1/chat/completions".into(),
            auth: "Bearer k".into(),
            model: "openai/mock".into(),
        }
        .leak();
        let v: serde_json::Value = serde_json::from_slice(&t.body("u", false)).unwrap();
        assert_eq!(v["model"], "openai/mock");
        assert_eq!(v["user"], "u");
        assert_eq!(
            (t.path(), t.auth()),
            ("/api/v1/chat/completions", "Bearer k")
        );
    }

    #[test]
    fn gateway_body_carries_the_session_user() {
        let t = Target::Gateway(SocketAddr::from(([127, 0, 0, 1], 1)));
        let v: serde_json::Value = serde_json::from_slice(&t.body("s\"7", true)).unwrap();
        assert_eq!(v["model"], "openclaw");
        assert_eq!(v["user"], "s\"7");
        assert_eq!(v["stream"], true);
        assert_eq!(t.auth(), format!("Bearer {TOKEN}"));
    }
}
