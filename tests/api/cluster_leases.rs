//! Several real gateway processes on one PostgreSQL store (`support/postgres.rs`), each with
//! its own state dir and `cluster.nodeId`: a cron job due every second fires exactly once per
//! tick across three nodes, and a Telegram account (the local fake Bot API) is polled by one
//! node at a time and moves to another node when that one is killed with SIGKILL.
//!
//! The cron run lasts `CLAWGATE_CLUSTER_CRON_SECS` seconds (default 20; the issue's acceptance
//! run is 60: `CLAWGATE_CLUSTER_CRON_SECS=60 cargo test --test api cluster_leases`).

use crate::fake_telegram::{FakeTelegram, BOT_TOKEN};
use crate::helpers::TOKEN;
use crate::pg::PgCluster;
use crate::proc::{free_port, Proc};
use clawgate_bench::mock::{MockUpstream, Reply};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// One gateway process of the cluster.
pub(crate) struct Node {
    pub(crate) id: String,
    pub(crate) port: u16,
    pub(crate) proc: Proc,
    _dir: tempfile::TempDir,
}

impl Node {
    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

/// Starts gateway `id` on the shared database `db` with `extra` top-level config.
pub(crate) async fn start_node(id: &str, db: &str, upstream: &str, extra: &str) -> Node {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("clawgate.json5");
    std::fs::write(
        &cfg,
        format!(
            r#"{{
  gateway: {{ auth: {{ mode: "token", token: "{TOKEN}" }} }},
  models: {{ providers: {{ mock: {{ baseUrl: "{upstream}", apiKey: "sk-upstream", api: "openai-completions", models: [{{ id: "mock-model" }}] }} }} }},
  agents: {{ defaults: {{ model: {{ primary: "mock/mock-model" }} }} }},
  storage: {{ backend: "postgres", url: "{db}" }},
  cluster: {{ nodeId: "{id}", leaseTtlSeconds: 2 }},
  {extra}
}}"#
        ),
    )
    .unwrap();
    let port = free_port();
    let cfg_arg = cfg.display().to_string();
    let proc = crate::proc::start(dir.path(), port, &["--config", &cfg_arg]).await;
    Node {
        id: id.to_string(),
        port,
        proc,
        _dir: dir,
    }
}

/// Runs the CLI on a thread (the fakes of this test run on this runtime).
async fn cli(args: Vec<String>) -> (Option<i32>, String, String) {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let _ = tx.send(crate::proc::run_cmd(&args));
    });
    rx.await.unwrap()
}

