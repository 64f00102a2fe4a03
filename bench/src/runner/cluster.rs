//! `--cluster`: one gateway node against three on the same machine, and SQLite against
//! PostgreSQL (issue #18's recorded benchmark).
//!
//! In one run, with the main run's mock, client and methods: (a) one node on SQLite and (b) one
//! node on PostgreSQL, each measured for closed-loop throughput (64 connections, figure 5's
//! method and session names) and non-stream latency one turn at a time (interleaved rounds
//! against direct, figure 3's method); then (c) three nodes on one PostgreSQL database and one
//! NATS server: throughput with the 64 connections spread round-robin over the nodes so every
//! turn runs on the node it reached (local), throughput with every turn sent to a node that
//! does not own its session (forwarded), and the latency of a local turn against a forwarded
//! one on one session owned by node 1. PostgreSQL and `nats-server` are the mode's own
//! throwaway servers ([`super::services`]). The JSON goes to `<out>/cluster-<date>-<commit>.json`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;

use super::child::{cpu_us, group_cpu_us, tree_cpu_us};
use super::cluster_report::{table, write_json};
use super::gateway::{config, config_with, Gateway, BEARER};
use super::measure::{self, us, Client, LatencyFigure, LoadFigure, Side, Target};
use super::report::{self, Machine};
use super::services::{Nats, Postgres, PG_SETTINGS};
use super::{plain_mock, progress};
use crate::client::HttpConn;
use crate::stats::{percentile, round1, sorted};

/// Sizes of the `--cluster` figures.
#[derive(Clone, Debug, Serialize)]
pub struct ClusterPlan {
    /// Warm-up turns per side before the latency rounds.
    pub warmup: usize,
    /// Latency rounds.
    pub rounds: usize,
    /// Turns per side per latency round.
    pub per_round: usize,
    /// Closed-loop connections of every throughput case.
    pub connections: usize,
    /// Seconds each throughput case runs.
    pub throughput_s: f64,
    /// Limit of the whole mode, s.
    pub time_limit_s: u64,
}

impl ClusterPlan {
    /// The full plan (5 s per throughput case, 5 × 20 rounds) or the `--quick` one.
    pub fn new(quick: bool) -> ClusterPlan {
        if quick {
            ClusterPlan {
                warmup: 5,
                rounds: 2,
                per_round: 5,
                connections: 64,
                throughput_s: 1.0,
                time_limit_s: 150,
            }
        } else {
            ClusterPlan {
                warmup: 20,
                rounds: 5,
                per_round: 20,
                connections: 64,
                throughput_s: 5.0,
                time_limit_s: 400,
            }
        }
    }
}

/// One throughput case.
#[derive(Clone, Debug, Serialize)]
pub struct Throughput {
    /// Gateway nodes taking requests.
    pub nodes: usize,
    /// `local` (each turn runs on the node it reached) or `forwarded` (each turn is sent to
    /// a node that does not own its session, which forwards it to the owner).
    pub route: String,
    /// The closed-loop figure over the measured turns.
    pub load: LoadFigure,
    /// Turns sent to the owner to claim a session before it is used through another node
    /// (forwarded case: one per 100 turns per connection; not in `load`).
    pub claim_turns: u64,
    /// CPU (user + system) of the gateway processes, summed, per turn (measured + claim), µs.
    pub gateway_cpu_us_per_turn: Option<f64>,
    /// CPU of the PostgreSQL postmaster and its live backends per turn, µs.
    pub postgres_cpu_us_per_turn: Option<f64>,
    /// CPU of `nats-server` per turn, µs.
    pub nats_cpu_us_per_turn: Option<f64>,
    /// Session leases each node holds afterwards (`GET /api/v1/status`), cluster only.
    pub sessions_held: Vec<(String, i64)>,
}

/// One node on one storage backend.
#[derive(Clone, Debug, Serialize)]
pub struct OneNode {
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// Non-stream latency one turn at a time (figure 3's method).
    pub latency: LatencyFigure,
    /// Closed-loop throughput (figure 5's method).
    pub throughput: Throughput,
}

