//! WebSocket figures: many idle connections (RSS per connection) and the fan-out of one run's
//! events to many subscribers.
//!
//! The client is a minimal hand-written RFC 6455 client over a tokio `TcpStream` (text frames,
//! masked as clients must, no extensions), speaking the OpenClaw handshake the 2026.9.6 CLI
//! sends. Connections are opened `OPEN_CONCURRENCY` at a time; every wait is bounded.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::gateway::TOKEN;

/// Connections opened in parallel.
pub const OPEN_CONCURRENCY: usize = 64;
/// Longest wait for any one frame.
const FRAME_TIMEOUT: Duration = Duration::from_secs(30);

fn timeout_err(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::TimedOut, format!("timed out: {what}"))
}

/// One client connection.
pub struct WsConn {
    io: BufReader<TcpStream>,
    next_id: u64,
}

impl WsConn {
    /// Upgrades a TCP connection to `addr` (path `/`).
    pub async fn open(addr: SocketAddr) -> std::io::Result<WsConn> {
        let mut tcp = TcpStream::connect(addr).await?;
        tcp.set_nodelay(true)?;
        let req = format!(
            "GET / HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        tcp.write_all(req.as_bytes()).await?;
        let mut io = BufReader::new(tcp);
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let b = io.read_u8().await?;
            head.push(b);
            if head.len() > 8192 {
                return Err(std::io::Error::other("upgrade response too long"));
            }
        }
        if !head.starts_with(b"HTTP/1.1 101") {
            return Err(std::io::Error::other(format!(
                "upgrade refused: {}",
                String::from_utf8_lossy(&head)
            )));
        }
        Ok(WsConn { io, next_id: 1 })
    }

    /// Sends a text frame (masked).
    pub async fn send(&mut self, v: &Value) -> std::io::Result<()> {
        let payload = v.to_string().into_bytes();
        let mask = [0x5a, 0x13, 0xc7, 0x2e];
        let mut frame = vec![0x81u8];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n if n < 65536 => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.io.get_mut().write_all(&frame).await
    }

    /// Answers a ping with a (masked) pong carrying its payload (≤ 125 bytes by RFC 6455).
    async fn pong(&mut self, payload: &[u8]) -> std::io::Result<()> {
        let mask = [0x21, 0x7e, 0x03, 0x9b];
        let mut frame = vec![0x8au8, 0x80 | payload.len().min(125) as u8];
        frame.extend_from_slice(&mask);
        frame.extend(
            payload
                .iter()
                .take(125)
                .enumerate()
                .map(|(i, b)| b ^ mask[i % 4]),
        );
        self.io.get_mut().write_all(&frame).await
    }

    /// The next text frame as JSON (`None` on close); pings are answered on the way.
    pub async fn recv(&mut self) -> std::io::Result<Option<Value>> {
        loop {
            let b0 = self.io.read_u8().await?;
            let b1 = self.io.read_u8().await?;
            let len = match b1 & 0x7f {
                126 => self.io.read_u16().await? as usize,
                127 => self.io.read_u64().await? as usize,
                n => n as usize,
            };
            let mut payload = vec![0u8; len];
            self.io.read_exact(&mut payload).await?;
            match b0 & 0x0f {
                0x1 => {
                    return serde_json::from_slice(&payload)
                        .map(Some)
                        .map_err(std::io::Error::other)
                }
                0x8 => return Ok(None),
                // The gateway pings every tick and closes a client that never answers (after
                // two silent ticks): answer as every WebSocket client does.
                0x9 => self.pong(&payload).await?,
                _ => continue,
            }
        }
    }

    async fn recv_timeout(&mut self) -> std::io::Result<Value> {
        match tokio::time::timeout(FRAME_TIMEOUT, self.recv()).await {
            Ok(Ok(Some(v))) => Ok(v),
            Ok(Ok(None)) => Err(std::io::Error::other("closed by the gateway")),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(timeout_err("frame")),
        }
    }

