//! Soak and burst modes (`clawgate-bench --soak <minutes>`, `--burst`): not figures of speed
//! but of leaks.
//!
//! - **Soak**: a fixed rate of chat turns ([`SOAK_RATE`] per second, non-streamed and streamed
//!   alternately) with user messages cycling through 1 KiB–100 KiB, each session used for
//!   [`TURNS_PER_SESSION`] turns, plus one WebSocket connect → `health` → disconnect per second.
//!   Every [`SAMPLE_EVERY`] the gateway's RSS, open descriptors (`/proc/<pid>/fd`) and threads
//!   (`Threads:` in `/proc/<pid>/status`) are sampled; the summary is the growth per 10 minutes
//!   after a warm-up of up to 3 minutes (least-squares slope over the samples past it).
//! - **Burst**: [`BURST_TURNS`] turns with 100 KiB messages on 16 connections, RSS before,
//!   right after and after [`BURST_IDLE`] of idleness (is memory returned to the OS?).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::json;

use super::gateway::{Gateway, BEARER};
use super::ws::WsConn;
use crate::client::HttpConn;

/// Chat turns started per second during a soak.
pub const SOAK_RATE: u64 = 10;
/// Workers sharing [`SOAK_RATE`] (each on its own keep-alive connection).
const WORKERS: u64 = 4;
/// Turns each soak session gets before the next one starts.
pub const TURNS_PER_SESSION: u64 = 10;
/// User message sizes the soak cycles through.
pub const SIZES: [usize; 5] = [1024, 4 * 1024, 16 * 1024, 64 * 1024, 100 * 1024];
/// Sampling period.
pub const SAMPLE_EVERY: Duration = Duration::from_secs(10);
/// Longest warm-up excluded from the growth figures.
pub const WARMUP_MAX: Duration = Duration::from_secs(180);
/// Turns in a burst.
pub const BURST_TURNS: u64 = 2_000;
/// Idle time after a burst before the last RSS sample.
pub const BURST_IDLE: Duration = Duration::from_secs(30);
/// Longest any one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// One sample of the gateway process.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Sample {
    /// Seconds since the load started.
    pub t_s: f64,
    /// `VmRSS` in KiB.
    pub rss_kib: u64,
    /// Open file descriptors.
    pub fds: u64,
    /// Threads.
    pub threads: u64,
    /// Turns answered 200 so far.
    pub turns: u64,
    /// Turns that failed so far.
    pub errors: u64,
    /// WebSocket connect/disconnect cycles so far.
    pub ws_cycles: u64,
}

/// Growth per 10 minutes after the warm-up (least-squares slope).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Growth {
    /// RSS, KiB per 10 minutes.
    pub rss_kib: f64,
    /// Descriptors per 10 minutes.
    pub fds: f64,
    /// Threads per 10 minutes.
    pub threads: f64,
}

/// The soak's results.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SoakFigure {
    /// Planned minutes of load.
    pub minutes: u64,
    /// Turns started per second.
    pub rate_per_s: u64,
    /// Message sizes cycled through (bytes).
    pub sizes: Vec<usize>,
    /// Samples before this many seconds are the warm-up.
    pub warmup_s: f64,
    /// Every sample.
    pub samples: Vec<Sample>,
    /// Growth per 10 minutes after the warm-up.
    pub growth_per_10_min: Growth,
    /// Largest RSS seen (KiB).
    pub max_rss_kib: u64,
}

/// The burst's results.
#[derive(Clone, Debug, Default, Serialize)]
pub struct BurstFigure {
    /// Turns sent.
    pub turns: u64,
    /// Failed turns.
    pub errors: u64,
    /// User message size (bytes).
    pub message_bytes: usize,
    /// RSS before the burst (KiB).
    pub before_kib: u64,
    /// RSS right after the burst (KiB).
    pub after_kib: u64,
    /// RSS after the idle period (KiB).
    pub after_idle_kib: u64,
    /// Idle seconds.
    pub idle_s: f64,
}

/// Reads RSS, threads and descriptors of `pid`.
pub fn sample(pid: u32) -> std::io::Result<(u64, u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))?.count() as u64;
    Ok((field("VmRSS:"), field("Threads:"), fds))
}

/// A chat-completions body for session `user` with a user message of `size` bytes.
fn body(user: &str, size: usize, stream: bool) -> Vec<u8> {
    let text: String = "soak text ".chars().cycle().take(size).collect();
    serde_json::to_vec(&json!({"model": "openclaw", "user": user, "stream": stream,
        "messages": [{"role": "user", "content": text}]}))
    .expect("serializing JSON cannot fail")
}

