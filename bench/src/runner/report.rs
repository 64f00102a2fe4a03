//! Run metadata (commit, machine, versions), the results JSON file and the printed table.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::measure::{LatencyFigure, LoadFigure, StreamFigure};

/// The machine the run happened on.
#[derive(Clone, Debug, Serialize)]
pub struct Machine {
    /// Logical CPUs available to the process.
    pub nproc: usize,
    /// `model name` from `/proc/cpuinfo`.
    pub cpu_model: String,
    /// Kernel release.
    pub kernel: String,
    /// `rustc --version`.
    pub rustc: String,
}

/// Reads the machine description.
pub fn machine() -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu_model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown", |(_, v)| v.trim())
        .to_string();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map_or_else(|_| "unknown".to_string(), |s| s.trim().to_string());
    Machine {
        nproc: std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu_model,
        kernel,
        rustc: command_line("rustc", &["--version"]),
    }
}

/// `git rev-parse --short HEAD` in the current directory, else in the repository this crate was
/// built from, else `unknown`.
pub fn commit() -> String {
    let here = command_line("git", &["rev-parse", "--short", "HEAD"]);
    if here != "unknown" {
        return here;
    }
    let dir = env!("CARGO_MANIFEST_DIR");
    command_line("git", &["-C", dir, "rev-parse", "--short", "HEAD"])
}

fn command_line(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

/// UTC `(YYYY-MM-DD, HH:MM:SS)` of a time.
pub fn utc(t: SystemTime) -> (String, String) {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        format!("{year:04}-{month:02}-{day:02}"),
        format!("{:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60),
    )
}

/// Figure 1: process start to first `200` from `/healthz`.
#[derive(Clone, Debug, Serialize)]
pub struct StartFigure {
    /// Median over the starts, ms.
    pub median_ms: f64,
    /// Every start, ms.
    pub samples_ms: Vec<f64>,
}

/// Figures 2 and 6: the gateway's resident memory.
#[derive(Clone, Debug, Default, Serialize)]
pub struct MemoryFigure {
    /// VmRSS right at ready, KiB.
    pub idle_at_ready_kib: Option<u64>,
    /// VmRSS after a short idle pause, before the first request, KiB.
    pub idle_settled_kib: Option<u64>,
    /// Turns sent for the memory figure.
    pub turns: u64,
    /// Distinct sessions (`user` = `s<i % sessions>`).
    pub sessions: u64,
    /// Failed turns.
    pub turn_errors: u64,
    /// VmRSS right after the turns, KiB.
    pub after_turns_kib: Option<u64>,
    /// VmRSS after the settle pause, KiB.
    pub after_turns_settled_kib: Option<u64>,
    /// Settle pause, s.
    pub settle_s: f64,
    /// VmRSS after the throughput run, KiB.
    pub after_throughput_kib: Option<u64>,
}

/// Every figure of a run (absent when not measured).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Figures {
    /// The mock alone under the throughput load (the ceiling).
    pub mock_ceiling: Option<LoadFigure>,
    /// Process start → ready.
    pub start_to_ready: Option<StartFigure>,
    /// Resident memory.
    pub memory: Option<MemoryFigure>,
    /// Non-stream added latency, one request at a time.
    pub latency: Option<LatencyFigure>,
    /// Streaming time to first token and chunk gaps.
    pub streaming: Option<StreamFigure>,
    /// Through the gateway under the throughput load.
    pub throughput: Option<LoadFigure>,
    /// Idle WebSocket connections and their memory.
    pub ws_idle: Option<super::ws::IdleFigure>,
    /// One run's events fanned out to many WebSocket subscribers.
    pub ws_fanout: Option<super::ws::FanoutFigure>,
    /// `GET /v1/sessions` with many sessions stored while turns run.
    pub sessions_list: Option<super::measure::SessionsListFigure>,
    /// The gateway's own time for one tool round with a no-op tool.
    pub tool_round: Option<super::tool_round::ToolRoundFigure>,
    /// The floor and the peer under the throughput load.
    pub compared_throughput: Vec<NamedLoad>,
    /// Pre- and post-provider time with a large store.
    pub phases: Option<super::phases::PhasesFigure>,
    /// Open-loop rates held, and CPU per turn, of the gateway, the floor and the peer.
    pub open_loop: Vec<super::open_loop::OpenLoopFigure>,
    /// Concurrent SSE streams held by the gateway, the floor and the peer.
    pub streams: Vec<super::streams::StreamsFigure>,
    /// RSS of the floor and the peer (whole process group) after their figures, KiB.
    pub compared_rss_kib: Vec<(String, u64)>,
}