    /// Sends a request; returns its id.
    pub async fn req(&mut self, method: &str, params: Value) -> std::io::Result<String> {
        let id = format!("{}:bench", self.next_id);
        self.next_id += 1;
        self.send(&json!({"type": "req", "id": id, "method": method, "params": params}))
            .await?;
        Ok(id)
    }

    /// Opens and completes the OpenClaw handshake (protocol 4, CLI client, given scopes).
    pub async fn operator(addr: SocketAddr, scopes: &[&str]) -> std::io::Result<WsConn> {
        let mut c = WsConn::open(addr).await?;
        let challenge = c.recv_timeout().await?;
        if challenge["event"] != "connect.challenge" {
            return Err(std::io::Error::other("no connect.challenge"));
        }
        let params = json!({"minProtocol": 4, "maxProtocol": 4,
            "client": {"id": "cli", "version": "bench", "platform": "linux", "mode": "cli"},
            "caps": [], "auth": {"token": TOKEN}, "role": "operator", "scopes": scopes});
        let id = c.req("connect", params).await?;
        loop {
            let v = c.recv_timeout().await?;
            if v["id"] == id.as_str() {
                if v["ok"] != true {
                    return Err(std::io::Error::other(format!("connect refused: {v}")));
                }
                return Ok(c);
            }
        }
    }
}

/// Opens `n` handshaken connections, `OPEN_CONCURRENCY` at a time.
async fn open_many(
    addr: SocketAddr,
    n: usize,
    scopes: &'static [&'static str],
) -> std::io::Result<Vec<WsConn>> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let batch = OPEN_CONCURRENCY.min(n - out.len());
        let opened =
            futures_util::future::join_all((0..batch).map(|_| WsConn::operator(addr, scopes)))
                .await;
        for c in opened {
            out.push(c?);
        }
    }
    Ok(out)
}

/// Idle connections and the memory they cost.
#[derive(Clone, Debug, Default, Serialize)]
pub struct IdleFigure {
    /// Connections held open (each finished the handshake).
    pub connections: usize,
    /// Time to open and handshake all of them, s.
    pub open_s: f64,
    /// Gateway VmRSS before, KiB.
    pub rss_before_kib: u64,
    /// Gateway VmRSS with every connection open and idle, KiB.
    pub rss_open_kib: u64,
    /// (open − before) / connections, KiB.
    pub kib_per_connection: f64,
}

/// Opens `n` idle connections and measures the gateway's RSS growth.
pub async fn idle(addr: SocketAddr, pid: u32, n: usize) -> std::io::Result<IdleFigure> {
    let before = super::gateway::rss_kib(pid)?;
    let started = Instant::now();
    let conns = open_many(addr, n, &["operator.read"]).await?;
    let open_s = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let open = super::gateway::rss_kib(pid)?;
    drop(conns);
    Ok(IdleFigure {
        connections: n,
        open_s: crate::stats::round1(open_s * 10.0) / 10.0,
        rss_before_kib: before,
        rss_open_kib: open,
        kib_per_connection: crate::stats::round1(
            open.saturating_sub(before) as f64 / n.max(1) as f64,
        ),
    })
}

/// One run's events delivered to many subscribers.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FanoutFigure {
    /// Subscribers (connected clients that did not start the run).
    pub subscribers: usize,
    /// Text chunks the model streamed.
    pub chunks: usize,
    /// Subscribers that received the run's `chat` final.
    pub completed: usize,
    /// Events received per subscriber (median).
    pub events_per_subscriber: u64,
    /// Run start (request sent) → the starter's final `res`, ms.
    pub run_ms: f64,
    /// The run's outcome in the starter's final `res` (`ok` unless the turn failed).
    pub run_status: String,
    /// Request sent → a subscriber's `chat` final, ms: p50 / p99 / max.
    pub final_p50_ms: f64,
    /// See `final_p50_ms`.
    pub final_p99_ms: f64,
    /// See `final_p50_ms`.
    pub final_max_ms: f64,
    /// Events delivered to all subscribers per second of run.
    pub events_per_s: f64,
}

