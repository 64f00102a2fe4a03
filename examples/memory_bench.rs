//! Memory search benchmark (recorded, not asserted): builds a synthetic workspace of
//! Markdown notes (English words and Chinese bigrams, ~64-token chunks, 100,000 chunks by
//! default), indexes it through the real memory service and SQLite store, then times
//! `memory_search` in keyword mode and in hybrid mode (embeddings from the local fake
//! provider, `clawgate_bench::embeddings`, 256 dimensions; the query embedding's HTTP round
//! trip is included). Prints indexing throughput, p50/p99 per mode and the process RSS.
//!
//! `cargo run --release --example memory_bench -- [chunks] [queries]`

use clawgate::config::{self, Overrides};
use clawgate::memory::{Memory, SearchOptions};
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const HAN: &str = "记忆配置项目截止日期杭州部署数据库迁移用户偏好简洁回复风格会议预算客户合同测试发布版本服务器网络安全计划设计评审团队周报";

fn vocab() -> Vec<String> {
    let han: Vec<char> = HAN.chars().collect();
    // 3000 random 4..9-letter words (like a real vocabulary, few share a long prefix).
    let mut rng = Rng(0x2545f4914f6cdd1d);
    let mut v: Vec<String> = (0..3000)
        .map(|_| {
            let n = 4 + rng.below(6);
            (0..n)
                .map(|_| (b'a' + rng.below(26) as u8) as char)
                .collect()
        })
        .collect();
    for i in 0..han.len() {
        for j in 0..han.len() {
            if i != j && (i * 7 + j) % 5 == 0 {
                v.push([han[i], han[j]].iter().collect());
            }
        }
    }
    v
}

fn line(rng: &mut Rng, vocab: &[String]) -> String {
    (0..8)
        .map(|_| vocab[rng.below(vocab.len())].as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

async fn run(mode: &str, chunks: usize, queries: usize, embed_url: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("workspace/memory");
    std::fs::create_dir_all(&ws).unwrap();
    let vocab = vocab();
    let mut rng = Rng(0x9e3779b97f4a7c15);
    // ~3.7 lines of 8 words per 64-token chunk: about 80 chunks per 300-line file.
    let files = chunks.div_ceil(80);
    for f in 0..files {
        let mut text = String::new();
        for _ in 0..300 {
            text.push_str(&line(&mut rng, &vocab));
            text.push('\n');
        }
        std::fs::write(ws.join(format!("note-{f:05}.md")), text).unwrap();
    }
    let provider = match &embed_url {
        Some(u) => format!("provider: \"openai-compatible\", model: \"fake\", remote: {{ baseUrl: \"{u}\", batch: {{ size: 256 }} }},"),
        None => String::new(),
    };
    let cfg_path = dir.path().join("clawgate.json5");
    std::fs::write(
        &cfg_path,
        format!("{{ memory: {{ search: {{ {provider} chunking: {{ tokens: 64, overlap: 0 }}, sync: {{ watch: false }} }} }} }}"),
    )
    .unwrap();
    let cfg = config::load(
        Some(&cfg_path),
        &Overrides {
            state_dir: Some(dir.path().to_path_buf()),
            port: Some(0),
            ..Default::default()
        },
    )
    .unwrap();
    let (store, _) = clawgate::storage::open(dir.path()).unwrap();
    let rss0 = rss_kib();
    let t0 = Instant::now();
    let mem = Memory::start(Arc::new(cfg), store);
    mem.index("main", false).await.unwrap();
    let took = t0.elapsed();
    let status = mem.status("main", false).await.unwrap();
    let n = status["chunks"].as_i64().unwrap_or(0);
    println!(
        "{mode}: indexed {n} chunks ({} vectors) from {files} files in {:.1} s = {:.0} chunks/s",
        status["vectors"],
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64()
    );
    let mut lat = Vec::with_capacity(queries);
    let mut found = 0usize;
    for i in 0..queries + 20 {
        let q = format!(
            "{} {}",
            vocab[rng.below(vocab.len())],
            vocab[rng.below(vocab.len())]
        );
        let t = Instant::now();
        let r = mem
            .search("main", &q, SearchOptions::default())
            .await
            .unwrap();
        if i >= 20 {
            lat.push(t.elapsed());
            found += usize::from(!r.results.is_empty());
        }
        assert_eq!(r.mode, mode);
    }
    lat.sort();
    println!(
        "{mode}: memory_search over {n} chunks: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({queries} queries, {found} with results); RSS {} MiB (+{} MiB since the index opened)",
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        pct(&lat, 1.0),
        rss_kib() / 1024,
        rss_kib().saturating_sub(rss0) / 1024
    );
    let _ = std::io::stdout().flush();
}

fn main() {
    let mut args = std::env::args().skip(1);
    let chunks: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let queries: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(500);
    actix_rt::System::new().block_on(async move {
        run("keyword", chunks, queries, None).await;
        let emb = clawgate_bench::embeddings::FakeEmbeddings::start()
            .await
            .unwrap();
        run("hybrid", chunks, queries, Some(emb.base_url())).await;
    });
}
