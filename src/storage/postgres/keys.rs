//! API keys, their usage counters and the audit log in PostgreSQL (`api_keys`, `key_usage`,
//! `audit_log`), as the SQLite backend keeps them: usage is an upsert per key, end user and day;
//! the audit log is only appended to (and pruned by age).

use super::{pg_err, PgStore};
use crate::storage::{AuditEntry, KeyRow, KeyStore, StoreFuture, UsageDelta, UsageQuery, UsageRow};
use deadpool_postgres::GenericClient;

const KEY_COLS: &str = "id, hash, policy, created_at, revoked_at";

fn key_row(r: &tokio_postgres::Row) -> KeyRow {
    KeyRow {
        id: r.get(0),
        hash: r.get(1),
        policy: r.get(2),
        created_at: r.get(3),
        revoked_at: r.get(4),
    }
}

impl KeyStore for PgStore {
    fn key_put(&self, row: &KeyRow) -> StoreFuture<()> {
        let row = row.clone();
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached("INSERT INTO api_keys(id, hash, policy, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET hash = excluded.hash, policy = excluded.policy, created_at = excluded.created_at, revoked_at = excluded.revoked_at")
                .await
                .map_err(pg_err)?;
            c.execute(
                &st,
                &[&row.id, &row.hash, &row.policy, &row.created_at, &row.revoked_at],
            )
            .await
            .map_err(pg_err)?;
            Ok(())
        })
    }

    fn key_get(&self, id: &str) -> StoreFuture<Option<KeyRow>> {
        let id = id.to_string();
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached(&format!("SELECT {KEY_COLS} FROM api_keys WHERE id = $1"))
                .await
                .map_err(pg_err)?;
            Ok(c.query_opt(&st, &[&id])
                .await
                .map_err(pg_err)?
                .as_ref()
                .map(key_row))
        })
    }

    fn key_list(&self) -> StoreFuture<Vec<KeyRow>> {
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached(&format!(
                    "SELECT {KEY_COLS} FROM api_keys ORDER BY created_at DESC, id"
                ))
                .await
                .map_err(pg_err)?;
            Ok(c.query(&st, &[])
                .await
                .map_err(pg_err)?
                .iter()
                .map(key_row)
                .collect())
        })
    }

    fn key_revoke(&self, id: &str, at: i64) -> StoreFuture<bool> {
        let id = id.to_string();
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached(
                    "UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                )
                .await
                .map_err(pg_err)?;
            Ok(c.execute(&st, &[&id, &at]).await.map_err(pg_err)? > 0)
        })
    }

    fn usage_add(&self, delta: &UsageDelta) -> StoreFuture<()> {
        let d = delta.clone();
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached(
                    "INSERT INTO key_usage(key_id, \"user\", day, requests, turns, errors, tokens_in, tokens_out) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (key_id, \"user\", day) DO UPDATE SET requests = key_usage.requests + excluded.requests, \
                     turns = key_usage.turns + excluded.turns, errors = key_usage.errors + excluded.errors, \
                     tokens_in = key_usage.tokens_in + excluded.tokens_in, tokens_out = key_usage.tokens_out + excluded.tokens_out",
                )
                .await
                .map_err(pg_err)?;
            let n = |v: u64| v as i64;
            c.execute(
                &st,
                &[
                    &d.key_id,
                    &d.user,
                    &d.day,
                    &n(d.requests),
                    &n(d.turns),
                    &n(d.errors),
                    &n(d.tokens_in),
                    &n(d.tokens_out),
                ],
            )
            .await
            .map_err(pg_err)?;
            Ok(())
        })
    }

    fn usage_query(&self, q: &UsageQuery) -> StoreFuture<Vec<UsageRow>> {
        let q = q.clone();
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached(
                    "SELECT key_id, \"user\", day, requests, turns, errors, tokens_in, tokens_out FROM key_usage \
                     WHERE ($1::TEXT IS NULL OR key_id = $1) AND ($2::TEXT IS NULL OR \"user\" = $2) \
                     AND ($3::TEXT IS NULL OR day >= $3) AND ($4::TEXT IS NULL OR day <= $4) ORDER BY day, key_id, \"user\"",
                )
                .await
                .map_err(pg_err)?;
            let rows = c
                .query(&st, &[&q.key_id, &q.user, &q.since, &q.until])
                .await
                .map_err(pg_err)?;
            let n = |r: &tokio_postgres::Row, i: usize| r.get::<_, i64>(i) as u64;
            Ok(rows
                .iter()
                .map(|r| UsageRow {
                    key_id: r.get(0),
                    user: r.get(1),
                    day: r.get(2),
                    requests: n(r, 3),
                    turns: n(r, 4),
                    errors: n(r, 5),
                    tokens_in: n(r, 6),
                    tokens_out: n(r, 7),
                })
                .collect())
        })
    }

    fn audit_append(&self, entry: &AuditEntry) -> StoreFuture<i64> {
        let e = entry.clone();
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached("INSERT INTO audit_log(ts, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5) RETURNING seq")
                .await
                .map_err(pg_err)?;
            Ok(c.query_one(&st, &[&e.ts, &e.actor, &e.action, &e.target, &e.detail])
                .await
                .map_err(pg_err)?
                .get(0))
        })
    }

    fn audit_list(&self, since: i64, limit: usize) -> StoreFuture<Vec<AuditEntry>> {
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached("SELECT seq, ts, actor, action, target, detail FROM audit_log WHERE ts >= $1 ORDER BY seq DESC LIMIT $2")
                .await
                .map_err(pg_err)?;
            Ok(c.query(&st, &[&since, &(limit as i64)])
                .await
                .map_err(pg_err)?
                .iter()
                .map(|r| AuditEntry {
                    seq: r.get(0),
                    ts: r.get(1),
                    actor: r.get(2),
                    action: r.get(3),
                    target: r.get(4),
                    detail: r.get(5),
                })
                .collect())
        })
    }

    fn audit_prune(&self, before: i64) -> StoreFuture<usize> {
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached("DELETE FROM audit_log WHERE ts < $1")
                .await
                .map_err(pg_err)?;
            Ok(c.execute(&st, &[&before]).await.map_err(pg_err)? as usize)
        })
    }
}
