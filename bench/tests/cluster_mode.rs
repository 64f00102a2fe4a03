//! `clawgate-bench --cluster --quick` end to end against the real gateway binary: its own
//! PostgreSQL and nats-server, one node on SQLite, one on PostgreSQL, three on both. Asserts
//! that the JSON holds every figure with zero errors and that nothing is left behind, and that a
//! run stopped by SIGTERM with every server up still stops them all, removes their dirs and
//! writes what it had — never a timing (numbers are recorded, not asserted).
//!
//! Needs PostgreSQL's server binaries and `nats-server`: `scripts/test.sh` exports
//! `CLAWGATE_PG_BIN` and `CLAWGATE_NATS_SERVER` (from `scripts/ensure-postgres.sh` and
//! `scripts/ensure-nats.sh`); without them the bench looks in `/usr/lib/postgresql/*/bin` and
//! on the `PATH`, and the test fails, never skips.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// Builds the `clawgate` binary (same profile as this test) and returns its path, from
/// cargo's own build report. The command is `scripts/test.sh`'s first one (`cargo build
/// --workspace --bins`), so under it this is a no-op: `-p clawgate` alone would resolve other
/// dependency features and rebuild them all.
fn gateway_bin() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_string());
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let exe = std::env::current_exe().unwrap();
    let release = exe
        .ancestors()
        .nth(2)
        .and_then(|d| d.file_name())
        .is_some_and(|n| n == "release");
    let mut cmd = Command::new(cargo);
    // Cargo gives this test the environment of its own package (CARGO_MANIFEST_DIR …); build
    // scripts that track those variables (ring's) would see them changed and rebuild.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().to_string();
        let set_for_tests = [
            "CARGO_MANIFEST_DIR",
            "CARGO_MANIFEST_PATH",
            "CARGO_CRATE_NAME",
            "CARGO_BIN_NAME",
            "CARGO_PRIMARY_PACKAGE",
            "CARGO_TARGET_TMPDIR",
            "CARGO_RUSTC_CURRENT_DIR",
            "OUT_DIR",
        ];
        if set_for_tests.contains(&name.as_str())
            || name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_BIN_EXE_")
        {
            cmd.env_remove(&name);
        }
    }
    cmd.current_dir(&workspace)
        .args(["build", "--workspace", "--bins"])
        .args(["--message-format", "json-render-diagnostics"]);
    if release {
        cmd.arg("--release");
    }
    let out = cmd.output().expect("run cargo build");
    assert!(
        out.status.success(),
        "cargo build --workspace --bins failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "clawgate")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .expect("cargo reported no clawgate executable")
}

/// The `clawgate-bench` temp dirs (gateway state, PostgreSQL, NATS) of one process.
fn bench_dirs(pid: u32) -> Vec<String> {
    let prefix = format!("-{pid}-");
    std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("clawgate-bench-") && n.contains(&prefix))
        .collect()
}

/// Processes whose command line or working directory names one of those dirs.
fn processes_on_bench_dirs(pid: u32) -> Vec<String> {
    let marker = format!("-{pid}-");
    let names = |text: &str| text.contains("clawgate-bench-") && text.contains(&marker);
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|p| p.chars().all(|c| c.is_ascii_digit()))
        .filter_map(|p| {
            let cmdline = std::fs::read(format!("/proc/{p}/cmdline")).unwrap_or_default();
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            let cwd = std::fs::read_link(format!("/proc/{p}/cwd"))
                .map(|d| d.display().to_string())
                .unwrap_or_default();
            (names(&cmdline) || names(&cwd)).then(|| format!("{p}: {cmdline} (in {cwd})"))
        })
        .collect()
}

fn assert_load(what: &str, t: &Value, nodes: u64, route: &str) {
    assert_eq!(t["nodes"], nodes, "{what}: {t}");
    assert_eq!(t["route"], route, "{what}: {t}");
    let load = &t["load"];
    assert_eq!(load["connections"], 64, "{what}: {load}");
    assert_eq!(load["errors"], 0, "{what}: {load}");
    assert!(load["first_error"].is_null(), "{what}: {load}");
    assert!(load["requests"].as_u64().unwrap() > 0, "{what}: {load}");
    for k in ["rps", "p50_us", "p99_us"] {
        assert!(load[k].as_f64().unwrap() > 0.0, "{what}: {k} in {load}");
    }
    assert!(
        t["gateway_cpu_us_per_turn"].is_number(),
        "{what}: gateway CPU in {t}"
    );
}

fn assert_side(what: &str, side: &Value, samples: u64) {
    assert_eq!(side["samples"], samples, "{what}: {side}");
    assert!(side["p50_us"].as_f64().unwrap() > 0.0, "{what}: {side}");
}

