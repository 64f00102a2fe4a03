//! Several gateway nodes on one PostgreSQL store and a NATS bus (issue #18,
//! `docs/scale-out.md`). Built only when `cluster` is configured; a single node never touches
//! any of this.
//!
//! - the node's identity: `cluster.nodeId` or a uuid kept in `<state>/node-id`
//! - [`bus`]: the NATS client on its own runtime thread, and the subjects;
//! - [`ownership`]: session leases (claimed when a node first needs a session, renewed in
//!   bulk per node, released on shutdown) and the sweep of runs orphaned by a dead node;
//! - [`forward`]: a turn arriving on a node that does not own its session is sent to the
//!   owner (request/reply) and its events stream back to the edge holding the client;
//! - [`fanout`]: every node's run events and broadcast gateway events reach the WebSocket
//!   clients of every other node;
//! - [`sessions`]: session mutations, aborts by session key and waits for a run follow the
//!   session's owner too;
//! - [`wire`]: the JSON forms of turns and run events.

pub mod bus;
pub mod fanout;
pub mod forward;
pub mod ownership;
pub mod sessions;
pub mod wire;

use crate::config::cluster::BusConfig;
use crate::storage::{NodeRow, Store};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A node's handle on the cluster (cheap to clone).
#[derive(Clone)]
pub struct Cluster {
    inner: Arc<Inner>,
}

struct Inner {
    node_id: String,
    bus: bus::Bus,
    store: Store,
    ttl: Duration,
    /// Sessions this node holds a lease on (renewed together).
    owned: Mutex<HashSet<String>>,
    /// When the last bulk renewal succeeded.
    renewed: Mutex<Instant>,
    info: String,
    /// Runs this node forwarded, by id, to the node running them.
    forwarded: Mutex<std::collections::HashMap<String, String>>,
    /// Waits for runs other nodes execute, by run id (see [`sessions`]).
    waiters: Mutex<
        std::collections::HashMap<
            String,
            Vec<tokio::sync::oneshot::Sender<crate::core::run::RunOutcome>>,
        >,
    >,
}

/// What `status` says about the cluster.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterStatus {
    /// This node.
    pub node_id: String,
    /// Whether this node's bus connection is up.
    pub bus: bool,
    /// The nodes whose membership is live.
    pub nodes: Vec<NodeView>,
}

/// One live node as `status` lists it.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeView {
    /// Its id.
    pub node_id: String,
    /// Session leases it holds.
    pub sessions: i64,
    /// What it says about itself (version, host, start time).
    pub info: serde_json::Value,
    /// Whether it is the node answering.
    pub this: bool,
}

impl Cluster {
    /// Joins the cluster: resolves the node id, connects to the bus, drops the leases a
    /// previous process with this id left, marks runs orphaned by dead nodes interrupted
    /// (returned), and records this node's membership.
    pub async fn join(
        cfg: &BusConfig,
        state_dir: &std::path::Path,
        store: Store,
    ) -> Result<(Cluster, usize), String> {
        let node_id = crate::config::cluster::resolve_node_id(cfg.node_id.as_deref(), state_dir)
            .map_err(|e| format!("cluster node id: {e}"))?;
        let bus = bus::Bus::connect(
            &cfg.bus_url,
            &format!("clawgate-{node_id}"),
            Duration::from_secs(5),
        )?;
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".into());
        let info = serde_json::json!({
            "version": crate::state::VERSION, "host": host, "pid": std::process::id(),
            "startedAt": crate::storage::now_ms(),
        })
        .to_string();
        let c = Cluster {
            inner: Arc::new(Inner {
                node_id,
                bus,
                store,
                ttl: cfg.lease_ttl,
                owned: Mutex::default(),
                renewed: Mutex::new(Instant::now()),
                info,
                forwarded: Mutex::default(),
                waiters: Mutex::default(),
            }),
        };
        let store = &c.inner.store;
        store
            .release_node(&c.inner.node_id)
            .await
            .map_err(|e| e.to_string())?;
        let orphaned = store
            .interrupt_orphaned_runs()
            .await
            .map_err(|e| e.to_string())?;
        c.renew().await.map_err(|e| e.to_string())?;
        Ok((c, orphaned))
    }

    /// This node's id.
    pub fn node_id(&self) -> &str {
        &self.inner.node_id
    }

    /// Whether the bus connection is up (`/readyz` fails on `bus` otherwise).
    pub fn bus_ready(&self) -> bool {
        self.inner.bus.connected()
    }

    /// The live nodes and this node's bus state.
    pub async fn status(&self) -> ClusterStatus {
        let nodes: Vec<NodeRow> = self.inner.store.live_nodes().await.unwrap_or_default();
        ClusterStatus {
            node_id: self.inner.node_id.clone(),
            bus: self.bus_ready(),
            nodes: nodes
                .into_iter()
                .map(|n| NodeView {
                    this: n.node_id == self.inner.node_id,
                    info: serde_json::from_str(&n.info).unwrap_or_default(),
                    node_id: n.node_id,
                    sessions: n.sessions,
                })
                .collect(),
        }
    }

    /// Leaves the cluster: releases every lease and the membership, so the next request for
    /// one of this node's sessions is served elsewhere at once (call after draining runs).
    pub async fn leave(&self) {
        self.inner
            .owned
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        if let Err(e) = self.inner.store.release_node(&self.inner.node_id).await {
            tracing::warn!(error = %e, "could not release this node's session leases");
        }
        let _ = self.inner.bus.client.flush().await;
    }

    fn rt(&self) -> &tokio::runtime::Handle {
        &self.inner.bus.rt
    }

    fn client(&self) -> &async_nats::Client {
        &self.inner.bus.client
    }
}
