//! The benchmark runner behind the `clawgate-bench` binary.
//!
//! It starts the mock model in-process (its own thread and actix System), records the mock's
//! own ceiling, then starts the gateway binary against it and takes the figures described in
//! `bench/README.md`. Everything targets 127.0.0.1, every loop is bounded in count and time,
//! the whole run has a time limit, and the gateway child is killed on every exit path.

pub mod child;
pub mod cluster;
pub mod cluster_report;
pub mod gateway;
pub mod measure;
pub mod open_loop;
pub mod peer;
pub mod phases;
pub mod probe;
pub mod report;
pub mod services;
pub mod soak;
pub mod streams;
pub mod target;
pub mod tool_round;
pub mod ws;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::mock::{MockOptions, MockUpstream, Reply};
use gateway::Gateway;
use measure::Target;
use report::{Figures, MemoryFigure, Results, StartFigure};

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// The gateway binary (required unless `mock_only`).
    pub gateway_bin: Option<PathBuf>,
    /// Shrink every figure so the run finishes in well under 30 s.
    pub quick: bool,
    /// Measure only the mock (ceiling, direct latency and streaming).
    pub mock_only: bool,
    /// Directory for the results JSON.
    pub out: PathBuf,
    /// Idle WebSocket connections to open (`None`: 10,000, or 100 with `quick`; 0 skips).
    pub ws_idle: Option<usize>,
    /// WebSocket subscribers for the fan-out figure (`None`: 1,000, or 20 with `quick`; 0 skips).
    pub ws_fanout: Option<usize>,
    /// Measure the floor forwarder beside the gateway (default on).
    pub floor: bool,
    /// Another OpenAI-compatible gateway measured beside clawgate.
    pub peer: Option<peer::PeerSpec>,
    /// Concurrent SSE streams for the streams figure (`None`: 10,000, or 200 with `quick`; 0 skips).
    pub streams: Option<usize>,
    /// Run the soak for this many minutes instead of the figures (see [`soak`]).
    pub soak: Option<u64>,
    /// Run the memory burst instead of the figures (see [`soak`]); before a soak when both.
    pub burst: bool,
    /// Hold one open-loop rate and print where the time goes, instead of the figures.
    pub probe: Option<probe::ProbeSpec>,
    /// One node vs three, SQLite vs PostgreSQL, instead of the figures (see [`cluster`]).
    pub cluster: bool,
}

/// Sizes of every figure.
#[derive(Clone, Debug)]
struct Plan {
    starts: usize,
    warmup: usize,
    rounds: usize,
    per_round: usize,
    stream_rounds: usize,
    stream_per_round: usize,
    stream_chunks: usize,
    stream_delay_ms: u64,
    connections: usize,
    load_duration: Duration,
    turns: u64,
    sessions: u64,
    turn_connections: usize,
    settle: Duration,
    time_limit: Duration,
    ws_idle: usize,
    ws_fanout: usize,
    ws_fanout_chunks: usize,
    list_sessions: u64,
    list_samples: usize,
    tool_round: tool_round::ToolRoundPlan,
    open_loop_rates: Vec<f64>,
    open_loop_step: Duration,
    streams: usize,
    streams_chunks: usize,
    streams_interval: Duration,
    history_turns: u64,
    phase_samples: usize,
}

