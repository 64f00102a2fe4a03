//! API keys, their usage counters and the audit log in SQLite (`api_keys`, `key_usage`,
//! `audit_log`). Usage is added with an upsert per key, end user and day, so counters survive
//! restarts; the audit log is only ever appended to (and pruned by age).

use super::{SqliteStore, StoreError};
use crate::storage::{AuditEntry, KeyRow, UsageDelta, UsageQuery, UsageRow};
use rusqlite::{params, OptionalExtension};

fn key_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<KeyRow> {
    Ok(KeyRow {
        id: r.get(0)?,
        hash: r.get(1)?,
        policy: r.get(2)?,
        created_at: r.get(3)?,
        revoked_at: r.get(4)?,
    })
}

impl SqliteStore {
    /// Inserts or replaces a key row.
    pub fn key_put(&self, row: &KeyRow) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.prepare_cached("INSERT OR REPLACE INTO api_keys(id, hash, policy, created_at, revoked_at) VALUES (?1, ?2, ?3, ?4, ?5)")?
                .execute(params![row.id, row.hash, row.policy, row.created_at, row.revoked_at])?;
            Ok(())
        })
    }

    /// A key row by id.
    pub fn key_get(&self, id: &str) -> Result<Option<KeyRow>, StoreError> {
        Ok(self
            .conn()?
            .prepare_cached(
                "SELECT id, hash, policy, created_at, revoked_at FROM api_keys WHERE id = ?1",
            )?
            .query_row(params![id], key_row)
            .optional()?)
    }

    /// Every key row, newest first.
    pub fn key_list(&self) -> Result<Vec<KeyRow>, StoreError> {
        let c = self.conn()?;
        let mut st = c.prepare_cached(
            "SELECT id, hash, policy, created_at, revoked_at FROM api_keys ORDER BY created_at DESC, id",
        )?;
        let rows = st.query_map([], key_row)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Marks a key revoked; `true` when it was live.
    pub fn key_revoke(&self, id: &str, at: i64) -> Result<bool, StoreError> {
        self.write(|tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                )?
                .execute(params![id, at])?;
            Ok(n > 0)
        })
    }

    /// Adds to a key's counters of a day.
    pub fn usage_add(&self, d: &UsageDelta) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.prepare_cached(
                "INSERT INTO key_usage(key_id, user, day, requests, turns, errors, tokens_in, tokens_out) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
                 ON CONFLICT(key_id, user, day) DO UPDATE SET requests = requests + excluded.requests, \
                 turns = turns + excluded.turns, errors = errors + excluded.errors, \
                 tokens_in = tokens_in + excluded.tokens_in, tokens_out = tokens_out + excluded.tokens_out",
            )?
            .execute(params![
                d.key_id,
                d.user,
                d.day,
                d.requests as i64,
                d.turns as i64,
                d.errors as i64,
                d.tokens_in as i64,
                d.tokens_out as i64
            ])?;
            Ok(())
        })
    }

    /// Usage rows matching `q`.
    pub fn usage_query(&self, q: &UsageQuery) -> Result<Vec<UsageRow>, StoreError> {
        let c = self.conn()?;
        let mut st = c.prepare_cached(
            "SELECT key_id, user, day, requests, turns, errors, tokens_in, tokens_out FROM key_usage \
             WHERE (?1 IS NULL OR key_id = ?1) AND (?2 IS NULL OR user = ?2) \
             AND (?3 IS NULL OR day >= ?3) AND (?4 IS NULL OR day <= ?4) ORDER BY day, key_id, user",
        )?;
        let rows = st
            .query_map(params![q.key_id, q.user, q.since, q.until], |r| {
                Ok(UsageRow {
                    key_id: r.get(0)?,
                    user: r.get(1)?,
                    day: r.get(2)?,
                    requests: r.get::<_, i64>(3)? as u64,
                    turns: r.get::<_, i64>(4)? as u64,
                    errors: r.get::<_, i64>(5)? as u64,
                    tokens_in: r.get::<_, i64>(6)? as u64,
                    tokens_out: r.get::<_, i64>(7)? as u64,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Appends an audit entry.
    pub fn audit_append(&self, e: &AuditEntry) -> Result<i64, StoreError> {
        self.write(|tx| {
            tx.prepare_cached(
                "INSERT INTO audit_log(ts, actor, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![e.ts, e.actor, e.action, e.target, e.detail])?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// The newest `limit` entries at or after `since`.
    pub fn audit_list(&self, since: i64, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        let c = self.conn()?;
        let mut st = c.prepare_cached(
            "SELECT seq, ts, actor, action, target, detail FROM audit_log WHERE ts >= ?1 ORDER BY seq DESC LIMIT ?2",
        )?;
        let rows = st
            .query_map(params![since, limit as i64], |r| {
                Ok(AuditEntry {
                    seq: r.get(0)?,
                    ts: r.get(1)?,
                    actor: r.get(2)?,
                    action: r.get(3)?,
                    target: r.get(4)?,
                    detail: r.get(5)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Deletes entries older than `before`.
    pub fn audit_prune(&self, before: i64) -> Result<usize, StoreError> {
        self.write(|tx| {
            Ok(tx
                .prepare_cached("DELETE FROM audit_log WHERE ts < ?1")?
                .execute(params![before])?)
        })
    }
}
