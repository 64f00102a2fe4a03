//! A three-node cluster for tests: one throwaway PostgreSQL database (`support/postgres.rs`),
//! one `nats-server` on a free loopback port in a temp dir, and real `clawgate` gateway
//! processes on free ports sharing them (`cluster.leaseTtlMs` short, so a killed node's
//! sessions re-home quickly). Everything is killed and removed on drop. `nats-server` comes
//! from `CLAWGATE_NATS_SERVER` or the `PATH` (`scripts/ensure-nats.sh` installs it); a test
//! fails, never skips, without it.
#![allow(dead_code)]

use crate::pg::PgCluster;
use crate::proc::{free_port, Proc};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The gateways' shared secret.
pub const TOKEN: &str = "cluster-token-123";

/// A `nats-server` child process.
pub struct Nats {
    proc: Option<Proc>,
    _dir: tempfile::TempDir,
    /// Its client port.
    pub port: u16,
}

impl Nats {
    /// Starts one and waits (polling the port: it is another process) until it accepts.
    pub fn start() -> Nats {
        let bin = std::env::var("CLAWGATE_NATS_SERVER").unwrap_or_else(|_| "nats-server".into());
        let dir = tempfile::Builder::new()
            .prefix("clawgate-nats-")
            .tempdir()
            .unwrap();
        let port = free_port();
        let child = Command::new(&bin)
            .args(["-a", "127.0.0.1", "-p", &port.to_string()])
            .arg("-l")
            .arg(dir.path().join("nats.log"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("{bin}: {e} (run scripts/ensure-nats.sh or set CLAWGATE_NATS_SERVER)")
            });
        let proc = Proc(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "nats-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Nats {
            proc: Some(proc),
            _dir: dir,
            port,
        }
    }
}

impl Nats {
    /// Kills the server (the nodes lose their bus).
    pub fn stop(&mut self) {
        self.proc = None;
    }
}

/// One gateway process of the cluster.
pub struct Node {
    /// Its id (`n1`, `n2`, …).
    pub id: String,
    /// Its HTTP port.
    pub port: u16,
    dir: tempfile::TempDir,
    proc: Option<Proc>,
}

impl Node {
    /// `http://127.0.0.1:<port>`.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `kill -9`: no shutdown, no lease hand-over.
    pub fn kill(&mut self) {
        if let Some(mut p) = self.proc.take() {
            let _ = p.0.kill();
            let _ = p.0.wait();
        }
    }

    /// Whether its process runs.
    pub fn alive(&self) -> bool {
        self.proc.is_some()
    }

    /// An authenticated POST.
    pub fn post(&self, path: &str) -> awc::ClientRequest {
        client()
            .post(format!("{}{path}", self.base()))
            .insert_header(("authorization", format!("Bearer {TOKEN}")))
            .insert_header(("content-type", "application/json"))
    }

    /// An authenticated GET.
    pub fn get(&self, path: &str) -> awc::ClientRequest {
        client()
            .get(format!("{}{path}", self.base()))
            .insert_header(("authorization", format!("Bearer {TOKEN}")))
    }

    /// GET returning the status and JSON body.
    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let mut r = self.get(path).send().await.expect("send");
        let body = r.body().limit(16 << 20).await.expect("body");
        (
            r.status().as_u16(),
            serde_json::from_slice(&body).unwrap_or_default(),
        )
    }
}

fn client() -> awc::Client {
    awc::Client::builder()
        .timeout(Duration::from_secs(60))
        .finish()
}

/// The database, the bus and the nodes.
pub struct Cluster {
    /// The nodes, `n1` first.
    pub nodes: Vec<Node>,
    /// The bus.
    pub nats: Nats,
    _pg: Arc<PgCluster>,
    /// The shared database.
    pub db_url: String,
}

impl Cluster {
    /// Starts `n` nodes pointed at the model server `upstream` (an OpenAI-compatible base
    /// URL), with `lease_ttl_ms`, and waits until each is ready (store and bus).
    pub async fn start(n: usize, upstream: &str, lease_ttl_ms: u64) -> Cluster {
        let pg = PgCluster::shared();
        let db_url = pg.create_db();
        let nats = Nats::start();
        let mut nodes = Vec::new();
        for i in 1..=n {
            let dir = tempfile::tempdir().unwrap();
            let id = format!("n{i}");
            let cfg = format!(
                r#"{{
  gateway: {{ auth: {{ mode: "token", token: "{TOKEN}" }} }},
  models: {{ providers: {{ mock: {{ baseUrl: "{upstream}", apiKey: "sk-upstream", api: "openai-completions", models: [{{ id: "mock-model" }}, {{ id: "mock-model-2" }}] }} }} }},
  agents: {{ defaults: {{ model: {{ primary: "mock/mock-model" }} }}, list: [{{ id: "main", default: true }}] }},
  storage: {{ backend: "postgres", url: "{db_url}" }},
  cluster: {{ bus: {{ url: "nats://127.0.0.1:{}" }}, nodeId: "{id}", leaseTtlMs: {lease_ttl_ms} }},
}}"#,
                nats.port
            );
            let path = dir.path().join("clawgate.json5");
            std::fs::write(&path, cfg).unwrap();
            let port = free_port();
            let proc =
                crate::proc::start(dir.path(), port, &["--config", path.to_str().unwrap()]).await;
            nodes.push(Node {
                id,
                port,
                dir,
                proc: Some(proc),
            });
        }
        let c = Cluster {
            nodes,
            nats,
            _pg: pg,
            db_url,
        };
        for node in &c.nodes {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let r = client().get(format!("{}/readyz", node.base())).send().await;
                if r.is_ok_and(|r| r.status() == 200) {
                    break;
                }
                assert!(Instant::now() < deadline, "{} not ready", node.id);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        c
    }

    /// Node `i` (1-based).
    pub fn node(&self, i: usize) -> &Node {
        &self.nodes[i - 1]
    }

    /// Node `i` (1-based), mutable (to kill it).
    pub fn node_mut(&mut self, i: usize) -> &mut Node {
        &mut self.nodes[i - 1]
    }
}
