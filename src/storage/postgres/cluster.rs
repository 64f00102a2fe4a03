//! Cluster membership and session leases. Every time is the database server's clock
//! (`clock_timestamp()` in ms), so the nodes' clocks need not agree.

use super::{pg_err, PgStore};
use crate::storage::{ClusterStore, NodeRow, StoreFuture};
use deadpool_postgres::GenericClient;

/// The server's time in ms since the epoch, as SQL.
const NOW: &str = "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT";

fn interrupt_sql(filter: &str) -> String {
    format!("UPDATE runs SET status='interrupted', ended_at={NOW}, error='gateway stopped while the run was in progress' WHERE status='running' AND {filter}")
}

impl ClusterStore for PgStore {
    fn claim_session(&self, key: &str, node: &str, ttl_ms: i64) -> StoreFuture<String> {
        let (key, node) = (key.to_string(), node.to_string());
        self.run(move |s| async move {
            let mut c = s.conn().await?;
            let tx = c.transaction().await.map_err(pg_err)?;
            // Creates the row if missing (waiting on a concurrent creator), then locks it.
            tx.execute(
                "INSERT INTO session_owners(session_key, node_id, expires_at) VALUES ($1, '', 0) ON CONFLICT (session_key) DO NOTHING",
                &[&key],
            )
            .await
            .map_err(pg_err)?;
            let row = tx
                .query_one(
                    &format!("SELECT node_id, expires_at > {NOW} FROM session_owners WHERE session_key = $1 FOR UPDATE"),
                    &[&key],
                )
                .await
                .map_err(pg_err)?;
            let (owner, live): (String, bool) = (row.get(0), row.get(1));
            if owner != node && live {
                s.commit(tx).await?;
                return Ok(owner);
            }
            if owner != node {
                tx.execute(&interrupt_sql("session_key = $1"), &[&key])
                    .await
                    .map_err(pg_err)?;
            }
            tx.execute(
                &format!("UPDATE session_owners SET node_id = $2, expires_at = {NOW} + $3 WHERE session_key = $1"),
                &[&key, &node, &ttl_ms],
            )
            .await
            .map_err(pg_err)?;
            s.commit(tx).await?;
            Ok(node)
        })
    }

    fn renew_node(&self, node: &str, info: &str, ttl_ms: i64) -> StoreFuture<u64> {
        let (node, info) = (node.to_string(), info.to_string());
        self.run(move |s| async move {
            let mut c = s.conn().await?;
            let tx = c.transaction().await.map_err(pg_err)?;
            let n = tx
                .execute(
                    &format!("UPDATE session_owners SET expires_at = {NOW} + $2 WHERE node_id = $1"),
                    &[&node, &ttl_ms],
                )
                .await
                .map_err(pg_err)?;
            tx.execute(
                &format!("INSERT INTO cluster_nodes(node_id, info, expires_at) VALUES ($1, $2, {NOW} + $3) ON CONFLICT (node_id) DO UPDATE SET info = excluded.info, expires_at = excluded.expires_at"),
                &[&node, &info, &ttl_ms],
            )
            .await
            .map_err(pg_err)?;
            s.commit(tx).await?;
            Ok(n)
        })
    }

    fn release_node(&self, node: &str) -> StoreFuture<()> {
        let node = node.to_string();
        self.run(move |s| async move {
            let mut c = s.conn().await?;
            let tx = c.transaction().await.map_err(pg_err)?;
            tx.execute("DELETE FROM session_owners WHERE node_id = $1", &[&node])
                .await
                .map_err(pg_err)?;
            tx.execute("DELETE FROM cluster_nodes WHERE node_id = $1", &[&node])
                .await
                .map_err(pg_err)?;
            s.commit(tx).await
        })
    }

    fn live_nodes(&self) -> StoreFuture<Vec<NodeRow>> {
        self.run(move |s| async move {
            let c = s.conn().await?;
            let rows = c
                .query(
                    &format!("SELECT n.node_id, n.info, n.expires_at, (SELECT COUNT(*) FROM session_owners o WHERE o.node_id = n.node_id AND o.expires_at > {NOW}) FROM cluster_nodes n WHERE n.expires_at > {NOW} ORDER BY n.node_id"),
                    &[],
                )
                .await
                .map_err(pg_err)?;
            Ok(rows
                .iter()
                .map(|r| NodeRow {
                    node_id: r.get(0),
                    info: r.get(1),
                    expires_at: r.get(2),
                    sessions: r.get(3),
                })
                .collect())
        })
    }

    fn interrupt_orphaned_runs(&self) -> StoreFuture<usize> {
        self.run(move |s| async move {
            let c = s.conn().await?;
            let n = c
                .execute(
                    &interrupt_sql(&format!("session_key NOT IN (SELECT session_key FROM session_owners WHERE expires_at > {NOW})")),
                    &[],
                )
                .await
                .map_err(pg_err)?;
            Ok(n as usize)
        })
    }
}
