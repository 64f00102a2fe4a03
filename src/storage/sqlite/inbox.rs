//! The durable channel inbox (`channel_inbox`): one row per inbound message, unique per
//! account and platform message id, `done_at` set once its reply was handed to delivery.

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
                "INSERT INTO channel_inbox(account, message_id, body, received_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT(account, message_id) DO NOTHING",
            )?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let n = st.execute(params![r.account, r.message_id, r.body, r.received_at])?;
                out.push(n > 0);
            }
            Ok(out)
        })
    }

    /// Marks messages of `account` done at `at`.
    pub fn inbox_done(&self, account: &str, ids: &[String], at: i64) -> Result<(), StoreError> {
        self.write(|tx| {
            let mut st = tx.prepare_cached(
                "UPDATE channel_inbox SET done_at = ?3 WHERE account = ?1 AND message_id = ?2 AND done_at IS NULL",
            )?;
            for id in ids {
                st.execute(params![account, id, at])?;
            }
            Ok(())
        })
    }

    /// Every message not yet done, oldest first.
    pub fn inbox_pending(&self) -> Result<Vec<InboxRow>, StoreError> {
        let c = self.conn()?;
        let mut st = c.prepare_cached(
            "SELECT account, message_id, body, received_at FROM channel_inbox WHERE done_at IS NULL ORDER BY seq",
        )?;
        let rows = st.query_map([], |r| {
            Ok(InboxRow {
                account: r.get(0)?,
                message_id: r.get(1)?,
                body: r.get(2)?,
                received_at: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Deletes done messages that arrived before `before`.
    pub fn inbox_prune(&self, before: i64) -> Result<usize, StoreError> {
        self.write(|tx| {
            Ok(tx
                .prepare_cached(
                    "DELETE FROM channel_inbox WHERE done_at IS NOT NULL AND received_at < ?1",
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
    fn inbox_prune(&self, before: i64) -> StoreFuture<usize> {
        ready(SqliteStore::inbox_prune(self, before))
    }
}
