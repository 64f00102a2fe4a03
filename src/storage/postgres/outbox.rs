//! The durable channel outbox in PostgreSQL (`channel_outbox`), as the SQLite backend keeps
//! it: inserted before a send, updated after a failed attempt, deleted once accepted.

use super::{pg_err, PgStore};
use crate::storage::{OutboxRow, OutboxState, OutboxStore, StoreFuture};
use deadpool_postgres::GenericClient;

const COLS: &str =
    "id, seq, account, chat, payload, state, attempts, next_at, created_at, last_error";

fn row(r: &tokio_postgres::Row) -> OutboxRow {
    OutboxRow {
        id: r.get(0),
        seq: r.get(1),
        account: r.get(2),
        chat: r.get(3),
        payload: r.get(4),
        state: OutboxState::parse(r.get::<_, &str>(5)),
        attempts: r.get::<_, i32>(6).max(0) as u32,
        next_at: r.get(7),
        created_at: r.get(8),
        last_error: r.get(9),
    }
}

impl OutboxStore for PgStore {
    fn outbox_put(&self, rows: &[OutboxRow]) -> StoreFuture<()> {
        let rows = rows.to_vec();
        self.run(move |s| async move {
            let mut c = s.conn().await?;
            let tx = c.transaction().await.map_err(pg_err)?;
            let st = tx
                .prepare_cached(&format!(
                    "INSERT INTO channel_outbox({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING"
                ))
                .await
                .map_err(pg_err)?;
            for r in &rows {
                let attempts = r.attempts as i32;
                tx.execute(
                    &st,
                    &[
                        &r.id,
                        &r.seq,
                        &r.account,
                        &r.chat,
                        &r.payload,
                        &r.state.as_str(),
                        &attempts,
                        &r.next_at,
                        &r.created_at,
                        &r.last_error,
                    ],
                )
                .await
                .map_err(pg_err)?;
            }
            tx.commit().await.map_err(pg_err)?;
            Ok(())
        })
    }

    fn outbox_update(&self, row: &OutboxRow) -> StoreFuture<()> {
        let r = row.clone();
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached("UPDATE channel_outbox SET state = $2, attempts = $3, next_at = $4, last_error = $5 WHERE id = $1")
                .await
                .map_err(pg_err)?;
            let attempts = r.attempts as i32;
            c.execute(
                &st,
                &[&r.id, &r.state.as_str(), &attempts, &r.next_at, &r.last_error],
            )
            .await
            .map_err(pg_err)?;
            Ok(())
        })
    }

    fn outbox_delete(&self, id: &str) -> StoreFuture<()> {
        let id = id.to_string();
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached("DELETE FROM channel_outbox WHERE id = $1")
                .await
                .map_err(pg_err)?;
            c.execute(&st, &[&id]).await.map_err(pg_err)?;
            Ok(())
        })
    }

    fn outbox_pending(&self) -> StoreFuture<Vec<OutboxRow>> {
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached(&format!(
                    "SELECT {COLS} FROM channel_outbox WHERE state = 'pending' ORDER BY seq"
                ))
                .await
                .map_err(pg_err)?;
            Ok(c.query(&st, &[])
                .await
                .map_err(pg_err)?
                .iter()
                .map(row)
                .collect())
        })
    }

    fn outbox_failed_counts(&self) -> StoreFuture<Vec<(String, i64)>> {
        self.counts_by_account(
            "SELECT account, COUNT(*) FROM channel_outbox WHERE state = 'failed' GROUP BY account ORDER BY account",
        )
    }

    fn outbox_prune_failed(&self, before: i64) -> StoreFuture<usize> {
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached(
                    "DELETE FROM channel_outbox WHERE state = 'failed' AND next_at < $1",
                )
                .await
                .map_err(pg_err)?;
            Ok(c.execute(&st, &[&before]).await.map_err(pg_err)? as usize)
        })
    }
}
