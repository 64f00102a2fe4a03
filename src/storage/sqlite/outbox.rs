//! The durable channel outbox in SQLite (`channel_outbox`): rows are inserted before a send,
//! updated after a failed attempt, deleted once the platform accepted them; failed rows stay.

use super::{SqliteStore, StoreError};
use crate::storage::{OutboxRow, OutboxState, OutboxStore, StoreFuture};
use rusqlite::params;

const COLS: &str =
    "id, seq, account, chat, payload, state, attempts, next_at, created_at, last_error";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxRow> {
    Ok(OutboxRow {
        id: r.get(0)?,
        seq: r.get(1)?,
        account: r.get(2)?,
        chat: r.get(3)?,
        payload: r.get(4)?,
        state: OutboxState::parse(&r.get::<_, String>(5)?),
        attempts: r.get::<_, i64>(6)?.max(0) as u32,
        next_at: r.get(7)?,
        created_at: r.get(8)?,
        last_error: r.get(9)?,
    })
}

impl SqliteStore {
    fn outbox_insert(&self, rows: &[OutboxRow]) -> Result<(), StoreError> {
        self.write(|tx| {
            let mut st = tx.prepare_cached(&format!(
                "INSERT OR REPLACE INTO channel_outbox({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
            ))?;
            for r in rows {
                st.execute(params![
                    r.id,
                    r.seq,
                    r.account,
                    r.chat,
                    r.payload,
                    r.state.as_str(),
                    r.attempts as i64,
                    r.next_at,
                    r.created_at,
                    r.last_error
                ])?;
            }
            Ok(())
        })
    }

    fn outbox_set(&self, r: &OutboxRow) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.prepare_cached("UPDATE channel_outbox SET state = ?2, attempts = ?3, next_at = ?4, last_error = ?5 WHERE id = ?1")?
                .execute(params![r.id, r.state.as_str(), r.attempts as i64, r.next_at, r.last_error])?;
            Ok(())
        })
    }

    fn outbox_remove(&self, id: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.prepare_cached("DELETE FROM channel_outbox WHERE id = ?1")?
                .execute(params![id])?;
            Ok(())
        })
    }

    fn outbox_pending_rows(&self) -> Result<Vec<OutboxRow>, StoreError> {
        let c = self.conn()?;
        let mut st = c.prepare_cached(&format!(
            "SELECT {COLS} FROM channel_outbox WHERE state = 'pending' ORDER BY seq"
        ))?;
        let rows = st.query_map([], row)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    fn outbox_failed(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let c = self.conn()?;
        let mut st = c.prepare_cached(
            "SELECT account, COUNT(*) FROM channel_outbox WHERE state = 'failed' GROUP BY account ORDER BY account",
        )?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    fn outbox_prune(&self, before: i64) -> Result<usize, StoreError> {
        self.write(|tx| {
            Ok(tx
                .prepare_cached(
                    "DELETE FROM channel_outbox WHERE state = 'failed' AND next_at < ?1",
                )?
                .execute(rusqlite::params![before])?)
        })
    }
}

fn now<T: Send + 'static>(r: Result<T, StoreError>) -> StoreFuture<T> {
    Box::pin(std::future::ready(r))
}

impl OutboxStore for SqliteStore {
    fn outbox_put(&self, rows: &[OutboxRow]) -> StoreFuture<()> {
        now(self.outbox_insert(rows))
    }
    fn outbox_update(&self, row: &OutboxRow) -> StoreFuture<()> {
        now(self.outbox_set(row))
    }
    fn outbox_delete(&self, id: &str) -> StoreFuture<()> {
        now(self.outbox_remove(id))
    }
    fn outbox_pending(&self) -> StoreFuture<Vec<OutboxRow>> {
        let s = self.clone();
        self.inner.readers.run(move || s.outbox_pending_rows())
    }
    fn outbox_failed_counts(&self) -> StoreFuture<Vec<(String, i64)>> {
        let s = self.clone();
        self.inner.readers.run(move || s.outbox_failed())
    }
    fn outbox_prune_failed(&self, before: i64) -> StoreFuture<usize> {
        now(self.outbox_prune(before))
    }
}