#[test]
fn cluster_quick_records_every_figure_without_errors() {
    let bin = gateway_bin();
    let out =
        std::env::temp_dir().join(format!("clawgate-cluster-mode-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let child = Command::new(env!("CARGO_BIN_EXE_clawgate-bench"))
        .arg("--gateway-bin")
        .arg(&bin)
        .args(["--cluster", "--quick", "--out"])
        .arg(&out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run clawgate-bench");
    let bench_pid = child.id();
    let child = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&child.stdout);
    let stderr = String::from_utf8_lossy(&child.stderr);
    assert!(
        child.status.success(),
        "clawgate-bench --cluster --quick failed:\n{stdout}\n{stderr}"
    );
    let files: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().to_string();
    assert!(
        name.starts_with("cluster-") && name.ends_with(".json"),
        "{name}"
    );
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    std::fs::remove_dir_all(&out).unwrap();

    assert!(r["error"].is_null(), "{r}");
    assert_eq!(r["mode"], "cluster quick");
    assert!(r["machine"]["nproc"].as_u64().unwrap() > 0);
    assert_eq!(r["load_average_start"].as_array().unwrap().len(), 3);
    assert!(
        r["postgres"].as_str().unwrap().starts_with("PostgreSQL"),
        "{r}"
    );
    let (rounds, per_round) = (
        r["plan"]["rounds"].as_u64().unwrap(),
        r["plan"]["per_round"].as_u64().unwrap(),
    );
    let f = &r["figures"];

    for (key, backend) in [("sqlite", "sqlite"), ("postgres", "postgres")] {
        let one = &f[key];
        assert_eq!(one["backend"], backend, "{one}");
        assert_side(key, &one["latency"]["gateway"], rounds * per_round);
        assert!(one["latency"]["added_p50_us"].is_number(), "{one}");
        assert!(one["latency"]["added_p99_us"].is_number(), "{one}");
        assert_load(key, &one["throughput"], 1, "local");
    }
    assert!(f["sqlite"]["throughput"]["postgres_cpu_us_per_turn"].is_null());
    assert!(f["postgres"]["throughput"]["postgres_cpu_us_per_turn"].is_number());

    let lat = &f["cluster_latency"];
    assert_side("local", &lat["local"], rounds * per_round);
    assert_side("forwarded", &lat["forwarded"], rounds * per_round);
    for k in [
        "forwarding_p50_us",
        "forwarding_p99_us",
        "local_added_p50_us",
    ] {
        assert!(lat[k].is_number(), "{k} in {lat}");
    }
    // Node 1 claimed the measured session; node 2 forwarded to it.
    let held = lat["sessions_held"].as_array().unwrap();
    assert_eq!(held.len(), 3, "{lat}");
    assert_eq!(held[0][0], "n1", "{lat}");
    assert!(held[0][1].as_i64().unwrap() >= 1, "{lat}");

    let local = &f["cluster_local"];
    assert_load("cluster_local", local, 3, "local");
    assert_eq!(local["claim_turns"], 0);
    let fwd = &f["cluster_forwarded"];
    assert_load("cluster_forwarded", fwd, 3, "forwarded");
    // One claim per connection at least (each connection's first session).
    assert!(fwd["claim_turns"].as_u64().unwrap() >= 64, "{fwd}");
    for t in [local, fwd] {
        assert!(t["postgres_cpu_us_per_turn"].is_number(), "{t}");
        assert!(t["nats_cpu_us_per_turn"].is_number(), "{t}");
        // Every node holds sessions: connections were spread over all three.
        let held = t["sessions_held"].as_array().unwrap();
        assert_eq!(held.len(), 3, "{t}");
        assert!(held.iter().all(|n| n[1].as_i64().unwrap() > 0), "{t}");
    }
    assert!(stdout.contains("3 nodes, forwarded turns"), "{stdout}");

    // Every temp dir is removed and no process runs in or on one (gateways, PostgreSQL, NATS).
    assert_eq!(bench_dirs(bench_pid), Vec::<String>::new());
    assert_eq!(processes_on_bench_dirs(bench_pid), Vec::<String>::new());
}

#[test]
fn a_cluster_run_stopped_by_sigterm_stops_its_servers_and_says_so() {
    let bin = gateway_bin();
    let out =
        std::env::temp_dir().join(format!("clawgate-cluster-mode-term-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let mut child = Command::new(env!("CARGO_BIN_EXE_clawgate-bench"))
        .arg("--gateway-bin")
        .arg(&bin)
        .args(["--cluster", "--quick", "--out"])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run clawgate-bench");
    let bench_pid = child.id();
    // Progress lines come on stderr; keep draining them so the bench never writes to a closed pipe.
    let (seen, up) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("three nodes: local vs forwarded") {
                let _ = seen.send(());
            }
            all += &line;
            all.push('\n');
        }
        all
    });
    // Every server runs by now: PostgreSQL, NATS and the three nodes.
    let waited = up.recv();
    // SAFETY: kill(2) on the child's own pid.
    unsafe {
        libc::kill(bench_pid as i32, libc::SIGTERM);
    }
    let status = child.wait().unwrap();
    let stderr = reader.join().unwrap();
    assert!(
        waited.is_ok(),
        "the run never reached the three nodes:\n{stderr}"
    );
    assert!(!status.success(), "{stderr}");
    let file = std::fs::read_dir(&out)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    std::fs::remove_dir_all(&out).unwrap();
    assert_eq!(r["error"], "interrupted by SIGTERM", "{r}");
    // The figures taken before the signal are kept.
    assert_eq!(
        r["figures"]["sqlite"]["throughput"]["load"]["errors"], 0,
        "{r}"
    );
    assert!(r["figures"]["postgres"].is_object(), "{r}");
    assert_eq!(bench_dirs(bench_pid), Vec::<String>::new());
    assert_eq!(processes_on_bench_dirs(bench_pid), Vec::<String>::new());
}