fn cron_secs() -> u64 {
    std::env::var("CLAWGATE_CLUSTER_CRON_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20)
}

/// Every finished run of `job` in the shared store.
async fn runs(store: &clawgate::storage::Store, job: &str) -> Vec<Value> {
    let (rows, _) = store
        .cron_runs(&clawgate::storage::RunLogQuery {
            job_id: Some(job.into()),
            limit: 100_000,
            ascending: true,
            ..Default::default()
        })
        .await
        .unwrap();
    rows.iter()
        .map(|r| serde_json::from_str(r).unwrap())
        .collect()
}

#[actix_web::test]
async fn a_cron_job_due_every_second_fires_once_per_tick_across_three_nodes() {
    let cluster = PgCluster::shared();
    let db = cluster.create_db();
    let upstream = MockUpstream::start().await.unwrap();
    let extra = r#"cron: { runLog: { keepLines: 100000 } },"#;
    let mut nodes = Vec::new();
    for id in ["n1", "n2", "n3"] {
        nodes.push(start_node(id, &db, &upstream.base_url(), extra).await);
    }
    let (code, out, err) = cli(vec![
        "cron".into(),
        "add".into(),
        "--name".into(),
        "tick".into(),
        "--every".into(),
        "1s".into(),
        "--session".into(),
        "main".into(),
        "--system-event".into(),
        "tick".into(),
        "--wake".into(),
        "next-heartbeat".into(),
        "--json".into(),
        "--url".into(),
        nodes[0].url(""),
        "--token".into(),
        TOKEN.into(),
    ])
    .await;
    assert_eq!(code, Some(0), "{out}{err}");
    let job: Value = serde_json::from_str(&out).unwrap();
    let job_id = job["id"].as_str().expect("job id").to_string();

    let store = clawgate::storage::open_shared_configured(
        &clawgate::config::StorageConfig::Postgres { url: db.clone() },
        std::path::Path::new("/nonexistent"),
    )
    .unwrap();
    // Wait (the nodes are other processes: poll the store) until the run has lasted long
    // enough, with a deadline.
    let secs = cron_secs();
    let begin = Instant::now();
    let deadline = begin + Duration::from_secs(secs * 3 + 30);
    let mut all = runs(&store, &job_id).await;
    loop {
        let span = all.first().zip(all.last()).map(|(a, b)| {
            b["scheduledAtMs"].as_i64().unwrap() - a["scheduledAtMs"].as_i64().unwrap()
        });
        if span.is_some_and(|s| s >= secs as i64 * 1000) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {} runs: {all:?}",
            all.len()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
        all = runs(&store, &job_id).await;
    }

    let mut per_tick: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    let mut per_node: BTreeMap<String, usize> = BTreeMap::new();
    for r in &all {
        let at = r["scheduledAtMs"]
            .as_i64()
            .expect("a scheduled run names its tick");
        let node = r["node"].as_str().unwrap().to_string();
        *per_node.entry(node.clone()).or_default() += 1;
        per_tick.entry(at).or_default().push(node);
    }
    let doubled: Vec<_> = per_tick.iter().filter(|(_, n)| n.len() > 1).collect();
    assert!(doubled.is_empty(), "ticks run more than once: {doubled:?}");
    // The ticks are the job's one-second grid, and (nearly) none was skipped.
    let first = *per_tick.keys().next().unwrap();
    let last = *per_tick.keys().last().unwrap();
    assert!(
        per_tick.keys().all(|t| (t - first) % 1000 == 0),
        "{per_tick:?}"
    );
    let slots = ((last - first) / 1000 + 1) as usize;
    assert!(
        per_tick.len() * 10 >= slots * 9,
        "{} of {slots} ticks ran: {per_tick:?}",
        per_tick.len()
    );
    assert!(
        per_node
            .keys()
            .all(|n| ["n1", "n2", "n3"].contains(&n.as_str())),
        "{per_node:?}"
    );
    eprintln!("cron ticks per node over {secs} s: {per_node:?}");
    drop(nodes);
}

/// The Telegram account's status on `node` (`GET /v1/channels`), if it answers.
pub(crate) async fn telegram_status(node: &Node) -> Option<Value> {
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(5))
        .finish();
    let mut resp = client
        .get(node.url("/v1/channels"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .ok()?;
    let v: Value = resp.json().await.ok()?;
    v["data"]["channels"]
        .as_array()
        .or(v["channels"].as_array())?
        .iter()
        .find(|c| c["id"] == "telegram")
        .cloned()
}

/// Waits (polling the nodes, other processes, with a deadline) until one of `nodes` reports
/// the account connected and every other one names it as the runner; returns its index.
pub(crate) async fn runner(nodes: &[&Node]) -> usize {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut states = Vec::new();
        for n in nodes {
            states.push(telegram_status(n).await);
        }
        let connected: Vec<usize> = states
            .iter()
            .enumerate()
            .filter(|(_, s)| s.as_ref().is_some_and(|s| s["status"] == "connected"))
            .map(|(i, _)| i)
            .collect();
        if let [i] = connected[..] {
            let id = &nodes[i].id;
            let agreed = states.iter().enumerate().all(|(j, s)| {
                s.as_ref().is_some_and(|s| {
                    s["node"] == id.as_str() && (j == i || s["status"] == "standby")
                })
            });
            if agreed {
                return i;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no single node runs the account: {states:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn a_telegram_account_is_polled_by_one_node_and_moves_when_it_is_killed() {
    let cluster = PgCluster::shared();
    let db = cluster.create_db();
    let fake = FakeTelegram::start().await;
    let upstream = MockUpstream::start().await.unwrap();
    let extra = format!(
        r#"channels: {{ telegram: {{ botToken: "{BOT_TOKEN}", apiRoot: "{}", dmPolicy: "allowlist", allowFrom: ["42"] }} }},"#,
        fake.api_root()
    );
    let mut nodes = Vec::new();
    for id in ["n1", "n2", "n3"] {
        nodes.push(start_node(id, &db, &upstream.base_url(), &extra).await);
    }
    let first = runner(&nodes.iter().collect::<Vec<_>>()).await;

    upstream.push(Reply::text("first answer"));
    fake.push_text(42, 42, "ada", "hello before");
    let sent = fake.wait_sent(1).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["text"], "first answer");
    // Let the runner finish with the message (inbox row done, outbox row deleted): a node
    // taking the account over replays what is left unfinished, which a kill inside that
    // one-write window would legitimately repeat.
    let store = clawgate::storage::open_shared_configured(
        &clawgate::config::StorageConfig::Postgres { url: db.clone() },
        std::path::Path::new("/nonexistent"),
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !(store.inbox_pending().await.unwrap().is_empty()
        && store.outbox_pending().await.unwrap().is_empty())
    {
        assert!(Instant::now() < deadline, "the first message never settled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // SIGKILL: no lease is handed over; the others wait for it to lapse.
    let mut gone = nodes.remove(first);
    let killed = gone.id.clone();
    gone.proc.0.kill().unwrap();
    let _ = gone.proc.0.wait();
    let polls_before = fake.polls();
    let next = runner(&nodes.iter().collect::<Vec<_>>()).await;
    assert_ne!(nodes[next].id, killed);
    assert!(fake.polls() > polls_before, "polling resumed");

    upstream.push(Reply::text("second answer"));
    fake.push_text(42, 42, "ada", "hello after");
    let sent = fake.wait_sent(2).await;
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[1]["text"], "second answer");
    assert_eq!(
        fake.max_concurrent_polls(),
        1,
        "two nodes polled the account at once"
    );
    drop(gone);
}