impl Plan {
    fn new(quick: bool) -> Plan {
        if quick {
            Plan {
                starts: 1,
                warmup: 10,
                rounds: 3,
                per_round: 10,
                stream_rounds: 2,
                stream_per_round: 5,
                stream_chunks: 10,
                stream_delay_ms: 2,
                connections: 64,
                load_duration: Duration::from_secs(2),
                turns: 1_000,
                sessions: 100,
                turn_connections: 16,
                settle: Duration::from_millis(500),
                time_limit: Duration::from_secs(120),
                ws_idle: 100,
                ws_fanout: 20,
                ws_fanout_chunks: 20,
                list_sessions: 1_000,
                list_samples: 50,
                tool_round: tool_round::ToolRoundPlan {
                    warmup: 10,
                    turns: 100,
                    turns_per_session: 10,
                },
                open_loop_rates: vec![500.0, 1_000.0, 2_000.0],
                open_loop_step: Duration::from_millis(500),
                streams: 200,
                streams_chunks: 10,
                streams_interval: Duration::from_millis(100),
                history_turns: 100,
                phase_samples: 50,
            }
        } else {
            Plan {
                starts: 5,
                warmup: 50,
                rounds: 7,
                per_round: 25,
                stream_rounds: 5,
                stream_per_round: 10,
                stream_chunks: 20,
                stream_delay_ms: 5,
                connections: 64,
                load_duration: Duration::from_secs(10),
                turns: 10_000,
                sessions: 1_000,
                turn_connections: 16,
                settle: Duration::from_secs(2),
                time_limit: Duration::from_secs(1_200),
                ws_idle: 10_000,
                ws_fanout: 1_000,
                ws_fanout_chunks: 100,
                list_sessions: 10_000,
                list_samples: 200,
                tool_round: tool_round::ToolRoundPlan {
                    warmup: 50,
                    turns: 1_000,
                    turns_per_session: 10,
                },
                open_loop_rates: vec![
                    500.0, 1_000.0, 2_000.0, 3_000.0, 4_000.0, 6_000.0, 8_000.0, 10_000.0,
                    12_000.0, 15_000.0, 20_000.0,
                ],
                open_loop_step: Duration::from_secs(2),
                streams: 10_000,
                streams_chunks: 20,
                streams_interval: Duration::from_secs(1),
                history_turns: 500,
                phase_samples: 200,
            }
        }
    }
}

