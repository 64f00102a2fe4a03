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

/// Where requests go: straight to the mock, or through the gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The mock model (`model: mock-model`).
    Direct(SocketAddr),
    /// The gateway (`model: openclaw`, bearer token, `user` = session).
    Gateway(SocketAddr),
}

impl Target {
    fn addr(self) -> SocketAddr {
        match self {
            Target::Direct(a) | Target::Gateway(a) => a,
        }
    }

    fn auth(self) -> &'static str {
        match self {
            Target::Direct(_) => "Bearer bench",
            Target::Gateway(_) => BEARER,
        }
    }

    /// The chat-completions request body.
    pub fn body(self, user: &str, stream: bool) -> Vec<u8> {
        let stream = if stream { r#","stream":true"# } else { "" };
        let messages = r#"[{"role":"user","content":"hi"}]"#;
        match self {
            Target::Direct(_) => {
                format!(r#"{{"model":"mock-model","messages":{messages}{stream}}}"#).into_bytes()
            }
            Target::Gateway(_) => {
                let user = serde_json::to_string(user).expect("serializing a str cannot fail");
                format!(r#"{{"model":"openclaw","messages":{messages},"user":{user}{stream}}}"#)
                    .into_bytes()
            }
        }
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
        let auth = self.target.auth();
        let headers = [
            ("Content-Type", "application/json"),
            ("Authorization", auth),
        ];
        self.conn()
            .await?
            .send("POST", "/v1/chat/completions", &headers, body)
            .await
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
            Ok((took, body))
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

/// Figure 3: non-stream latency one request at a time, interleaved direct / gateway rounds.
#[derive(Clone, Debug, Serialize)]
pub struct LatencyFigure {
    /// Rounds (each: `per_round` direct requests, then `per_round` through the gateway).
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
}

/// Runs `warmup` then `rounds × per_round` one-at-a-time non-stream turns on each side.
pub async fn latency(
    direct: Target,
    gateway: Option<Target>,
    rounds: usize,
    per_round: usize,
    warmup: usize,
) -> std::io::Result<LatencyFigure> {
    let mut d = Client::new(direct);
    let mut g = gateway.map(Client::new);
    for _ in 0..warmup {
        d.turn("bench-latency").await?;
        if let Some(g) = &mut g {
            g.turn("bench-latency").await?;
        }
    }
    let (mut dr, mut gr) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let mut round = Vec::with_capacity(per_round);
        for _ in 0..per_round {
            round.push(us(d.turn("bench-latency").await?.0));
        }
        dr.push(round);
        if let Some(g) = &mut g {
            let mut round = Vec::with_capacity(per_round);
            for _ in 0..per_round {
                round.push(us(g.turn("bench-latency").await?.0));
            }
            gr.push(round);
        }
    }
    let direct = Side::of(&dr);
    let gateway = g.map(|_| Side::of(&gr));
    let added_p50_us = gateway.as_ref().map(|_| {
        let diffs: Vec<f64> = dr
            .iter()
            .zip(&gr)
            .map(|(d, g)| median(g) - median(d))
            .collect();
        round1(median(&diffs))
    });
    let added_p99_us = gateway.as_ref().map(|g| round1(g.p99_us - direct.p99_us));
    Ok(LatencyFigure {
        rounds,
        per_round,
        direct,
        gateway,
        added_p50_us,
        added_p99_us,
    })
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
}

/// Runs interleaved rounds of streams on each side (the mock must already be paced).
pub async fn streaming(
    direct: Target,
    gateway: Option<Target>,
    rounds: usize,
    per_round: usize,
    (chunks, chunk_delay_ms): (usize, u64),
) -> std::io::Result<StreamFigure> {
    let mut d = Client::new(direct);
    let mut g = gateway.map(Client::new);
    d.stream_turn("bench-stream").await?;
    if let Some(g) = &mut g {
        g.stream_turn("bench-stream").await?;
    }
    let (mut dr, mut gr) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let mut round = Vec::with_capacity(per_round);
        for _ in 0..per_round {
            round.push(d.stream_turn("bench-stream").await?);
        }
        dr.push(round);
        if let Some(g) = &mut g {
            let mut round = Vec::with_capacity(per_round);
            for _ in 0..per_round {
                round.push(g.stream_turn("bench-stream").await?);
            }
            gr.push(round);
        }
    }
    let direct_side = StreamSide::of(&dr);
    let gateway_side = g.map(|_| StreamSide::of(&gr));
    let added = |f: fn(&StreamSide) -> f64| {
        gateway_side
            .as_ref()
            .map(|g| round1(f(g) - f(&direct_side)))
    };
    let added_ttft_p50_us = gateway_side.as_ref().map(|_| {
        let diffs: Vec<f64> = dr
            .iter()
            .zip(&gr)
            .map(|(d, g)| {
                let m = |r: &Vec<StreamTiming>| {
                    median(&r.iter().map(|t| us(t.ttft)).collect::<Vec<_>>())
                };
                m(g) - m(d)
            })
            .collect();
        round1(median(&diffs))
    });
    Ok(StreamFigure {
        chunks,
        chunk_delay_ms,
        added_ttft_p50_us,
        added_ttft_p99_us: added(|s| s.ttft_p99_us),
        added_gap_p50_us: added(|s| s.gap_p50_us),
        added_gap_p99_us: added(|s| s.gap_p99_us),
        direct: direct_side,
        gateway: gateway_side,
    })
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
    fn gateway_body_carries_the_session_user() {
        let t = Target::Gateway(SocketAddr::from(([127, 0, 0, 1], 1)));
        let v: serde_json::Value = serde_json::from_slice(&t.body("s\"7", true)).unwrap();
        assert_eq!(v["model"], "openclaw");
        assert_eq!(v["user"], "s\"7");
        assert_eq!(v["stream"], true);
        assert_eq!(t.auth(), format!("Bearer {TOKEN}"));
    }
}
