//! Cluster membership and session leases in SQLite. A SQLite state dir serves one node, so
//! these only matter to tests of the trait and to keep the two backends alike.

use super::SqliteStore;
use crate::storage::{now_ms, ClusterStore, NodeRow, StoreError, StoreFuture};
use rusqlite::{params, OptionalExtension};

const INTERRUPT: &str = "UPDATE runs SET status='interrupted', ended_at=?1, error='gateway stopped while the run was in progress' WHERE status='running'";

impl SqliteStore {
    fn claim_session_now(&self, key: &str, node: &str, ttl: i64) -> Result<String, StoreError> {
        self.write(|tx| {
            let now = now_ms();
            let cur: Option<(String, i64)> = tx
                .prepare_cached(
                    "SELECT node_id, expires_at FROM session_owners WHERE session_key = ?1",
                )?
                .query_row(params![key], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            if let Some((owner, exp)) = &cur {
                if owner != node && *exp > now {
                    return Ok(owner.clone());
                }
            }
            if cur.as_ref().is_none_or(|(owner, _)| owner != node) {
                tx.prepare_cached(&format!("{INTERRUPT} AND session_key = ?2"))?
                    .execute(params![now, key])?;
            }
            tx.prepare_cached("INSERT INTO session_owners(session_key, node_id, expires_at) VALUES (?1, ?2, ?3) ON CONFLICT(session_key) DO UPDATE SET node_id = excluded.node_id, expires_at = excluded.expires_at")?
                .execute(params![key, node, now + ttl])?;
            Ok(node.to_string())
        })
    }

    fn renew_node_now(&self, node: &str, info: &str, ttl: i64) -> Result<u64, StoreError> {
        self.write(|tx| {
            let exp = now_ms() + ttl;
            let n = tx
                .prepare_cached("UPDATE session_owners SET expires_at = ?2 WHERE node_id = ?1")?
                .execute(params![node, exp])?;
            tx.prepare_cached("INSERT INTO cluster_nodes(node_id, info, expires_at) VALUES (?1, ?2, ?3) ON CONFLICT(node_id) DO UPDATE SET info = excluded.info, expires_at = excluded.expires_at")?
                .execute(params![node, info, exp])?;
            Ok(n as u64)
        })
    }

    fn release_node_now(&self, node: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.prepare_cached("DELETE FROM session_owners WHERE node_id = ?1")?
                .execute(params![node])?;
            tx.prepare_cached("DELETE FROM cluster_nodes WHERE node_id = ?1")?
                .execute(params![node])?;
            Ok(())
        })
    }

    fn live_nodes_now(&self) -> Result<Vec<NodeRow>, StoreError> {
        let c = self.conn()?;
        let mut st = c.prepare_cached("SELECT n.node_id, n.info, n.expires_at, (SELECT COUNT(*) FROM session_owners o WHERE o.node_id = n.node_id AND o.expires_at > ?1) FROM cluster_nodes n WHERE n.expires_at > ?1 ORDER BY n.node_id")?;
        let rows = st
            .query_map(params![now_ms()], |r| {
                Ok(NodeRow {
                    node_id: r.get(0)?,
                    info: r.get(1)?,
                    expires_at: r.get(2)?,
                    sessions: r.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn interrupt_orphaned_now(&self) -> Result<usize, StoreError> {
        self.write(|tx| {
            let now = now_ms();
            Ok(tx
                .prepare_cached(&format!("{INTERRUPT} AND session_key NOT IN (SELECT session_key FROM session_owners WHERE expires_at > ?1)"))?
                .execute(params![now])?)
        })
    }
}

fn ready<T: Send + 'static>(r: Result<T, StoreError>) -> StoreFuture<T> {
    Box::pin(std::future::ready(r))
}

impl ClusterStore for SqliteStore {
    fn claim_session(&self, key: &str, node: &str, ttl_ms: i64) -> StoreFuture<String> {
        ready(self.claim_session_now(key, node, ttl_ms))
    }
    fn renew_node(&self, node: &str, info: &str, ttl_ms: i64) -> StoreFuture<u64> {
        ready(self.renew_node_now(node, info, ttl_ms))
    }
    fn release_node(&self, node: &str) -> StoreFuture<()> {
        ready(self.release_node_now(node))
    }
    fn live_nodes(&self) -> StoreFuture<Vec<NodeRow>> {
        ready(self.live_nodes_now())
    }
    fn interrupt_orphaned_runs(&self) -> StoreFuture<usize> {
        ready(self.interrupt_orphaned_now())
    }
}