/// A load figure of a named server.
#[derive(Clone, Debug, Serialize)]
pub struct NamedLoad {
    /// `floor` or the peer's name.
    pub name: String,
    /// Its figure.
    pub load: LoadFigure,
}

/// One run's results file.
#[derive(Clone, Debug, Serialize)]
pub struct Results {
    /// UTC start time, RFC 3339.
    pub timestamp: String,
    /// Short commit of the current directory's repository.
    pub commit: String,
    /// The gateway binary measured (absent in `--mock-only`).
    pub gateway_bin: Option<String>,
    /// `full`, `quick`, `mock-only` or `quick mock-only`.
    pub mode: String,
    /// Where it ran.
    pub machine: Machine,
    /// Extra config entries every gateway of the run had (`--gateway-config`), if any.
    pub gateway_config: Option<String>,
    /// The directory state dirs were made in (`TMPDIR`; `/dev/shm` puts the store on tmpfs).
    pub temp_dir: String,
    /// The figures.
    pub figures: Figures,
    /// Why the run stopped early, if it did.
    pub error: Option<String>,
}

/// Writes `<out>/<UTC date>-<commit>.json` (with `-2`, `-3`… if taken); returns the path.
pub fn write_json(results: &Results, out: &Path) -> std::io::Result<PathBuf> {
    let date = results.timestamp.get(..10).unwrap_or("unknown");
    write_unique_json(results, out, &format!("{date}-{}", results.commit))
}

