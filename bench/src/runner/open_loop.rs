//! Open-loop load: requests sent on a fixed schedule whatever the answers do (so a slow
//! server cannot slow the load down and hide its queueing), stepped up in rate until the
//! added p99 passes 10 ms or errors pass 0.1 %. Each step also reads the server's CPU time,
//! giving the CPU cost per turn at that rate.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::child::{cpu_us, group_cpu_us};
use super::measure::{us, Client, Target};
use crate::stats::{percentile, round1, sorted};

/// Whose CPU time a step reads.
#[derive(Clone, Copy, Debug)]
pub enum CpuOf {
    /// Nobody's (the in-process mock).
    None,
    /// One process.
    Pid(u32),
    /// Every process of a process group.
    Group(u32),
}

impl CpuOf {
    fn read(self) -> Option<u64> {
        match self {
            CpuOf::None => None,
            CpuOf::Pid(p) => Some(cpu_us(p)),
            CpuOf::Group(g) => Some(group_cpu_us(g)),
        }
    }
}

/// One rate held for one step.
#[derive(Clone, Debug, Serialize)]
pub struct RateStep {
    /// Requests per second scheduled.
    pub rate: f64,
    /// Requests scheduled.
    pub sent: u64,
    /// Successful answers.
    pub ok: u64,
    /// Failed requests (non-200, I/O, timeout).
    pub errors: u64,
    /// Latency p50, µs (from the request written to the whole answer read).
    pub p50_us: f64,
    /// Latency p99, µs.
    pub p99_us: f64,
    /// Slowest, µs.
    pub max_us: f64,
    /// The mock alone at the same rate, p99, µs.
    pub direct_p99_us: f64,
    /// `p99_us − direct_p99_us`.
    pub added_p99_us: f64,
    /// Latest a request left its scheduled time (the load generator's own lag), µs.
    pub max_lag_us: f64,
    /// Server CPU time (user + system) per successful turn at this rate, µs.
    pub cpu_us_per_turn: Option<f64>,
}

/// The open-loop figure of one server.
#[derive(Clone, Debug, Serialize)]
pub struct OpenLoopFigure {
    /// `gateway`, `floor` or the peer's name.
    pub name: String,
    /// Seconds each rate is held.
    pub step_s: f64,
    /// Every step taken, in rising rate.
    pub steps: Vec<RateStep>,
    /// Highest rate held with added p99 ≤ 1 ms and < 0.1 % errors.
    pub max_rate_added_p99_1ms: Option<f64>,
    /// Highest rate held with added p99 ≤ 10 ms and < 0.1 % errors.
    pub max_rate_added_p99_10ms: Option<f64>,
    /// CPU per turn at the step closest to 1,000 turns/s, µs.
    pub cpu_us_per_turn_at_1k: Option<f64>,
}

/// The samples of one step at one target.
struct Sampled {
    sent: u64,
    lat: Vec<f64>,
    errors: u64,
    max_lag_us: f64,
    cpu_us: Option<u64>,
}

/// Sends `rate × duration` requests on schedule; sessions rotate over 64 names per step.
async fn hold(target: Target, rate: f64, duration: Duration, label: &str, cpu: CpuOf) -> Sampled {
    let total = (rate * duration.as_secs_f64()).round() as u64;
    let pool: Arc<Mutex<Vec<Client>>> = Arc::new(Mutex::new(Vec::new()));
    let cpu0 = cpu.read();
    let start = Instant::now();
    let mut max_lag = Duration::ZERO;
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        let at = start + Duration::from_secs_f64(i as f64 / rate);
        let now = Instant::now();
        if at > now {
            tokio::time::sleep_until(at.into()).await;
        }
        max_lag = max_lag.max(Instant::now().saturating_duration_since(at));
        let client = pool.lock().ok().and_then(|mut p| p.pop());
        let mut client = client.unwrap_or_else(|| Client::new(target));
        let (pool, user) = (pool.clone(), format!("ol-{label}-{rate}-{}", i % 64));
        tasks.push(tokio::spawn(async move {
            let r = client.turn(&user).await.map(|(d, _)| us(d));
            if let Ok(mut p) = pool.lock() {
                p.push(client);
            }
            r
        }));
    }
    let (mut lat, mut errors) = (Vec::with_capacity(tasks.len()), 0);
    for t in tasks {
        match t.await {
            Ok(Ok(v)) => lat.push(v),
            _ => errors += 1,
        }
    }
    let cpu_us = cpu0.zip(cpu.read()).map(|(a, b)| b.saturating_sub(a));
    Sampled {
        sent: total,
        lat,
        errors,
        max_lag_us: us(max_lag),
        cpu_us,
    }
}

/// Steps through `rates` on `target` (each held `step`, the mock alone first at the same
/// rate), stopping after the first step over 10 ms added p99 or 0.1 % errors.
pub async fn search(
    direct: Target,
    target: Target,
    name: &str,
    rates: &[f64],
    step: Duration,
    cpu: CpuOf,
) -> OpenLoopFigure {
    let mut figure = OpenLoopFigure {
        name: name.to_string(),
        step_s: step.as_secs_f64(),
        steps: Vec::new(),
        max_rate_added_p99_1ms: None,
        max_rate_added_p99_10ms: None,
        cpu_us_per_turn_at_1k: None,
    };
    for &rate in rates {
        let d = hold(direct, rate, step, "direct", CpuOf::None).await;
        let s = hold(target, rate, step, name, cpu).await;
        let direct_p99 = percentile(&sorted(&d.lat), 99.0);
        let lat = sorted(&s.lat);
        let p99 = percentile(&lat, 99.0);
        let ok = lat.len() as u64;
        let step = RateStep {
            rate,
            sent: s.sent,
            ok,
            errors: s.errors,
            p50_us: round1(percentile(&lat, 50.0)),
            p99_us: round1(p99),
            max_us: round1(lat.last().copied().unwrap_or(0.0)),
            direct_p99_us: round1(direct_p99),
            added_p99_us: round1(p99 - direct_p99),
            max_lag_us: round1(s.max_lag_us.max(d.max_lag_us)),
            cpu_us_per_turn: s
                .cpu_us
                .filter(|_| ok > 0)
                .map(|c| round1(c as f64 / ok as f64)),
        };
        let clean = (s.errors as f64) < 0.001 * s.sent.max(1) as f64 && ok > 0;
        if clean && step.added_p99_us <= 1_000.0 {
            figure.max_rate_added_p99_1ms = Some(rate);
        }
        if clean && step.added_p99_us <= 10_000.0 {
            figure.max_rate_added_p99_10ms = Some(rate);
        }
        let stop = !clean || step.added_p99_us > 10_000.0;
        figure.steps.push(step);
        if stop {
            break;
        }
    }
    figure.cpu_us_per_turn_at_1k = figure
        .steps
        .iter()
        .filter(|s| s.cpu_us_per_turn.is_some())
        .min_by(|a, b| (a.rate - 1000.0).abs().total_cmp(&(b.rate - 1000.0).abs()))
        .and_then(|s| s.cpu_us_per_turn);
    figure
}