/// Counts the run's events until its `chat` event ends it (`final` counts, `error` and
/// `aborted` do not) or [`FRAME_TIMEOUT`] passes from `t0`: ticks keep a live connection busy,
/// so the bound is on the whole watch, not per frame.
async fn watch(mut c: WsConn, run_id: &'static str, t0: Instant) -> (u64, Option<Duration>) {
    let mut events = 0u64;
    let deadline = tokio::time::Instant::from_std(t0 + FRAME_TIMEOUT);
    while let Ok(Ok(Some(v))) = tokio::time::timeout_at(deadline, c.recv()).await {
        if v["type"] == "event" && v["payload"]["runId"] == run_id {
            events += 1;
            if v["event"] == "chat" {
                match v["payload"]["state"].as_str() {
                    Some("final") => return (events, Some(t0.elapsed())),
                    Some("error" | "aborted") => break,
                    _ => {}
                }
            }
        }
    }
    (events, None)
}

/// Connects `n` subscribers, runs one streamed turn of `chunks` chunks, and times delivery.
pub async fn fanout(addr: SocketAddr, n: usize, chunks: usize) -> std::io::Result<FanoutFigure> {
    const RUN_ID: &str = "bench-fanout";
    let subs = open_many(addr, n, &["operator.read"]).await?;
    let mut starter = WsConn::operator(addr, &["operator.write"]).await?;
    let t0 = Instant::now();
    let watchers: Vec<_> = subs
        .into_iter()
        .map(|c| tokio::spawn(watch(c, RUN_ID, t0)))
        .collect();
    let id = starter
        .req(
            "agent",
            json!({"message": "fan out", "agentId": "main", "idempotencyKey": RUN_ID}),
        )
        .await?;
    let (run_ms, run_status) = loop {
        let v = starter.recv_timeout().await?;
        if v["id"] == id.as_str() && v["payload"]["status"] != "accepted" {
            let status = v["payload"]["status"]
                .as_str()
                .unwrap_or("error")
                .to_string();
            break (t0.elapsed().as_secs_f64() * 1000.0, status);
        }
    };
    let mut finals = Vec::new();
    let mut counts = Vec::new();
    for w in watchers {
        let (events, fin) = w.await.map_err(std::io::Error::other)?;
        counts.push(events as f64);
        if let Some(d) = fin {
            finals.push(d.as_secs_f64() * 1000.0);
        }
    }
    let total: f64 = counts.iter().sum();
    let last = finals.iter().cloned().fold(0.0, f64::max).max(run_ms);
    let mut sorted = finals.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| -> f64 {
        if sorted.is_empty() {
            return 0.0;
        }
        let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        crate::stats::round1(sorted[i])
    };
    Ok(FanoutFigure {
        subscribers: n,
        chunks,
        completed: finals.len(),
        events_per_subscriber: crate::stats::median(&counts) as u64,
        run_ms: crate::stats::round1(run_ms),
        run_status,
        final_p50_ms: pct(0.5),
        final_p99_ms: pct(0.99),
        final_max_ms: pct(1.0),
        events_per_s: (total / (last / 1000.0)).round(),
    })
}

/// Raises the open-files limit: to 65,536 when privileged, else the soft limit to the hard one
/// (10k sockets need it on many systems); returns the new soft limit.
pub fn raise_nofile_limit() -> u64 {
    const WANTED_NOFILE: u64 = 65_536;
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read/write the struct we pass, which lives on our stack.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 0;
        }
        // Privileged (root in a container): the hard limit itself may be raised, enough for
        // 10k streams whose mock and gateway each hold two sockets per stream.
        if lim.rlim_max < WANTED_NOFILE {
            let wanted = libc::rlimit {
                rlim_cur: WANTED_NOFILE,
                rlim_max: WANTED_NOFILE,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &wanted) == 0 {
                return WANTED_NOFILE;
            }
        }
        if lim.rlim_cur < lim.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                return raised.rlim_cur;
            }
        }
    }
    lim.rlim_cur
}