/// Writes `value` pretty-printed as `<out>/<base>.json`, or `<base>-2.json`, `-3`, … when the
/// name is taken (runs never overwrite each other); returns the path.
pub fn write_unique_json<T: Serialize>(
    value: &T,
    out: &Path,
    base: &str,
) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(out)?;
    let mut path = out.join(format!("{base}.json"));
    let mut n = 2;
    while path.exists() {
        path = out.join(format!("{base}-{n}.json"));
        n += 1;
    }
    let json = serde_json::to_string_pretty(value).map_err(std::io::Error::other)?;
    std::fs::write(&path, json + "\n")?;
    Ok(path)
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or("-".to_string(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
}

fn opt_us(v: Option<f64>) -> String {
    v.map_or("-".to_string(), |v| format!("{v:+.0} µs"))
}

fn load_line(l: &LoadFigure, unit: &str) -> String {
    format!(
        "{:.0} {unit}/s, p50 {:.2} ms, p99 {:.2} ms, {} errors",
        l.rps,
        l.p50_us / 1000.0,
        l.p99_us / 1000.0,
        l.errors
    )
}

/// The human-readable table of a run.
pub fn table(r: &Results) -> String {
    let mut rows: Vec<(String, String, &str)> = Vec::new();
    let f = &r.figures;
    if let Some(s) = &f.start_to_ready {
        let samples: Vec<String> = s.samples_ms.iter().map(|x| format!("{x:.1}")).collect();
        rows.push((
            format!("1. start → ready (median of {})", s.samples_ms.len()),
            format!("{:.1} ms  [{}]", s.median_ms, samples.join(", ")),
            "≤ 50 ms",
        ));
    }
    if let Some(m) = &f.memory {
        rows.push((
            "2. idle RSS at ready (settled)".into(),
            format!("{} ({})", mib(m.idle_at_ready_kib), mib(m.idle_settled_kib)),
            "≤ 15 MB",
        ));
    }
    if let Some(l) = &f.latency {
        rows.push((
            format!(
                "3. direct non-stream p50 / p99 ({}×{})",
                l.rounds, l.per_round
            ),
            format!("{:.0} µs / {:.0} µs", l.direct.p50_us, l.direct.p99_us),
            "",
        ));
        if let Some(g) = &l.gateway {
            rows.push((
                "   gateway non-stream p50 / p99".into(),
                format!("{:.0} µs / {:.0} µs", g.p50_us, g.p99_us),
                "",
            ));
            rows.push((
                "   added latency p50 / p99".into(),
                format!("{} / {}", opt_us(l.added_p50_us), opt_us(l.added_p99_us)),
                "p50 ≤ 150 µs, p99 ≤ 400 µs",
            ));
        }
        for c in &l.compared {
            rows.push((
                format!("   {} added p50 / p99", c.name),
                format!(
                    "{} / {}",
                    opt_us(Some(c.added_p50_us)),
                    opt_us(Some(c.added_p99_us))
                ),
                "",
            ));
        }
        if let (Some(a), Some(b)) = (l.gateway_over_floor_p50, l.gateway_over_floor_p99) {
            rows.push((
                "   gateway ÷ floor, added p50 / p99".into(),
                format!("{a:.1}× / {b:.1}×"),
                "",
            ));
        }
    }
    if let Some(s) = &f.streaming {
        rows.push((
            format!(
                "4. direct TTFT p50 / p99 ({} chunks, {} ms)",
                s.chunks, s.chunk_delay_ms
            ),
            format!(
                "{:.0} µs / {:.0} µs",
                s.direct.ttft_p50_us, s.direct.ttft_p99_us
            ),
            "",
        ));
        if let Some(g) = &s.gateway {
            rows.push((
                "   gateway TTFT p50 / p99".into(),
                format!("{:.0} µs / {:.0} µs", g.ttft_p50_us, g.ttft_p99_us),
                "",
            ));
            rows.push((
                "   added TTFT p50 / p99".into(),
                format!(
                    "{} / {}",
                    opt_us(s.added_ttft_p50_us),
                    opt_us(s.added_ttft_p99_us)
                ),
                "p99 ≤ 500 µs",
            ));
            rows.push((
                "   added gap per chunk p50 / p99".into(),
                format!(
                    "{} / {}",
                    opt_us(s.added_gap_p50_us),
                    opt_us(s.added_gap_p99_us)
                ),
                "p99 ≤ 20 µs",
            ));
        }
        for c in &s.compared {
            rows.push((
                format!("   {} added TTFT p50 / p99", c.name),
                format!(
                    "{} / {}",
                    opt_us(Some(c.added_ttft_p50_us)),
                    opt_us(Some(c.added_ttft_p99_us))
                ),
                "",
            ));
        }
    }
    if let Some(c) = &f.mock_ceiling {
        rows.push((
            format!(
                "5. mock ceiling, {} conns, {:.0} s",
                c.connections, c.elapsed_s
            ),
            load_line(c, "req"),
            "",
        ));
    }
    if let Some(t) = &f.throughput {
        let mut line = load_line(t, "turns");
        if let Some(c) = &f.mock_ceiling {
            let pct = 100.0 * t.rps / c.rps.max(1e-9);
            line += &format!(
                " ({pct:.0}% of ceiling{})",
                if pct >= 90.0 { ": MOCK-BOUND" } else { "" }
            );
        }
        rows.push((
            format!("   gateway, {} conns", t.connections),
            line,
            "≥ 10k turns/s",
        ));
    }
    for c in &f.compared_throughput {
        rows.push((
            format!("   {}, {} conns", c.name, c.load.connections),
            load_line(&c.load, "req"),
            "",
        ));
    }
    if let Some(p) = &f.phases {
        for (label, set) in [("short", &p.short_history), ("long", &p.long_history)] {
            rows.push((
                format!(
                    "pre / post-provider, {label} history ({} msgs, ≥{} sessions)",
                    set.history_messages, p.sessions_in_store
                ),
                format!(
                    "pre p50 {:.0} / p99 {:.0} µs, post p50 {:.0} / p99 {:.0} µs ({} turns)",
                    set.pre.p50_us, set.pre.p99_us, set.post.p50_us, set.post.p99_us, set.samples
                ),
                "",
            ));
        }
    }
    for o in &f.open_loop {
        let rate = |r: Option<f64>| r.map_or("-".to_string(), |r| format!("{r:.0}/s"));
        rows.push((
            format!("open loop ({}), {} s steps", o.name, o.step_s),
            format!(
                "held at added p99 ≤ 1 ms: {}, ≤ 10 ms: {}; CPU/turn at ~1k/s: {}",
                rate(o.max_rate_added_p99_1ms),
                rate(o.max_rate_added_p99_10ms),
                o.cpu_us_per_turn_at_1k
                    .map_or("-".to_string(), |c| format!("{c:.0} µs"))
            ),
            "",
        ));
    }
    for st in &f.streams {
        rows.push((
            format!("concurrent SSE streams ({}), {}", st.name, st.requested),
            format!(
                "peak {} open, {} completed, {} lost chunks, {} stalls, max gap {:.0} ms",
                st.peak_concurrent, st.completed, st.lost_chunks, st.stalls, st.max_gap_ms
            ),
            "≥ 10k, no stall",
        ));
    }
    for (name, kib) in &f.compared_rss_kib {
        rows.push((format!("RSS of {name}"), mib(Some(*kib)), ""));
    }
    if let Some(s) = &f.sessions_list {
        rows.push((
            format!("GET /v1/sessions, {} sessions, {} turn conns", s.sessions, s.turn_connections),
            format!(
                "p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs ({} samples, {} errors, {} turns meanwhile){}",
                s.p50_us,
                s.p99_us,
                s.max_us,
                s.samples,
                s.errors,
                s.turns_during,
                match (s.server_p50_us, s.server_p99_us) {
                    (Some(a), Some(b)) => format!("; in the gateway p50 {a:.0} / p99 {b:.0} µs"),
                    _ => String::new(),
                }
            ),
            "p99 ≤ 5 ms",
        ));
    }
    if let Some(w) = &f.ws_idle {
        rows.push((
            format!("WS idle connections ({})", w.connections),
            format!(
                "{:.1} KiB/conn (RSS {} → {}, opened in {:.1} s)",
                w.kib_per_connection,
                mib(Some(w.rss_before_kib)),
                mib(Some(w.rss_open_kib)),
                w.open_s
            ),
            "",
        ));
    }
    if let Some(w) = &f.ws_fanout {
        rows.push((
            format!("WS fan-out, {} chunks → {} subscribers", w.chunks, w.subscribers),
            format!(
                "{}/{} got final; final p50/p99/max {:.1}/{:.1}/{:.1} ms (run {:.1} ms, {}); {:.0} events/s",
                w.completed, w.subscribers, w.final_p50_ms, w.final_p99_ms, w.final_max_ms, w.run_ms, w.run_status, w.events_per_s
            ),
            "",
        ));
    }
    if let Some(m) = &f.memory {
        if m.turns > 0 {
            rows.push((
                format!("6. RSS after {} turns / {} sessions", m.turns, m.sessions),
                format!(
                    "{}, settled {} ({} errors)",
                    mib(m.after_turns_kib),
                    mib(m.after_turns_settled_kib),
                    m.turn_errors
                ),
                "≤ 60 MB",
            ));
        }
        if m.after_throughput_kib.is_some() {
            rows.push((
                "   RSS after throughput run".into(),
                mib(m.after_throughput_kib),
                "",
            ));
        }
    }
    if let Some(t) = &f.tool_round {
        for (name, side, target) in [
            ("non-stream", &t.non_stream, "p50 ≤ 200 µs"),
            ("stream", &t.stream, "p50 ≤ 200 µs"),
        ] {
            rows.push((
                format!("7. tool round ({}), {name}, {} turns", t.tool, side.turns),
                format!(
                    "p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs ({} rounds); turn p50 {:.0} µs, p99 {:.0} µs",
                    side.round_p50_us,
                    side.round_p99_us,
                    side.round_max_us,
                    side.rounds,
                    side.turn_p50_us,
                    side.turn_p99_us
                ),
                target,
            ));
        }
    }
    let w0 = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    let w1 = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
    let mut out = format!(
        "clawgate-bench {} @ {} ({}), {} × {}, {}\n",
        r.mode, r.commit, r.timestamp, r.machine.nproc, r.machine.cpu_model, r.machine.rustc
    );
    for (a, b, c) in &rows {
        let pad0 = w0 - a.chars().count();
        let pad1 = w1 - b.chars().count();
        let _ = writeln!(out, "{a}{}  {b}{}  {c}", " ".repeat(pad0), " ".repeat(pad1));
    }
    if let Some(e) = &r.error {
        let _ = writeln!(out, "STOPPED EARLY: {e}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn utc_dates() {
        assert_eq!(utc(UNIX_EPOCH), ("1970-01-01".into(), "00:00:00".into()));
        let t = UNIX_EPOCH + Duration::from_secs(1_795_257_578);
        assert_eq!(utc(t), ("2026-11-21".into(), "10:39:38".into()));
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(utc(leap).0, "2000-02-29");
    }
}