/// The mock running on its own thread with its own actix System.
struct MockThread {
    mock: Option<MockUpstream>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl MockThread {
    fn spawn(options: MockOptions) -> std::io::Result<MockThread> {
        let (tx, rx) = std::sync::mpsc::channel();
        let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("mock-upstream".into())
            .spawn(move || {
                actix_rt::System::new().block_on(async move {
                    let started = MockUpstream::start_with(options).await;
                    let ok = started.is_ok();
                    let _ = tx.send(started);
                    if ok {
                        let _ = stop_rx.await;
                    }
                });
            })?;
        let mock = rx
            .recv()
            .map_err(|_| std::io::Error::other("mock thread died"))??;
        Ok(MockThread {
            mock: Some(mock),
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    fn mock(&self) -> &MockUpstream {
        self.mock.as_ref().expect("mock is present until shutdown")
    }

    async fn shutdown(mut self) {
        if let Some(m) = self.mock.take() {
            m.stop().await;
        }
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for MockThread {
    fn drop(&mut self) {
        // Error path: let the thread's block_on return; worker threads end with the process.
        self.stop.take();
    }
}

/// A current-thread runtime for the client and the mock (not recording) on its own thread.
fn plain_mock() -> std::io::Result<(tokio::runtime::Runtime, MockThread)> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mock = MockThread::spawn(MockOptions {
        record: false,
        ..MockOptions::default()
    })?;
    Ok((rt, mock))
}

/// Runs the benchmark, prints the table and writes the JSON; returns the JSON path.
pub fn run(options: &Options) -> std::io::Result<PathBuf> {
    if let Some(spec) = options.probe {
        let bin = options
            .gateway_bin
            .as_ref()
            .ok_or_else(|| std::io::Error::other("--probe needs --gateway-bin"))?;
        probe::run_probe(bin, spec)?;
        return Ok(PathBuf::new());
    }
    if options.soak.is_some() || options.burst {
        return run_leaks(options);
    }
    if options.cluster {
        let bin = options
            .gateway_bin
            .as_ref()
            .ok_or_else(|| std::io::Error::other("--cluster needs --gateway-bin"))?;
        return cluster::run_cluster(bin, options.quick, &options.out);
    }
    let mut plan = Plan::new(options.quick);
    plan.ws_idle = options.ws_idle.unwrap_or(plan.ws_idle);
    plan.ws_fanout = options.ws_fanout.unwrap_or(plan.ws_fanout);
    plan.streams = options.streams.unwrap_or(plan.streams);
    // Raised before the gateway child is spawned, so it inherits the limit too.
    let nofile = ws::raise_nofile_limit();
    if (nofile as usize) < plan.ws_idle.max(plan.streams * 2) + 256 {
        progress(&format!(
            "warning: open-files limit {nofile} is low for {} WebSocket connections or {} streams",
            plan.ws_idle, plan.streams
        ));
    }
    let (date, time) = report::utc(SystemTime::now());
    let mode = match (options.quick, options.mock_only) {
        (false, false) => "full",
        (true, false) => "quick",
        (false, true) => "mock-only",
        (true, true) => "quick mock-only",
    };
    let mut results = Results {
        timestamp: format!("{date}T{time}Z"),
        commit: report::commit(),
        gateway_bin: match options.mock_only {
            true => None,
            false => options
                .gateway_bin
                .as_ref()
                .map(|p| p.display().to_string()),
        },
        mode: mode.to_string(),
        machine: report::machine(),
        gateway_config: gateway::run_config().map(|s| s.trim_end().to_string()),
        temp_dir: std::env::temp_dir().display().to_string(),
        figures: Figures::default(),
        error: None,
    };
    let (rt, mock) = plain_mock()?;
    let outcome = rt.block_on(async {
        let limit = plan.time_limit;
        let run = figures(options, &plan, mock.mock(), &mut results.figures);
        let outcome = match tokio::time::timeout(limit, run).await {
            Ok(r) => r,
            Err(_) => Err(std::io::Error::other(format!(
                "run exceeded its {limit:?} limit"
            ))),
        };
        mock.shutdown().await;
        outcome
    });
    if let Err(e) = outcome {
        results.error = Some(e.to_string());
    }
    println!("{}", report::table(&results));
    let path = report::write_json(&results, &options.out)?;
    println!("results written to {}", path.display());
    match results.error {
        Some(e) => Err(std::io::Error::other(e)),
        None => Ok(path),
    }
}

fn progress(what: &str) {
    eprintln!("clawgate-bench: {what}");
}

/// Takes every figure in order, filling `out` as it goes (so an early stop keeps the rest).
async fn figures(
    options: &Options,
    plan: &Plan,
    mock: &MockUpstream,
    out: &mut Figures,
) -> std::io::Result<()> {
    let direct = Target::Direct(mock.addr());
    let fixed =
        |user: &'static str| -> measure::UserFn { Arc::new(move |_, _| Some(user.to_string())) };

    progress("mock ceiling");
    let ceiling = measure::load(
        direct,
        plan.connections,
        plan.load_duration,
        u64::MAX,
        fixed("c"),
    )
    .await;
    out.mock_ceiling = Some(ceiling);

    let gateway = if options.mock_only {
        None
    } else {
        let bin = options
            .gateway_bin
            .as_ref()
            .ok_or_else(|| std::io::Error::other("--gateway-bin is required (or --mock-only)"))?;
        progress("start → ready");
        let mut samples = Vec::new();
        let mut kept = None;
        for i in 0..plan.starts {
            let mut gw = Gateway::spawn(bin, &mock.base_url())?;
            samples.push(gw.wait_ready(Duration::from_secs(10))?.as_secs_f64() * 1000.0);
            if i + 1 == plan.starts {
                kept = Some(gw);
            }
        }
        out.start_to_ready = Some(StartFigure {
            median_ms: crate::stats::round1(crate::stats::median(&samples)),
            samples_ms: samples.iter().map(|s| crate::stats::round1(*s)).collect(),
        });
        let gw = kept.ok_or_else(|| std::io::Error::other("no gateway start was planned"))?;
        let mut memory = MemoryFigure {
            idle_at_ready_kib: gw.rss_kib().ok(),
            ..MemoryFigure::default()
        };
        tokio::time::sleep(Duration::from_millis(250)).await;
        memory.idle_settled_kib = gw.rss_kib().ok();
        out.memory = Some(memory);
        Some(gw)
    };
    let gw_target = gateway.as_ref().map(|g| Target::Gateway(g.addr()));
    if let Some(t) = gw_target {
        let (_, body) = measure::Client::new(t).turn("bench-check").await?;
        if !String::from_utf8_lossy(&body).contains("Hello from the mock model.") {
            progress("warning: the gateway's reply does not carry the mock's text");
        }
    }
    let mut contenders = Vec::new();
    if options.floor && !options.mock_only {
        progress("floor forwarder");
        contenders.push(peer::start_floor(&mock.base_url()).await?);
    }
    if let Some(spec) = &options.peer {
        progress(&format!("peer {}", spec.name));
        contenders.push(peer::start_peer(spec, &mock.base_url()).await?);
    }
    // Everything measured beside the mock, in order: the gateway, the floor, the peer.
    let named: Vec<(String, Target)> = gw_target
        .map(|t| ("gateway".to_string(), t))
        .into_iter()
        .chain(contenders.iter().map(|c| (c.name.clone(), c.target)))
        .collect();

    progress("non-stream latency");
    out.latency =
        Some(measure::latency(direct, &named, plan.rounds, plan.per_round, plan.warmup).await?);

    progress("streaming");
    let paced = Reply::text(&vec!["tok"; plan.stream_chunks].join(" "))
        .with_chunk_delay(Duration::from_millis(plan.stream_delay_ms));
    mock.set_default(paced);
    let streaming = measure::streaming(
        direct,
        &named,
        plan.stream_rounds,
        plan.stream_per_round,
        (plan.stream_chunks, plan.stream_delay_ms),
    )
    .await;
    mock.set_default(Reply::default());
    out.streaming = Some(streaming?);

    for c in &contenders {
        progress(&format!("throughput ({})", c.name));
        let users: measure::UserFn = Arc::new(|c, n| Some(format!("load-{c}-{}", n / 100)));
        let load = measure::load(
            c.target,
            plan.connections,
            plan.load_duration,
            u64::MAX,
            users,
        );
        out.compared_throughput.push(report::NamedLoad {
            name: c.name.clone(),
            load: load.await,
        });
    }
    let (Some(gw), Some(target)) = (gateway.as_ref(), gw_target) else {
        return Ok(());
    };
    progress("memory over sessions");
    let (turns, sessions) = (plan.turns, plan.sessions);
    let next = Arc::new(AtomicU64::new(0));
    let users: measure::UserFn = Arc::new(move |_, _| {
        let i = next.fetch_add(1, Ordering::Relaxed);
        (i < turns).then(|| format!("s{}", i % sessions))
    });
    let run = measure::load(target, plan.turn_connections, plan.time_limit, turns, users).await;
    let memory = out.memory.get_or_insert_with(MemoryFigure::default);
    memory.turns = run.requests + run.errors;
    memory.sessions = sessions;
    memory.turn_errors = run.errors;
    memory.after_turns_kib = gw.rss_kib().ok();
    tokio::time::sleep(plan.settle).await;
    memory.after_turns_settled_kib = gw.rss_kib().ok();
    memory.settle_s = plan.settle.as_secs_f64();

    progress("throughput");
    // A fresh session every 100 turns per connection keeps histories bounded.
    let users: measure::UserFn = Arc::new(|c, n| Some(format!("load-{c}-{}", n / 100)));
    let tp = measure::load(
        target,
        plan.connections,
        plan.load_duration,
        u64::MAX,
        users,
    )
    .await;
    out.throughput = Some(tp);
    if let Some(m) = out.memory.as_mut() {
        m.after_throughput_kib = gw.rss_kib().ok();
    }

    progress("sessions list under load");
    // One turn per new session until the store holds `list_sessions` of them.
    let next = Arc::new(AtomicU64::new(0));
    let wanted = plan.list_sessions;
    let users: measure::UserFn = Arc::new(move |_, _| {
        let i = next.fetch_add(1, Ordering::Relaxed);
        (i < wanted).then(|| format!("list-{i}"))
    });
    measure::load(target, 16, plan.time_limit, wanted, users).await;
    out.sessions_list = Some(
        measure::sessions_list(target, wanted, plan.list_samples, 8, plan.load_duration).await,
    );

    progress("pre/post-provider time with a large store");
    out.phases = Some(
        phases::phases(
            target,
            wanted,
            plan.history_turns,
            plan.phase_samples,
            plan.time_limit,
        )
        .await?,
    );

    let cpu_gw = open_loop::CpuOf::Pid(gw.pid());
    let everyone: Vec<(String, Target, open_loop::CpuOf)> =
        std::iter::once(("gateway".to_string(), target, cpu_gw))
            .chain(contenders.iter().map(|c| (c.name.clone(), c.target, c.cpu)))
            .collect();
    for (name, t, cpu) in &everyone {
        progress(&format!("open-loop rates ({name})"));
        out.open_loop.push(
            open_loop::search(
                direct,
                *t,
                name,
                &plan.open_loop_rates,
                plan.open_loop_step,
                *cpu,
            )
            .await,
        );
    }
    if plan.streams > 0 {
        let paced = Reply::text(&vec!["tok"; plan.streams_chunks].join(" "))
            .with_chunk_delay(plan.streams_interval);
        mock.set_default(paced);
        for (name, t, _) in &everyone {
            progress(&format!("{} concurrent streams ({name})", plan.streams));
            let limit =
                plan.streams_interval * plan.streams_chunks as u32 * 4 + Duration::from_secs(60);
            out.streams.push(
                streams::hold(
                    *t,
                    name,
                    plan.streams,
                    plan.streams_chunks,
                    plan.streams_interval,
                    limit,
                )
                .await,
            );
        }
        mock.set_default(Reply::default());
    }
    for c in &contenders {
        if let Some(server) = &c.server {
            out.compared_rss_kib
                .push((c.name.clone(), server.rss_kib()));
        }
    }
    drop(contenders);

    if plan.ws_idle > 0 {
        progress(&format!("{} idle WebSocket connections", plan.ws_idle));
        out.ws_idle = Some(ws::idle(gw.addr(), gw.pid(), plan.ws_idle).await?);
    }
    if plan.ws_fanout > 0 {
        progress(&format!(
            "fan-out to {} WebSocket subscribers",
            plan.ws_fanout
        ));
        let paced = Reply::text(&vec!["tok"; plan.ws_fanout_chunks].join(" "))
            .with_chunk_delay(Duration::from_millis(2));
        mock.set_default(paced);
        let fan = ws::fanout(gw.addr(), plan.ws_fanout, plan.ws_fanout_chunks).await;
        mock.set_default(Reply::default());
        out.ws_fanout = Some(fan?);
    }
    // The gateway of the figures above is done: only one runs during the tool rounds.
    drop(gateway);

    progress("tool round");
    let bin = options
        .gateway_bin
        .as_ref()
        .ok_or_else(|| std::io::Error::other("--gateway-bin is required"))?;
    out.tool_round = Some(tool_round_figure(bin, plan.tool_round).await?);
    Ok(())
}

/// Figure 7 on its own mock (auto tools, tool rounds timed) and its own gateway (one tool).
async fn tool_round_figure(
    bin: &std::path::Path,
    plan: tool_round::ToolRoundPlan,
) -> std::io::Result<tool_round::ToolRoundFigure> {
    let mock = MockThread::spawn(MockOptions {
        record: false,
        auto_tools: true,
        measure_tool_rounds: true,
        ..MockOptions::default()
    })?;
    let figure = async {
        let cfg = gateway::tools_config(&mock.mock().base_url());
        let mut gw = Gateway::spawn_with_config(bin, &cfg)?;
        gw.wait_ready(Duration::from_secs(10))?;
        let target = Target::Gateway(gw.addr());
        tool_round::tool_rounds(target, mock.mock(), gateway::NOOP_TOOL, plan).await
    }
    .await;
    mock.shutdown().await;
    figure
}

/// `--burst` and/or `--soak <minutes>`: one gateway on the mock, the leak figures, their JSON.
fn run_leaks(options: &Options) -> std::io::Result<PathBuf> {
    let bin = options
        .gateway_bin
        .as_ref()
        .ok_or_else(|| std::io::Error::other("--soak and --burst need --gateway-bin"))?;
    let (date, time) = report::utc(SystemTime::now());
    let mut results = soak::LeakResults {
        timestamp: format!("{date}T{time}Z"),
        commit: report::commit(),
        gateway_bin: bin.display().to_string(),
        machine: report::machine(),
        soak: None,
        burst: None,
        error: None,
    };
    let (rt, mock) = plain_mock()?;
    let outcome: std::io::Result<()> = rt.block_on(async {
        let outcome = async {
            let mut gw = Gateway::spawn(bin, &mock.mock().base_url())?;
            gw.wait_ready(Duration::from_secs(10))?;
            if options.burst {
                progress("burst: 2,000 turns of 100 KiB, then 30 s idle");
                results.burst = Some(soak::burst(&gw).await?);
            }
            if let Some(minutes) = options.soak {
                progress(&format!("soak: {minutes} minutes"));
                results.soak = Some(soak::soak(&gw, minutes).await?);
            }
            Ok(())
        }
        .await;
        mock.shutdown().await;
        outcome
    });
    if let Err(e) = &outcome {
        results.error = Some(e.to_string());
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({
            "burst": results.burst,
            "soak_growth_per_10_min": results.soak.as_ref().map(|s| &s.growth_per_10_min),
            "soak_max_rss_kib": results.soak.as_ref().map(|s| s.max_rss_kib),
            "error": results.error,
        }))
        .map_err(std::io::Error::other)?
    );
    let path = soak::write_json(&results, &options.out)?;
    println!("results written to {}", path.display());
    outcome.map(|_| path)
}
