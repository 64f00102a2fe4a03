//! Cron tables: `cron_jobs` (one JSON job per row, in insertion order) and `cron_runs` (the
//! run log, pruned to the newest `keep` entries of each job on every append) and `cron_claims`
//! (one row per job and due time: the node that inserted it runs that tick).

use super::{pg_err, PgStore};
use crate::storage::{now_ms, CronStore, RunLogQuery, StoreFuture};
use deadpool_postgres::GenericClient;
use tokio_postgres::types::ToSql;

/// How far back claims of a job are kept (a day).
const CLAIMS_KEPT_MS: i64 = 86_400_000;

impl CronStore for PgStore {
    fn cron_jobs(&self) -> StoreFuture<Vec<String>> {
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached("SELECT body FROM cron_jobs ORDER BY seq")
                .await
                .map_err(pg_err)?;
            let rows = c.query(&st, &[]).await.map_err(pg_err)?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }

    fn cron_put_job(&self, id: &str, body: &str) -> StoreFuture<()> {
        let (id, body) = (id.to_string(), body.to_string());
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached("INSERT INTO cron_jobs(id, body, updated_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at")
                .await
                .map_err(pg_err)?;
            c.execute(&st, &[&id, &body, &now_ms()])
                .await
                .map_err(pg_err)?;
            Ok(())
        })
    }

    fn cron_delete_job(&self, id: &str) -> StoreFuture<bool> {
        let id = id.to_string();
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached("DELETE FROM cron_jobs WHERE id = $1")
                .await
                .map_err(pg_err)?;
            Ok(c.execute(&st, &[&id]).await.map_err(pg_err)? > 0)
        })
    }

    fn cron_append_run(
        &self,
        job_id: &str,
        ts: i64,
        status: &str,
        delivery_status: Option<&str>,
        body: &str,
        keep: usize,
    ) -> StoreFuture<()> {
        let (job_id, status, delivery, body) = (
            job_id.to_string(),
            status.to_string(),
            delivery_status.map(str::to_string),
            body.to_string(),
        );
        self.run(move |s| async move {
            let mut c = s.conn().await?;
            let tx = c.transaction().await.map_err(pg_err)?;
            let st = tx
                .prepare_cached("INSERT INTO cron_runs(job_id, ts, status, delivery_status, body) VALUES ($1, $2, $3, $4, $5)")
                .await
                .map_err(pg_err)?;
            tx.execute(&st, &[&job_id, &ts, &status, &delivery, &body])
                .await
                .map_err(pg_err)?;
            let st = tx
                .prepare_cached("DELETE FROM cron_runs WHERE job_id = $1 AND id NOT IN (SELECT id FROM cron_runs WHERE job_id = $1 ORDER BY id DESC LIMIT $2)")
                .await
                .map_err(pg_err)?;
            tx.execute(&st, &[&job_id, &(keep as i64)])
                .await
                .map_err(pg_err)?;
            s.commit(tx).await
        })
    }

    fn cron_runs(&self, q: &RunLogQuery) -> StoreFuture<(Vec<String>, usize)> {
        let q = q.clone();
        self.run(move |s| async move {
            let mut conds: Vec<String> = Vec::new();
            let mut args: Vec<Box<dyn ToSql + Sync + Send>> = Vec::new();
            if let Some(j) = &q.job_id {
                args.push(Box::new(j.clone()));
                conds.push(format!("job_id = ${}", args.len()));
            }
            if !q.statuses.is_empty() {
                args.push(Box::new(q.statuses.clone()));
                conds.push(format!("status = ANY(${})", args.len()));
            }
            if !q.delivery_statuses.is_empty() {
                args.push(Box::new(q.delivery_statuses.clone()));
                conds.push(format!("delivery_status = ANY(${})", args.len()));
            }
            if let Some(text) = q.query.as_deref().filter(|t| !t.is_empty()) {
                args.push(Box::new(format!("%{}%", text.to_lowercase())));
                conds.push(format!("lower(body) LIKE ${}", args.len()));
            }
            let filter = if conds.is_empty() {
                String::new()
            } else {
                format!("WHERE {}", conds.join(" AND "))
            };
            let refs: Vec<&(dyn ToSql + Sync)> = args
                .iter()
                .map(|a| a.as_ref() as &(dyn ToSql + Sync))
                .collect();
            let c = s.conn().await?;
            let total: i64 = c
                .query_one(&format!("SELECT COUNT(*) FROM cron_runs {filter}"), &refs)
                .await
                .map_err(pg_err)?
                .get(0);
            let order = if q.ascending { "ASC" } else { "DESC" };
            let sql = format!(
                "SELECT body FROM cron_runs {filter} ORDER BY id {order} LIMIT {} OFFSET {}",
                q.limit, q.offset
            );
            let rows = c.query(&sql, &refs).await.map_err(pg_err)?;
            Ok((
                rows.iter().map(|r| r.get(0)).collect(),
                total.max(0) as usize,
            ))
        })
    }

    fn cron_claim(&self, job_id: &str, scheduled_at: i64, node: &str) -> StoreFuture<bool> {
        let (job_id, node) = (job_id.to_string(), node.to_string());
        self.run(move |s| async move {
            let mut c = s.conn().await?;
            let tx = c.transaction().await.map_err(pg_err)?;
            let st = tx
                .prepare_cached("INSERT INTO cron_claims(job_id, scheduled_at, node, claimed_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                .await
                .map_err(pg_err)?;
            let won = tx
                .execute(&st, &[&job_id, &scheduled_at, &node, &now_ms()])
                .await
                .map_err(pg_err)?
                > 0;
            let st = tx
                .prepare_cached("DELETE FROM cron_claims WHERE job_id = $1 AND scheduled_at < $2")
                .await
                .map_err(pg_err)?;
            tx.execute(&st, &[&job_id, &(scheduled_at - CLAIMS_KEPT_MS)])
                .await
                .map_err(pg_err)?;
            s.commit(tx).await?;
            Ok(won)
        })
    }
}
