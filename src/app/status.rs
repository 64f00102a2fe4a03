//! The gateway's live figures, shared by `GET /status` (the seeds' shape) and the WebSocket
//! `status` / `health` methods (OpenClaw's shape): each edge renders the same numbers.

use super::App;
use crate::actors::router::{GetStats, Stats};

/// Live and stored counts.
#[derive(Debug, Clone, Default)]
pub struct Status {
    /// Session actors alive and turns running.
    pub live: Stats,
    /// Stored sessions.
    pub sessions_total: i64,
    /// Stored sessions per agent (in config order).
    pub sessions_by_agent: Vec<(String, i64)>,
    /// Cluster mode: this node, its bus and the live nodes.
    pub cluster: Option<crate::cluster::ClusterStatus>,
}

impl App {
    /// The live counts from the router.
    pub async fn stats(&self) -> Stats {
        self.routers.here().send(GetStats).await.unwrap_or_default()
    }

    /// Whether this node's bus connection is up (always, for a single node).
    pub fn bus_ready(&self) -> bool {
        self.cluster().is_none_or(|c| c.bus_ready())
    }

    /// Live counts and stored session counts (per agent when `by_agent`).
    pub async fn status(&self, by_agent: bool) -> Status {
        let mut s = Status {
            live: self.stats().await,
            sessions_total: self.count_sessions(None).await.unwrap_or(0),
            sessions_by_agent: vec![],
            cluster: None,
        };
        if let Some(c) = self.cluster() {
            s.cluster = Some(c.status().await);
        }
        if by_agent {
            for a in &self.config().agents {
                let n = self.count_sessions(Some(&a.id)).await.unwrap_or(0);
                s.sessions_by_agent.push((a.id.clone(), n));
            }
        }
        s
    }
}
