//! Allocations and CPU time per turn (recorded, not asserted): a figure that a busy machine
//! does not distort, unlike wall-clock latency.
//!
//! Runs the mock model and a real gateway in this process, then sends the same requests
//! straight to the mock and through the gateway, one at a time, and reports the difference per
//! turn: heap allocations, bytes allocated, and process CPU time (user + system). What the
//! client and the mock cost cancels out; what remains is the gateway's own work for a persisted
//! turn (non-stream), and per streamed chunk.
//!
//! `cargo run --release --example alloc_profile -- [turns=2000] [chunks=50]`
#![allow(unsafe_code)]

use clawgate::config::{self, Overrides};
use clawgate::startup::Gateway;
use clawgate_bench::mock::{MockUpstream, Reply};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The system allocator, counting every allocation and its bytes.
struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations, bytes and process CPU µs so far.
fn snapshot() -> (u64, u64, u64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // 100 ticks per second on Linux (USER_HZ).
    let cpu_us = (ticks(12) + ticks(13)) * 10_000;
    (
        ALLOCS.load(Ordering::Relaxed),
        BYTES.load(Ordering::Relaxed),
        cpu_us,
    )
}

/// Sends `n` requests one at a time; returns the counters' growth.
async fn run(
    client: &awc::Client,
    url: &str,
    auth: &str,
    body: &[u8],
    n: usize,
) -> (u64, u64, u64) {
    let before = snapshot();
    for _ in 0..n {
        let mut resp = client
            .post(url)
            .insert_header(("authorization", auth))
            .insert_header(("content-type", "application/json"))
            .send_body(body.to_vec())
            .await
            .expect("request");
        assert!(resp.status().is_success(), "status {}", resp.status());
        resp.body().limit(1 << 24).await.expect("body");
    }
    let after = snapshot();
    (after.0 - before.0, after.1 - before.1, after.2 - before.2)
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let turns = args.first().copied().unwrap_or(2_000);
    let chunks = args.get(1).copied().unwrap_or(50);
    actix_rt::System::new().block_on(async move {
        let mock = MockUpstream::start().await.expect("mock");
        let dir = tempfile::tempdir().expect("temp dir");
        let cfg_path = dir.path().join("clawgate.json5");
        std::fs::write(
            &cfg_path,
            format!(
                r#"{{ gateway: {{ auth: {{ mode: "token", token: "t" }}, http: {{ endpoints: {{ chatCompletions: {{ enabled: true }} }}, limits: {{ requestsPerMinute: 0, concurrency: 0 }} }} }},
  models: {{ providers: {{ mock: {{ baseUrl: "{}", apiKey: "k", api: "openai-completions", models: [{{ id: "mock-model" }}] }} }} }},
  agents: {{ defaults: {{ model: {{ primary: "mock/mock-model" }} }} }} }}"#,
                mock.base_url()
            ),
        )
        .expect("config");
        let overrides = Overrides {
            port: Some(0),
            state_dir: Some(dir.path().to_path_buf()),
            ..Default::default()
        };
        let cfg = config::load(Some(&cfg_path), &overrides).expect("config");
        let gw = Gateway::build(cfg).await.expect("gateway").spawn();
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .finish();
        let direct = format!("{}/chat/completions", mock.base_url());
        let through = format!("http://127.0.0.1:{}/v1/chat/completions", gw.state.port);
        let msgs = r#"[{"role":"user","content":"hi"}]"#;
        let d_body = format!(r#"{{"model":"mock-model","messages":{msgs}}}"#);
        // A fresh session every 20 turns keeps histories short and alike.
        let g_body = |i: usize, stream: bool| {
            format!(
                r#"{{"model":"openclaw","messages":{msgs},"user":"alloc-{}"{}}}"#,
                i / 20,
                if stream { r#","stream":true"# } else { "" }
            )
        };
        let per = |d: (u64, u64, u64), g: (u64, u64, u64), n: usize| {
            let n = n as f64;
            (
                (g.0 as f64 - d.0 as f64) / n,
                (g.1 as f64 - d.1 as f64) / n,
                (g.2 as f64 - d.2 as f64) / n,
            )
        };
        // Warm-up: pools, caches, the first sessions.
        run(&client, &direct, "Bearer k", d_body.as_bytes(), 100).await;
        run(&client, &through, "Bearer t", g_body(0, false).as_bytes(), 100).await;

        let d = run(&client, &direct, "Bearer k", d_body.as_bytes(), turns).await;
        let mut g = (0, 0, 0);
        for i in 0..turns / 20 {
            let r = run(&client, &through, "Bearer t", g_body(1_000 + i * 20, false).as_bytes(), 20).await;
            g = (g.0 + r.0, g.1 + r.1, g.2 + r.2);
        }
        let (a, b, c) = per(d, g, turns);
        let non_stream_allocs = a;
        println!("non-stream turn: {a:.0} allocations, {b:.0} bytes, {c:.0} µs CPU per turn (gateway − direct, {turns} turns)");

        let words = vec!["tok"; chunks].join(" ");
        mock.set_default(Reply::text(&words));
        let n = turns / 4;
        let d_stream = format!(r#"{{"model":"mock-model","messages":{msgs},"stream":true}}"#);
        let d = run(&client, &direct, "Bearer k", d_stream.as_bytes(), n).await;
        let mut g = (0, 0, 0);
        for i in 0..n / 20 {
            let r = run(&client, &through, "Bearer t", g_body(100_000 + i * 20, true).as_bytes(), 20).await;
            g = (g.0 + r.0, g.1 + r.1, g.2 + r.2);
        }
        let (a, b, c) = per(d, g, n);
        println!(
            "streamed turn of {chunks} chunks: {a:.0} allocations, {b:.0} bytes, {c:.0} µs CPU per turn; {:.1} allocations per chunk beyond a non-stream turn",
            (a - non_stream_allocs) / chunks as f64
        );
        gw.stop().await;
        mock.stop().await;
    });
}