/// One turn on `conn` (reconnecting when needed); true on a 200.
async fn turn(conn: &mut Option<HttpConn>, addr: SocketAddr, body: &[u8]) -> bool {
    let result = tokio::time::timeout(REQUEST_TIMEOUT, async {
        if !conn.as_ref().is_some_and(HttpConn::is_reusable) {
            *conn = Some(HttpConn::connect(addr).await?);
        }
        let c = conn
            .as_mut()
            .ok_or_else(|| std::io::Error::other("no conn"))?;
        let headers = [
            ("Content-Type", "application/json"),
            ("Authorization", BEARER),
        ];
        c.request("POST", "/v1/chat/completions", &headers, body)
            .await
    })
    .await;
    match result {
        Ok(Ok(r)) if r.status() == 200 => true,
        _ => {
            *conn = None;
            false
        }
    }
}

/// Counters shared by the load tasks.
#[derive(Default)]
struct Counters {
    turns: AtomicU64,
    errors: AtomicU64,
    ws_cycles: AtomicU64,
    next: AtomicU64,
}

/// Runs the soak against `gw` for `minutes`, printing each sample as it is taken.
pub async fn soak(gw: &Gateway, minutes: u64) -> std::io::Result<SoakFigure> {
    let addr = gw.addr();
    let total = Duration::from_secs(minutes * 60);
    let started = Instant::now();
    let counters = Arc::new(Counters::default());
    let mut tasks = Vec::new();
    for _ in 0..WORKERS {
        let c = counters.clone();
        tasks.push(tokio::spawn(async move {
            let mut conn = None;
            let mut tick = tokio::time::interval(Duration::from_millis(1000 * WORKERS / SOAK_RATE));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            while started.elapsed() < total {
                tick.tick().await;
                let n = c.next.fetch_add(1, Ordering::Relaxed);
                let size = SIZES[(n % SIZES.len() as u64) as usize];
                let user = format!("soak-{}", n / TURNS_PER_SESSION);
                let ok = turn(&mut conn, addr, &body(&user, size, n % 2 == 1)).await;
                let counter = if ok { &c.turns } else { &c.errors };
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let c = counters.clone();
    tasks.push(tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        while started.elapsed() < total {
            tick.tick().await;
            let cycle = async {
                let mut ws = WsConn::operator(addr, &["operator.read"]).await?;
                ws.req("health", json!({})).await?;
                ws.recv().await
            };
            if tokio::time::timeout(REQUEST_TIMEOUT, cycle).await.is_ok() {
                c.ws_cycles.fetch_add(1, Ordering::Relaxed);
            }
        }
    }));
    let mut samples = Vec::new();
    let mut tick = tokio::time::interval(SAMPLE_EVERY);
    loop {
        tick.tick().await;
        let (rss_kib, threads, fds) = sample(gw.pid())?;
        let s = Sample {
            t_s: crate::stats::round1(started.elapsed().as_secs_f64()),
            rss_kib,
            fds,
            threads,
            turns: counters.turns.load(Ordering::Relaxed),
            errors: counters.errors.load(Ordering::Relaxed),
            ws_cycles: counters.ws_cycles.load(Ordering::Relaxed),
        };
        eprintln!(
            "clawgate-bench: soak t={:>6.0}s rss={:.1} MiB fds={} threads={} turns={} errors={} ws={}",
            s.t_s,
            s.rss_kib as f64 / 1024.0,
            s.fds,
            s.threads,
            s.turns,
            s.errors,
            s.ws_cycles
        );
        samples.push(s);
        if started.elapsed() >= total {
            break;
        }
    }
    for t in tasks {
        let _ = t.await;
    }
    Ok(summarize(minutes, samples))
}

/// Warm-up: the first third of the run, at most [`WARMUP_MAX`] (idle sessions are released
/// after 2 minutes, checked every 15 s: only then does the number of live sessions level off).
fn summarize(minutes: u64, samples: Vec<Sample>) -> SoakFigure {
    let warmup_s = (minutes as f64 * 60.0 / 3.0).min(WARMUP_MAX.as_secs_f64());
    let steady: Vec<&Sample> = samples.iter().filter(|s| s.t_s >= warmup_s).collect();
    let per_10_min = |f: &dyn Fn(&Sample) -> f64| crate::stats::round1(slope(&steady, f) * 600.0);
    SoakFigure {
        minutes,
        rate_per_s: SOAK_RATE,
        sizes: SIZES.to_vec(),
        warmup_s,
        growth_per_10_min: Growth {
            rss_kib: per_10_min(&|s| s.rss_kib as f64),
            fds: per_10_min(&|s| s.fds as f64),
            threads: per_10_min(&|s| s.threads as f64),
        },
        max_rss_kib: samples.iter().map(|s| s.rss_kib).max().unwrap_or(0),
        samples,
    }
}

/// Least-squares slope of `f` over time (per second); 0 with fewer than two samples.
fn slope(samples: &[&Sample], f: &dyn Fn(&Sample) -> f64) -> f64 {
    let n = samples.len() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let mean_t = samples.iter().map(|s| s.t_s).sum::<f64>() / n;
    let mean_y = samples.iter().map(|s| f(s)).sum::<f64>() / n;
    let cov: f64 = samples
        .iter()
        .map(|s| (s.t_s - mean_t) * (f(s) - mean_y))
        .sum();
    let var: f64 = samples.iter().map(|s| (s.t_s - mean_t).powi(2)).sum();
    if var == 0.0 {
        0.0
    } else {
        cov / var
    }
}

/// Runs the burst against `gw`.
pub async fn burst(gw: &Gateway) -> std::io::Result<BurstFigure> {
    let addr = gw.addr();
    let size = 100 * 1024;
    let before_kib = sample(gw.pid())?.0;
    let counters = Arc::new(Counters::default());
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let c = counters.clone();
        tasks.push(tokio::spawn(async move {
            let mut conn = None;
            loop {
                let n = c.next.fetch_add(1, Ordering::Relaxed);
                if n >= BURST_TURNS {
                    break;
                }
                let user = format!("burst-{}", n % 100);
                let ok = turn(&mut conn, addr, &body(&user, size, false)).await;
                let counter = if ok { &c.turns } else { &c.errors };
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let after_kib = sample(gw.pid())?.0;
    tokio::time::sleep(BURST_IDLE).await;
    Ok(BurstFigure {
        turns: BURST_TURNS,
        errors: counters.errors.load(Ordering::Relaxed),
        message_bytes: size,
        before_kib,
        after_kib,
        after_idle_kib: sample(gw.pid())?.0,
        idle_s: BURST_IDLE.as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(t_s: f64, rss_kib: u64) -> Sample {
        Sample {
            t_s,
            rss_kib,
            ..Sample::default()
        }
    }

    #[test]
    fn growth_is_the_slope_after_the_warm_up() {
        // Warm-up (first 3 min of 10) grows fast; afterwards 1 KiB per minute.
        let mut samples = vec![at(0.0, 1000), at(60.0, 5000), at(120.0, 9000)];
        samples.extend((3..=10).map(|m| at(m as f64 * 60.0, 10_000 + m)));
        let f = summarize(10, samples);
        assert_eq!(f.warmup_s, 180.0);
        assert_eq!(f.growth_per_10_min.rss_kib, 10.0);
        assert_eq!(f.max_rss_kib, 10_010);
    }

    #[test]
    fn the_process_samples_itself() {
        let (rss, threads, fds) = sample(std::process::id()).unwrap();
        assert!(rss > 0 && threads >= 1 && fds >= 3);
    }
}

/// The JSON written by a soak or burst run.
#[derive(Clone, Debug, Serialize)]
pub struct LeakResults {
    /// UTC start, RFC 3339.
    pub timestamp: String,
    /// Commit of the benchmark checkout.
    pub commit: String,
    /// The gateway binary.
    pub gateway_bin: String,
    /// The machine.
    pub machine: super::report::Machine,
    /// The soak, when run.
    pub soak: Option<SoakFigure>,
    /// The burst, when run.
    pub burst: Option<BurstFigure>,
    /// Why the run stopped early, if it did.
    pub error: Option<String>,
}

/// Writes `results` as `<out>/leaks-<date>-<commit>[-n].json`.
pub fn write_json(
    results: &LeakResults,
    out: &std::path::Path,
) -> std::io::Result<std::path::PathBuf> {
    let date = results.timestamp.get(..10).unwrap_or("unknown");
    super::report::write_unique_json(results, out, &format!("leaks-{date}-{}", results.commit))
}