/// Latency of a turn run by the node it reached against one forwarded to the session's owner.
#[derive(Clone, Debug, Serialize)]
pub struct ForwardLatency {
    /// Rounds (each: direct, then node 1, then node 2, `per_round` turns each).
    pub rounds: usize,
    /// Turns per side per round.
    pub per_round: usize,
    /// Straight to the mock.
    pub direct: Side,
    /// Sent to node 1, which owns the session.
    pub local: Side,
    /// Sent to node 2, which forwards it to node 1 over the bus.
    pub forwarded: Side,
    /// Local turn's added latency over direct: p50 (median of round differences), µs.
    pub local_added_p50_us: f64,
    /// Local p99 − direct p99, µs.
    pub local_added_p99_us: f64,
    /// Forwarded turn's added latency over direct, p50, µs.
    pub forwarded_added_p50_us: f64,
    /// Forwarded p99 − direct p99, µs.
    pub forwarded_added_p99_us: f64,
    /// What forwarding adds: forwarded − local added p50, µs.
    pub forwarding_p50_us: f64,
    /// Forwarded − local added p99, µs.
    pub forwarding_p99_us: f64,
    /// Session leases each node holds afterwards (node 1 holds the measured session).
    pub sessions_held: Vec<(String, i64)>,
}

/// Every figure of the mode; a step that failed leaves its figure and the later ones out.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ClusterFigures {
    /// (a) One node, SQLite (the default store).
    pub sqlite: Option<OneNode>,
    /// (b) One node, PostgreSQL, no bus.
    pub postgres: Option<OneNode>,
    /// (c) Three nodes, local turn vs forwarded turn, one at a time.
    pub cluster_latency: Option<ForwardLatency>,
    /// (c) Three nodes, 64 connections round-robin, every turn local.
    pub cluster_local: Option<Throughput>,
    /// (c) Three nodes, 64 connections, every turn forwarded.
    pub cluster_forwarded: Option<Throughput>,
}

/// The JSON of a `--cluster` run.
#[derive(Clone, Debug, Serialize)]
pub struct ClusterResults {
    /// UTC start time.
    pub timestamp: String,
    /// Short commit.
    pub commit: String,
    /// The gateway binary measured.
    pub gateway_bin: String,
    /// `cluster` or `cluster quick`.
    pub mode: String,
    /// The machine.
    pub machine: Machine,
    /// `/proc/loadavg` (1, 5, 15 min) when the run started.
    pub load_average_start: Vec<f64>,
    /// `/proc/loadavg` when it ended.
    pub load_average_end: Vec<f64>,
    /// `SELECT version()` of the throwaway server.
    pub postgres: String,
    /// Server settings beyond `initdb`'s defaults.
    pub postgres_settings: String,
    /// `nats-server --version`.
    pub nats: String,
    /// The sizes used.
    pub plan: ClusterPlan,
    /// The figures.
    pub figures: ClusterFigures,
    /// Why the run stopped early, if it did.
    pub error: Option<String>,
}

fn load_average() -> Vec<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .filter_map(|v| v.parse().ok())
        .collect()
}

/// `--cluster [--quick]`: runs every case, prints the table, writes the JSON; returns its path.
pub fn run_cluster(bin: &Path, quick: bool, out: &Path) -> std::io::Result<PathBuf> {
    let plan = ClusterPlan::new(quick);
    let (date, time) = report::utc(SystemTime::now());
    let mut results = ClusterResults {
        timestamp: format!("{date}T{time}Z"),
        commit: report::commit(),
        gateway_bin: bin.display().to_string(),
        mode: if quick { "cluster quick" } else { "cluster" }.to_string(),
        machine: report::machine(),
        load_average_start: load_average(),
        load_average_end: Vec::new(),
        postgres: "unknown".into(),
        postgres_settings: PG_SETTINGS.to_string(),
        nats: Nats::version(),
        plan: plan.clone(),
        figures: ClusterFigures::default(),
        error: None,
    };
    let (rt, mock) = plain_mock()?;
    let outcome = rt.block_on(async {
        let limit = Duration::from_secs(plan.time_limit_s);
        let mock_url = mock.mock().base_url();
        let run = cases(bin, &plan, &mock_url, mock.mock().addr(), &mut results);
        // The signal handlers are installed first (`biased`), before any server is started:
        // on SIGINT or SIGTERM the run is dropped, so its guards stop the gateways, NATS and
        // PostgreSQL (which runs detached, so a Ctrl-C never reaches it) and remove their dirs.
        let outcome = tokio::select! {
            biased;
            signal = interrupted() => Err(std::io::Error::other(format!("interrupted by {signal}"))),
            r = tokio::time::timeout(limit, run) => r.unwrap_or_else(|_| {
                Err(std::io::Error::other(format!("run exceeded its {limit:?} limit")))
            }),
        };
        mock.shutdown().await;
        outcome
    });
    results.load_average_end = load_average();
    if let Err(e) = outcome {
        results.error = Some(e.to_string());
    }
    println!("{}", table(&results));
    let path = write_json(&results, out)?;
    println!("results written to {}", path.display());
    match results.error {
        Some(e) => Err(std::io::Error::other(e)),
        None => Ok(path),
    }
}

