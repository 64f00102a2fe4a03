//! Cron tables: `cron_jobs` (one JSON job per row; the scheduler owns them and writes every
//! change through) and `cron_runs` (the run log, one JSON entry per finished run, pruned to
//! a number of rows per job).

use super::{now_ms, SqliteStore, StoreError};
use crate::storage::RunLogQuery;
use rusqlite::params;

/// How far back claims of a job are kept (a day).
const CLAIMS_KEPT_MS: i64 = 86_400_000;

fn in_list(col: &str, n: usize, first: usize) -> String {
    let marks: Vec<String> = (0..n).map(|i| format!("?{}", first + i)).collect();
    format!("{col} IN ({})", marks.join(","))
}

impl SqliteStore {
    /// Every stored job (JSON bodies).
    pub fn cron_jobs(&self) -> Result<Vec<String>, StoreError> {
        let c = self.conn()?;
        let mut stmt = c.prepare_cached("SELECT body FROM cron_jobs ORDER BY rowid")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Inserts or replaces a job.
    pub fn cron_put_job(&self, id: &str, body: &str) -> Result<(), StoreError> {
        let _w = self.write_guard();
        self.conn()?
            .prepare_cached("INSERT INTO cron_jobs(id, body, updated_at) VALUES (?1, ?2, ?3) ON CONFLICT(id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at")?
            .execute(params![id, body, now_ms()])?;
        Ok(())
    }

    /// Deletes a job (its run log stays readable).
    pub fn cron_delete_job(&self, id: &str) -> Result<bool, StoreError> {
        let _w = self.write_guard();
        Ok(self
            .conn()?
            .prepare_cached("DELETE FROM cron_jobs WHERE id = ?1")?
            .execute(params![id])?
            > 0)
    }

    /// Appends a run-log entry and keeps the newest `keep` entries of the job.
    pub fn cron_append_run(
        &self,
        job_id: &str,
        ts: i64,
        status: &str,
        delivery_status: Option<&str>,
        body: &str,
        keep: usize,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.prepare_cached("INSERT INTO cron_runs(job_id, ts, status, delivery_status, body) VALUES (?1, ?2, ?3, ?4, ?5)")?
                .execute(params![job_id, ts, status, delivery_status, body])?;
            tx.prepare_cached("DELETE FROM cron_runs WHERE job_id = ?1 AND id NOT IN (SELECT id FROM cron_runs WHERE job_id = ?1 ORDER BY id DESC LIMIT ?2)")?
                .execute(params![job_id, keep as i64])?;
            Ok(())
        })
    }

    /// Claims the run of `job_id` due at `scheduled_at` for `node` (see
    /// [`crate::storage::CronStore::cron_claim`]).
    pub fn cron_claim(
        &self,
        job_id: &str,
        scheduled_at: i64,
        node: &str,
    ) -> Result<bool, StoreError> {
        self.write(|tx| {
            let won = tx
                .prepare_cached("INSERT INTO cron_claims(job_id, scheduled_at, node, claimed_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING")?
                .execute(params![job_id, scheduled_at, node, now_ms()])?
                > 0;
            tx.prepare_cached("DELETE FROM cron_claims WHERE job_id = ?1 AND scheduled_at < ?2")?
                .execute(params![job_id, scheduled_at - CLAIMS_KEPT_MS])?;
            Ok(won)
        })
    }

    /// A page of run-log entries (JSON bodies) and the total matching.
    pub fn cron_runs(&self, q: &RunLogQuery) -> Result<(Vec<String>, usize), StoreError> {
        let mut conds: Vec<String> = Vec::new();
        let mut args: Vec<String> = Vec::new();
        if let Some(j) = &q.job_id {
            args.push(j.clone());
            conds.push(format!("job_id = ?{}", args.len()));
        }
        if !q.statuses.is_empty() {
            conds.push(in_list("status", q.statuses.len(), args.len() + 1));
            args.extend(q.statuses.iter().cloned());
        }
        if !q.delivery_statuses.is_empty() {
            conds.push(in_list(
                "delivery_status",
                q.delivery_statuses.len(),
                args.len() + 1,
            ));
            args.extend(q.delivery_statuses.iter().cloned());
        }
        if let Some(text) = q.query.as_deref().filter(|s| !s.is_empty()) {
            args.push(format!("%{}%", text.to_lowercase()));
            conds.push(format!("lower(body) LIKE ?{}", args.len()));
        }
        let filter = if conds.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conds.join(" AND "))
        };
        let c = self.conn()?;
        let total: i64 = c.query_row(
            &format!("SELECT COUNT(*) FROM cron_runs {filter}"),
            rusqlite::params_from_iter(args.iter()),
            |r| r.get(0),
        )?;
        let order = if q.ascending { "ASC" } else { "DESC" };
        let sql = format!(
            "SELECT body FROM cron_runs {filter} ORDER BY id {order} LIMIT {} OFFSET {}",
            q.limit, q.offset
        );
        let mut stmt = c.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), |r| r.get(0))?;
        Ok((rows.collect::<Result<_, _>>()?, total.max(0) as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_log_is_filtered_paged_and_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let (s, _) = SqliteStore::open(dir.path()).unwrap();
        for i in 0..5 {
            let status = if i % 2 == 0 { "ok" } else { "error" };
            s.cron_append_run(
                "a",
                i,
                status,
                Some("not-requested"),
                &format!("{{\"n\":{i}}}"),
                4,
            )
            .unwrap();
        }
        s.cron_append_run("b", 9, "ok", None, "{\"n\":9}", 4)
            .unwrap();
        let q = RunLogQuery {
            job_id: Some("a".into()),
            limit: 10,
            ..Default::default()
        };
        let (rows, total) = s.cron_runs(&q).unwrap();
        assert_eq!(total, 4, "pruned to keep=4");
        assert_eq!(rows[0], "{\"n\":4}");
        let (rows, total) = s
            .cron_runs(&RunLogQuery {
                statuses: vec!["error".into()],
                limit: 1,
                ..q.clone()
            })
            .unwrap();
        assert_eq!((rows, total), (vec!["{\"n\":3}".to_string()], 2));
        let (_, all) = s
            .cron_runs(&RunLogQuery {
                limit: 10,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(all, 5);
    }

    #[test]
    fn jobs_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let (s, _) = SqliteStore::open(dir.path()).unwrap();
        s.cron_put_job("j", "{}").unwrap();
        s.cron_put_job("j", "{\"x\":1}").unwrap();
        assert_eq!(s.cron_jobs().unwrap(), vec!["{\"x\":1}".to_string()]);
        assert!(s.cron_delete_job("j").unwrap());
        assert!(s.cron_jobs().unwrap().is_empty());
    }
}
