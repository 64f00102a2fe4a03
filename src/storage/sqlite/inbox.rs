//! The durable channel inbox (`channel_inbox`): one row per inbound message, unique per
//! account and platform message id, `done_at` set once its reply was handed to delivery,
//! `failed_at` once it was given up after too many attempts.

use super::{SqliteStore, StoreError};
use crate::storage::{InboxRow, InboxStore, StoreFuture};
use rusqlite::params;

fn ready<T: Send + 'static>(r: Result<T, StoreError>) -> StoreFuture<T> {
    Box::pin(std::future::ready(r))
}

impl SqliteStore {
    /// Inserts the rows in one transaction; `true` for each row that was new.
    pub fn inbox_put(&self, rows: &[InboxRow]) -> Result<Vec<bool>, StoreError> {
        self.write(|tx| {
            let mut st = tx.prepare_cached(
                "INSERT INTO channel_inbox(account, message_id, body, received_at, attempts) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(account, message_id) DO NOTHING",
            )?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let n = st.execute(params![
                    r.account,
                    r.message_id,
                    r.body,
                    r.received_at,
                    r.attempts
                ])?;
                out.push(n > 0);
            }
            Ok(out)
        })
    }

    /// Runs `sql` (parameters: account, message id, `extra`) for each id in one transaction.
    fn inbox_each(
        &self,
        sql: &str,
        account: &str,
        ids: &[String],
        extra: Option<i64>,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            let mut st = tx.prepare_cached(sql)?;
            for id in ids {
                st.execute(params![account, id, extra])?;
            }
            Ok(())
        })
    }

    /// Marks messages of `account` done at `at`.
    pub fn inbox_done(&self, account: &str, ids: &[String], at: i64) -> Result<(), StoreError> {
        self.inbox_each(
            "UPDATE channel_inbox SET done_at = ?3 WHERE account = ?1 AND message_id = ?2 AND done_at IS NULL",
            account,
            ids,
            Some(at),
        )
    }

    /// Every message neither done nor failed, oldest first.
    pub fn inbox_pending(&self) -> Result<Vec<InboxRow>, StoreError> {
        let c = self.conn()?;
        let mut st = c.prepare_cached(
            "SELECT account, message_id, body, received_at, attempts FROM channel_inbox WHERE done_at IS NULL AND failed_at IS NULL ORDER BY seq",
        )?;
        let rows = st.query_map([], |r| {
            Ok(InboxRow {
                account: r.get(0)?,
                message_id: r.get(1)?,
                body: r.get(2)?,
                received_at: r.get(3)?,
                attempts: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Failed messages per account.
    pub fn inbox_failed(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let c = self.conn()?;
        let mut st = c.prepare_cached(
            "SELECT account, COUNT(*) FROM channel_inbox WHERE failed_at IS NOT NULL GROUP BY account ORDER BY account",
        )?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Deletes done and failed messages that arrived before `before`.
    pub fn inbox_prune(&self, before: i64) -> Result<usize, StoreError> {
        self.write(|tx| {
            Ok(tx
                .prepare_cached(
                    "DELETE FROM channel_inbox WHERE (done_at IS NOT NULL OR failed_at IS NOT NULL) AND received_at < ?1",
                )?
                .execute(params![before])?)
        })
    }
}

impl InboxStore for SqliteStore {
    fn inbox_put(&self, rows: Vec<InboxRow>) -> StoreFuture<Vec<bool>> {
        ready(SqliteStore::inbox_put(self, &rows))
    }
    fn inbox_done(&self, account: &str, message_ids: Vec<String>, at: i64) -> StoreFuture<()> {
        ready(SqliteStore::inbox_done(self, account, &message_ids, at))
    }
    fn inbox_pending(&self) -> StoreFuture<Vec<InboxRow>> {
        ready(SqliteStore::inbox_pending(self))
    }
    fn inbox_attempt(&self, account: &str, message_ids: Vec<String>) -> StoreFuture<()> {
        ready(self.inbox_each(
            "UPDATE channel_inbox SET attempts = attempts + 1 WHERE account = ?1 AND message_id = ?2 AND done_at IS NULL AND failed_at IS NULL AND ?3 IS NULL",
            account,
            &message_ids,
            None,
        ))
    }
    fn inbox_fail(&self, account: &str, message_ids: Vec<String>, at: i64) -> StoreFuture<()> {
        ready(self.inbox_each(
            "UPDATE channel_inbox SET failed_at = ?3 WHERE account = ?1 AND message_id = ?2 AND done_at IS NULL AND failed_at IS NULL",
            account,
            &message_ids,
            Some(at),
        ))
    }
    fn inbox_failed_counts(&self) -> StoreFuture<Vec<(String, i64)>> {
        ready(SqliteStore::inbox_failed(self))
    }
    fn inbox_prune(&self, before: i64) -> StoreFuture<usize> {
        ready(SqliteStore::inbox_prune(self, before))
    }
}
