//! Browser control benchmark (recorded, not asserted): starts an embedded gateway with
//! `browser.enabled`, serves a fixture page on 127.0.0.1, then measures over HTTP
//! (`/v1/browser/*`, the real edges and the real Chromium):
//!
//! - cold start to first screenshot: `navigate` (launches Chromium) + `screenshot`;
//! - warm screenshot (viewport PNG) p50/p99 over `n` calls;
//! - RSS of the gateway process and of the browser's process tree (its process group).
//!
//! `cargo run --release --example browser_bench -- [n]` (`CHROMIUM_PATH` or PATH lookup).

use actix_web::{web, App, HttpResponse, HttpServer};
use clawgate::config::{self, Overrides};
use clawgate::startup::Gateway;
use std::time::{Duration, Instant};

const PAGE: &str = "<html><head><title>Bench</title></head><body><h1>Benchmark page</h1>\
    <p>Some text to render.</p><button>Go</button><input placeholder='name'></body></html>";

fn rss_kib(pid: i32) -> u64 {
    field_kib(&format!("/proc/{pid}/status"), "VmRSS:")
}

/// Proportional set size: shared pages divided among the processes sharing them.
fn pss_kib(pid: i32) -> u64 {
    field_kib(&format!("/proc/{pid}/smaps_rollup"), "Pss:")
}

fn field_kib(file: &str, key: &str) -> u64 {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Sums of RSS and PSS over the processes of group `pgid`, and their number.
fn group_rss_kib(pgid: i32) -> (u64, u64, usize) {
    let mut total = (0, 0, 0);
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let pgrp = stat
            .rsplit_once(')')
            .and_then(|(_, r)| r.split_whitespace().nth(2)?.parse::<i32>().ok());
        if pgrp == Some(pgid) {
            total.0 += rss_kib(pid);
            total.1 += pss_kib(pid);
            total.2 += 1;
        }
    }
    total
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[actix_web::main]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let site = HttpServer::new(|| {
        App::new().default_service(web::to(|| async {
            HttpResponse::Ok().content_type("text/html").body(PAGE)
        }))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let site_port = site.addrs()[0].port();
    actix_web::rt::spawn(site.run());
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::var("CHROMIUM_PATH").unwrap_or_else(|_| {
        clawgate::browser::launch::find_on_path()
            .expect("no Chromium")
            .display()
            .to_string()
    });
    let path = dir.path().join("clawgate.json5");
    std::fs::write(
        &path,
        format!(
            r#"{{ gateway: {{ auth: {{ token: "bench" }} }},
                 browser: {{ enabled: true, executablePath: "{exe}", ssrfPolicy: {{ allowedHosts: ["127.0.0.1"] }} }} }}"#
        ),
    )
    .unwrap();
    let cfg = config::load(
        Some(&path),
        &Overrides {
            port: Some(0),
            state_dir: Some(dir.path().to_path_buf()),
            ..Default::default()
        },
    )
    .unwrap();
    let gw = Gateway::build(cfg).await.unwrap().spawn();
    let base = format!("http://127.0.0.1:{}", gw.state.port);
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(60))
        .finish();
    let post = |path: &str, body: serde_json::Value| {
        client
            .post(format!("{base}{path}"))
            .insert_header(("authorization", "Bearer bench"))
            .send_json(&body)
    };
    let url = format!("http://127.0.0.1:{site_port}/");
    let started = Instant::now();
    let r = post("/v1/browser/navigate", serde_json::json!({"url": url}))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut r = post("/v1/browser/screenshot", serde_json::json!({}))
        .await
        .unwrap();
    let first = r.body().limit(64 << 20).await.unwrap();
    let cold = started.elapsed();
    assert!(first.starts_with(b"\x89PNG"));
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let mut r = post("/v1/browser/screenshot", serde_json::json!({}))
            .await
            .unwrap();
        let _ = r.body().limit(64 << 20).await.unwrap();
        times.push(t.elapsed());
    }
    times.sort();
    let pid: i32 = std::fs::read_to_string(dir.path().join("browser/default/chromium.pid"))
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let (browser_rss, browser_pss, procs) = group_rss_kib(pid);
    println!(
        "cold start to first screenshot: {:.0} ms",
        cold.as_secs_f64() * 1e3
    );
    println!(
        "warm screenshot (1280x720 PNG, {} B), n={n}: p50 {:.1} ms, p99 {:.1} ms",
        first.len(),
        pct(&times, 0.5).as_secs_f64() * 1e3,
        pct(&times, 0.99).as_secs_f64() * 1e3
    );
    println!(
        "RSS: gateway {} MiB; browser tree ({procs} processes): RSS sum {} MiB, PSS sum {} MiB",
        rss_kib(std::process::id() as i32) / 1024,
        browser_rss / 1024,
        browser_pss / 1024
    );
    gw.stop().await;
}
