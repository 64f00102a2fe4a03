//! The `--cluster` mode's printed table and its JSON file (`cluster-<date>-<commit>.json`).

use std::path::{Path, PathBuf};

use super::cluster::{ClusterResults, Throughput};

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{v:.0}"))
}

fn throughput_row(name: &str, t: &Throughput) -> String {
    let l = &t.load;
    format!(
        "{name:<28} {:>9.0} {:>8.2} {:>8.2} {:>6} {:>9} {:>9} {:>9}\n",
        l.rps,
        l.p50_us / 1000.0,
        l.p99_us / 1000.0,
        l.errors,
        opt(t.gateway_cpu_us_per_turn),
        opt(t.postgres_cpu_us_per_turn),
        opt(t.nats_cpu_us_per_turn),
    )
}

fn latency_row(name: &str, p50: Option<f64>, p99: Option<f64>) -> String {
    format!("{name:<40} {:>10} {:>10}\n", opt(p50), opt(p99))
}

/// The printed summary.
pub fn table(r: &ClusterResults) -> String {
    let f = &r.figures;
    let mut s = format!(
        "clawgate cluster benchmark — {} ({}), {} cores, load average {:?} → {:?}\n\n",
        r.commit, r.mode, r.machine.nproc, r.load_average_start, r.load_average_end
    );
    s += &format!(
        "{:<28} {:>9} {:>8} {:>8} {:>6} {:>9} {:>9} {:>9}\n",
        "throughput (64 conn.)",
        "turns/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "gw µs/t",
        "pg µs/t",
        "nats µs/t"
    );
    let rows = [
        ("1 node, SQLite", f.sqlite.as_ref().map(|o| &o.throughput)),
        (
            "1 node, PostgreSQL",
            f.postgres.as_ref().map(|o| &o.throughput),
        ),
        ("3 nodes, local turns", f.cluster_local.as_ref()),
        ("3 nodes, forwarded turns", f.cluster_forwarded.as_ref()),
    ];
    for (name, t) in rows {
        if let Some(t) = t {
            s += &throughput_row(name, t);
        }
    }
    s += &format!(
        "\n{:<40} {:>10} {:>10}\n",
        "added latency over direct, one at a time", "p50 µs", "p99 µs"
    );
    for (name, one) in [
        ("1 node, SQLite", &f.sqlite),
        ("1 node, PostgreSQL", &f.postgres),
    ] {
        if let Some(o) = one {
            s += &latency_row(name, o.latency.added_p50_us, o.latency.added_p99_us);
        }
    }
    if let Some(c) = &f.cluster_latency {
        s += &latency_row(
            "3 nodes, local turn (node 1)",
            Some(c.local_added_p50_us),
            Some(c.local_added_p99_us),
        );
        s += &latency_row(
            "3 nodes, forwarded turn (node 2 → 1)",
            Some(c.forwarded_added_p50_us),
            Some(c.forwarded_added_p99_us),
        );
        s += &latency_row(
            "forwarding adds",
            Some(c.forwarding_p50_us),
            Some(c.forwarding_p99_us),
        );
    }
    if let Some(e) = &r.error {
        s += &format!("\nerror: {e}\n");
    }
    s
}

/// Writes `<out>/cluster-<date>-<commit>.json` (`-2`, `-3`, … if taken).
pub fn write_json(results: &ClusterResults, out: &Path) -> std::io::Result<PathBuf> {
    let date = results.timestamp.get(..10).unwrap_or("unknown");
    super::report::write_unique_json(results, out, &format!("cluster-{date}-{}", results.commit))
}
