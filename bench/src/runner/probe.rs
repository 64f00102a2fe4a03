//! `--probe <rate>:<seconds>:<sessions>`: one open-loop rate held against one gateway on the
//! mock, with the requests' sessions rotating over a fixed number of names, printed at once.
//!
//! An optional fourth field, `<rate>:<seconds>:<sessions>:<prefill>`, first stores `prefill`
//! one-turn sessions (16 connections, as the full run's sessions-list figure fills the store),
//! so a probe can show what a large store does to the same rate.
//!
//! It is the tool for finding where an open-loop wait comes from: beside the client's latency
//! it reports the part the gateway accounts for in its `Server-Timing` header (pre + provider +
//! post) and the rest (`outside`: accept, body read, dispatch to the handler, response write),
//! so a queue before the handler shows as a large `outside` with a small handler time.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::child::cpu_us;
use super::gateway::Gateway;
use super::measure::{us, Client, Target};
use super::{plain_mock, progress};
use crate::stats::{percentile, sorted};

/// One probe: the rate, how long it is held and over how many sessions requests rotate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProbeSpec {
    /// Requests per second scheduled.
    pub rate: f64,
    /// Seconds the rate is held.
    pub seconds: f64,
    /// Distinct `user` (session) names the requests rotate over.
    pub sessions: u64,
    /// One-turn sessions stored before the first repetition.
    pub prefill: u64,
}

impl ProbeSpec {
    /// Parses `rate:seconds:sessions[:prefill]`, e.g. `500:10:64` or `500:10:64:10000`.
    pub fn parse(text: &str) -> Option<ProbeSpec> {
        let mut it = text.split(':');
        let spec = ProbeSpec {
            rate: it.next()?.parse().ok().filter(|r: &f64| *r > 0.0)?,
            seconds: it.next()?.parse().ok().filter(|s: &f64| *s > 0.0)?,
            sessions: it.next()?.parse().ok().filter(|n: &u64| *n > 0)?,
            prefill: match it.next() {
                Some(n) => n.parse().ok()?,
                None => 0,
            },
        };
        it.next().is_none().then_some(spec)
    }
}

/// One answered request: the client's latency and the gateway's own part of it, µs.
struct Sample {
    client_us: f64,
    handler_us: Option<f64>,
}

/// Holds `spec` against `target`; answers the samples and the error count.
async fn hold(target: Target, spec: ProbeSpec, tag: &str) -> (Vec<Sample>, Vec<String>) {
    let total = (spec.rate * spec.seconds).round() as u64;
    let pool: Arc<Mutex<Vec<Client>>> = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        let at = start + Duration::from_secs_f64(i as f64 / spec.rate);
        if at > Instant::now() {
            tokio::time::sleep_until(at.into()).await;
        }
        let client = pool.lock().ok().and_then(|mut p| p.pop());
        let mut client = client.unwrap_or_else(|| Client::new(target));
        let (pool, user) = (pool.clone(), format!("probe-{tag}-{}", i % spec.sessions));
        tasks.push(tokio::spawn(async move {
            let r = client.turn_phases(&user).await.map(|(d, p)| Sample {
                client_us: us(d),
                handler_us: p.map(|p| p.pre_us + p.provider_us + p.post_us),
            });
            if let Ok(mut p) = pool.lock() {
                p.push(client);
            }
            r
        }));
    }
    let (mut samples, mut errors) = (Vec::with_capacity(tasks.len()), Vec::new());
    for t in tasks {
        match t.await {
            Ok(Ok(s)) => samples.push(s),
            Ok(Err(e)) => errors.push(e.to_string()),
            Err(e) => errors.push(e.to_string()),
        }
    }
    (samples, errors)
}

fn line(name: &str, values: &[f64]) -> String {
    if values.is_empty() {
        return format!("{name:>9}: -");
    }
    let s = sorted(values);
    let ms = |p: f64| percentile(&s, p) / 1000.0;
    format!(
        "{name:>9}: p50 {:8.2} ms  p90 {:8.2} ms  p99 {:8.2} ms  max {:8.2} ms",
        ms(50.0),
        ms(90.0),
        ms(99.0),
        s[s.len() - 1] / 1000.0
    )
}

/// Spawns the mock and a gateway, holds `spec` three times (the sessions' histories grow from
/// one repetition to the next) and prints each repetition's spread.
pub fn run_probe(bin: &std::path::Path, spec: ProbeSpec) -> std::io::Result<()> {
    let (rt, mock) = plain_mock()?;
    let outcome = rt.block_on(async {
        let outcome = async {
            let mut gw = Gateway::spawn(bin, &mock.mock().base_url())?;
            gw.wait_ready(Duration::from_secs(10))?;
            let target = Target::Gateway(gw.addr());
            if spec.prefill > 0 {
                progress(&format!("probe: storing {} sessions", spec.prefill));
                let fill: super::measure::UserFn =
                    Arc::new(|c, n| Some(format!("probe-fill-{c}-{n}")));
                let f =
                    super::measure::load(target, 16, Duration::from_secs(600), spec.prefill, fill)
                        .await;
                println!("stored {} sessions ({} errors)", f.requests, f.errors);
            }
            for rep in 1..=3 {
                progress(&format!(
                    "probe {rep}/3: {} req/s for {} s over {} sessions",
                    spec.rate, spec.seconds, spec.sessions
                ));
                let cpu0 = cpu_us(gw.pid());
                let (samples, errors) = hold(target, spec, "p").await;
                let cpu = cpu_us(gw.pid()).saturating_sub(cpu0);
                let client: Vec<f64> = samples.iter().map(|s| s.client_us).collect();
                let handler: Vec<f64> = samples.iter().filter_map(|s| s.handler_us).collect();
                let outside: Vec<f64> = samples
                    .iter()
                    .filter_map(|s| s.handler_us.map(|h| (s.client_us - h).max(0.0)))
                    .collect();
                println!(
                    "repetition {rep}: {} ok, {} errors, gateway CPU {:.0} µs per turn",
                    samples.len(),
                    errors.len(),
                    cpu as f64 / samples.len().max(1) as f64
                );
                for e in errors.iter().take(3) {
                    println!("    error: {e}");
                }
                println!("{}", line("client", &client));
                println!("{}", line("handler", &handler));
                println!("{}", line("outside", &outside));
            }
            Ok(())
        }
        .await;
        mock.shutdown().await;
        outcome
    });
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rate_seconds_sessions() {
        let s = ProbeSpec::parse("500:10:64").unwrap();
        assert_eq!(
            (s.rate, s.seconds, s.sessions, s.prefill),
            (500.0, 10.0, 64, 0)
        );
        assert!(ProbeSpec::parse("500:10").is_none());
        assert!(ProbeSpec::parse("0:10:64").is_none());
        assert_eq!(ProbeSpec::parse("500:10:64:1000").unwrap().prefill, 1000);
        assert!(ProbeSpec::parse("500:10:64:1:2").is_none());
    }
}