/// Resolves with the signal's name on SIGINT or SIGTERM (never, if no handler can be installed).
async fn interrupted() -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    match (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) {
        (Ok(mut int), Ok(mut term)) => tokio::select! {
            _ = int.recv() => "SIGINT",
            _ = term.recv() => "SIGTERM",
        },
        _ => std::future::pending().await,
    }
}

/// Whose CPU time a throughput case reads.
struct Cpu {
    gateways: Vec<u32>,
    postmaster: Option<u32>,
    nats: Option<u32>,
}

impl Cpu {
    /// (gateways, PostgreSQL, NATS) CPU time so far, µs.
    fn read(&self) -> (u64, Option<u64>, Option<u64>) {
        (
            self.gateways.iter().map(|p| cpu_us(*p)).sum(),
            self.postmaster.map(tree_cpu_us),
            self.nats.map(group_cpu_us),
        )
    }
}

/// Starts a gateway with this config and waits until `/readyz` answers `200` and a turn
/// through it gets the mock's reply.
async fn start_node(bin: &Path, config_text: &str) -> std::io::Result<Gateway> {
    let mut gw = Gateway::spawn_with_config(bin, config_text)?;
    gw.wait_ready(Duration::from_secs(20))?;
    let target = Target::Gateway(gw.addr());
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut client = Client::new(target);
    while let Err(e) = client.get("/readyz").await {
        if Instant::now() > deadline {
            return Err(std::io::Error::other(format!(
                "gateway not ready: {e}; log tail:\n{}",
                gw.log_tail()
            )));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (_, body) = client.turn("bench-check").await?;
    if !String::from_utf8_lossy(&body).contains("Hello from the mock model.") {
        return Err(std::io::Error::other(
            "the gateway's reply does not carry the mock's text",
        ));
    }
    Ok(gw)
}

/// The cases in order, filling `results` as they go.
async fn cases(
    bin: &Path,
    plan: &ClusterPlan,
    mock_url: &str,
    mock_addr: std::net::SocketAddr,
    results: &mut ClusterResults,
) -> std::io::Result<()> {
    let direct = Target::Direct(mock_addr);
    progress("PostgreSQL and nats-server");
    let pg = Postgres::start()?;
    results.postgres = pg.version();
    let nats = Nats::start().await?;
    let postmaster = pg.postmaster_pid();

    progress("one node, SQLite");
    {
        let gw = start_node(bin, &config(mock_url)).await?;
        let cpu = Cpu {
            gateways: vec![gw.pid()],
            postmaster: None,
            nats: None,
        };
        results.figures.sqlite = Some(one_node("sqlite", direct, &gw, &cpu, plan).await?);
    }

    progress("one node, PostgreSQL");
    {
        let url = pg.create_db("bench_one")?;
        let extra = format!("  storage: {{ backend: \"postgres\", url: \"{url}\" }},\n");
        let gw = start_node(bin, &config_with(mock_url, &extra)).await?;
        let cpu = Cpu {
            gateways: vec![gw.pid()],
            postmaster,
            nats: None,
        };
        results.figures.postgres = Some(one_node("postgres", direct, &gw, &cpu, plan).await?);
    }

    progress("three nodes on PostgreSQL + NATS");
    let url = pg.create_db("bench_cluster")?;
    let mut nodes = Vec::new();
    for i in 1..=3 {
        let extra = format!(
            "  storage: {{ backend: \"postgres\", url: \"{url}\" }},\n  cluster: {{ bus: {{ url: \"nats://127.0.0.1:{}\" }}, nodeId: \"n{i}\", leaseTtlMs: 10000 }},\n",
            nats.port
        );
        nodes.push(start_node(bin, &config_with(mock_url, &extra)).await?);
    }
    let targets: Vec<Target> = nodes.iter().map(|g| Target::Gateway(g.addr())).collect();
    let cpu = Cpu {
        gateways: nodes.iter().map(Gateway::pid).collect(),
        postmaster,
        nats: Some(nats.pid()),
    };

    progress("three nodes: local vs forwarded turn, one at a time");
    let others = [
        ("local".to_string(), targets[0]),
        ("forwarded".to_string(), targets[1]),
    ];
    let lat = measure::latency(direct, &others, plan.rounds, plan.per_round, plan.warmup).await?;
    let (local, forwarded) = (&lat.compared[0], &lat.compared[1]);
    results.figures.cluster_latency = Some(ForwardLatency {
        rounds: lat.rounds,
        per_round: lat.per_round,
        direct: lat.direct.clone(),
        local: local.side.clone(),
        forwarded: forwarded.side.clone(),
        local_added_p50_us: local.added_p50_us,
        local_added_p99_us: local.added_p99_us,
        forwarded_added_p50_us: forwarded.added_p50_us,
        forwarded_added_p99_us: forwarded.added_p99_us,
        forwarding_p50_us: round1(forwarded.added_p50_us - local.added_p50_us),
        forwarding_p99_us: round1(forwarded.added_p99_us - local.added_p99_us),
        sessions_held: sessions_held(targets[0]).await?,
    });

    progress("three nodes: throughput, every turn local");
    results.figures.cluster_local =
        Some(throughput(&targets, &cpu, plan, false, "cl-local").await?);
    progress("three nodes: throughput, every turn forwarded");
    results.figures.cluster_forwarded =
        Some(throughput(&targets, &cpu, plan, true, "cl-fwd").await?);
    // Gateways stop before the bus and the database (reverse declaration order).
    drop(nodes);
    Ok(())
}

/// Latency, then throughput, of one node.
async fn one_node(
    backend: &str,
    direct: Target,
    gw: &Gateway,
    cpu: &Cpu,
    plan: &ClusterPlan,
) -> std::io::Result<OneNode> {
    let target = Target::Gateway(gw.addr());
    let others = [("gateway".to_string(), target)];
    let latency =
        measure::latency(direct, &others, plan.rounds, plan.per_round, plan.warmup).await?;
    let throughput = throughput(&[target], cpu, plan, false, "load").await?;
    Ok(OneNode {
        backend: backend.to_string(),
        latency,
        throughput,
    })
}

/// `data.cluster.nodes[].{nodeId, sessions}` of `GET /api/v1/status` on `node`; empty for a
/// single node.
async fn sessions_held(node: Target) -> std::io::Result<Vec<(String, i64)>> {
    let mut conn = HttpConn::connect(node.addr()).await?;
    let r = conn
        .request("GET", "/api/v1/status", &[("Authorization", BEARER)], b"")
        .await?;
    if r.status() != 200 {
        return Err(std::io::Error::other(format!(
            "GET /api/v1/status: status {}",
            r.status()
        )));
    }
    let body: serde_json::Value = serde_json::from_slice(&r.body)?;
    let nodes = body["data"]["cluster"]["nodes"].as_array().cloned();
    Ok(nodes
        .unwrap_or_default()
        .iter()
        .map(|n| {
            (
                n["nodeId"].as_str().unwrap_or("?").to_string(),
                n["sessions"].as_i64().unwrap_or(0),
            )
        })
        .collect())
}

/// One closed-loop throughput case over `nodes`, with the CPU used meanwhile.
async fn throughput(
    nodes: &[Target],
    cpu: &Cpu,
    plan: &ClusterPlan,
    forwarded: bool,
    tag: &str,
) -> std::io::Result<Throughput> {
    let duration = Duration::from_secs_f64(plan.throughput_s);
    let before = cpu.read();
    let (load, claim_turns) = spread_load(nodes, plan.connections, duration, forwarded, tag).await;
    let after = cpu.read();
    let turns = (load.requests + claim_turns).max(1) as f64;
    let per_turn = |a: u64, b: u64| Some(round1(b.saturating_sub(a) as f64 / turns));
    let sessions = match nodes.len() {
        1 => Vec::new(),
        _ => sessions_held(nodes[0]).await?,
    };
    Ok(Throughput {
        nodes: nodes.len(),
        route: if forwarded { "forwarded" } else { "local" }.to_string(),
        load,
        claim_turns,
        gateway_cpu_us_per_turn: per_turn(before.0, after.0),
        postgres_cpu_us_per_turn: before.1.zip(after.1).and_then(|(a, b)| per_turn(a, b)),
        nats_cpu_us_per_turn: before.2.zip(after.2).and_then(|(a, b)| per_turn(a, b)),
        sessions_held: sessions,
    })
}

/// What one load connection did.
#[derive(Default)]
struct ConnRun {
    lat: Vec<f64>,
    errors: u64,
    first_error: Option<String>,
    claims: u64,
}

impl ConnRun {
    fn failed(&mut self, e: std::io::Error) {
        self.errors += 1;
        self.first_error.get_or_insert_with(|| e.to_string());
    }
}

/// Figure 5's closed loop (`connections` keep-alive connections, one turn after another until
/// `duration` passes, a fresh session `<tag>-<conn>-<n/100>` every 100 turns) with connection
/// `c` on node `c mod n`. With `forwarded`, connection `c` sends its turns to the next node
/// instead, after one claim turn per new session on node `c mod n`, which so owns it.
/// Returns the figure over the measured turns and the claim turns made.
async fn spread_load(
    nodes: &[Target],
    connections: usize,
    duration: Duration,
    forwarded: bool,
    tag: &str,
) -> (LoadFigure, u64) {
    let started = Instant::now();
    let deadline = started + duration;
    let n = nodes.len();
    let tasks: Vec<_> = (0..connections)
        .map(|c| {
            let owner = nodes[c % n];
            let edge = nodes[(c + usize::from(forwarded)) % n];
            let tag = tag.to_string();
            tokio::spawn(async move {
                let mut run = ConnRun::default();
                let mut client = Client::new(edge);
                let mut claimer = (forwarded && owner != edge).then(|| Client::new(owner));
                let mut i = 0u64;
                while Instant::now() < deadline {
                    let session = format!("{tag}-{c}-{}", i / 100);
                    if let Some(claimer) = claimer.as_mut().filter(|_| i.is_multiple_of(100)) {
                        match claimer.turn(&session).await {
                            Ok(_) => run.claims += 1,
                            Err(e) => run.failed(e),
                        }
                    }
                    i += 1;
                    match client.turn(&session).await {
                        Ok((d, _)) => run.lat.push(us(d)),
                        Err(e) => {
                            run.failed(e);
                            tokio::time::sleep(Duration::from_millis(1)).await;
                        }
                    }
                }
                run
            })
        })
        .collect();
    let mut all = ConnRun::default();
    for t in tasks {
        match t.await {
            Ok(r) => {
                all.lat.extend(r.lat);
                all.errors += r.errors;
                all.claims += r.claims;
                all.first_error = all.first_error.or(r.first_error);
            }
            Err(e) => all.failed(std::io::Error::other(format!("load task failed: {e}"))),
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let lat = sorted(&all.lat);
    let figure = LoadFigure {
        connections,
        elapsed_s: round1(elapsed),
        requests: lat.len() as u64,
        errors: all.errors,
        rps: round1(lat.len() as f64 / elapsed.max(1e-9)),
        p50_us: round1(percentile(&lat, 50.0)),
        p99_us: round1(percentile(&lat, 99.0)),
        max_us: round1(lat.last().copied().unwrap_or(0.0)),
        first_error: all.first_error,
    };
    (figure, all.claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_plan_is_smaller_than_the_full_one() {
        let (q, f) = (ClusterPlan::new(true), ClusterPlan::new(false));
        assert!(q.throughput_s < f.throughput_s && q.rounds * q.per_round < f.rounds * f.per_round);
        assert_eq!((f.connections, f.rounds, f.per_round), (64, 5, 20));
    }

    #[test]
    fn load_average_has_three_figures() {
        assert_eq!(load_average().len(), 3);
    }
}
