//! The durable channel inbox in PostgreSQL (`channel_inbox`), as the SQLite backend keeps it:
//! unique per account and platform message id, `done_at` set once the reply was handed on,
//! `failed_at` once it was given up after too many attempts.

use super::{pg_err, PgStore};
use crate::storage::{InboxRow, InboxStore, StoreFuture};
use deadpool_postgres::GenericClient;

impl InboxStore for PgStore {
    fn inbox_put(&self, rows: Vec<InboxRow>) -> StoreFuture<Vec<bool>> {
        self.run(move |s| async move {
            let mut c = s.conn().await?;
            let tx = c.transaction().await.map_err(pg_err)?;
            let st = tx
                .prepare_cached("INSERT INTO channel_inbox(account, message_id, body, received_at, attempts) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account, message_id) DO NOTHING")
                .await
                .map_err(pg_err)?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let n = tx
                    .execute(&st, &[
                            &r.account,
                            &r.message_id,
                            &r.body,
                            &r.received_at,
                            &r.attempts,
                        ],)
                    .await
                    .map_err(pg_err)?;
                out.push(n > 0);
            }
            s.commit(tx).await?;
            Ok(out)
        })
    }

    fn inbox_done(&self, account: &str, message_ids: Vec<String>, at: i64) -> StoreFuture<()> {
        self.mark_inbox_rows(
            "UPDATE channel_inbox SET done_at = $3 WHERE account = $1 AND message_id = ANY($2) AND done_at IS NULL",
            account,
            message_ids,
            at,
        )
    }

    fn inbox_pending(&self) -> StoreFuture<Vec<InboxRow>> {
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached("SELECT account, message_id, body, received_at, attempts FROM channel_inbox WHERE done_at IS NULL AND failed_at IS NULL ORDER BY seq")
                .await
                .map_err(pg_err)?;
            let rows = c.query(&st, &[]).await.map_err(pg_err)?;
            Ok(rows
                .iter()
                .map(|r| InboxRow {
                    account: r.get(0),
                    message_id: r.get(1),
                    body: r.get(2),
                    received_at: r.get(3),
                    attempts: r.get(4),
                })
                .collect())
        })
    }

    fn inbox_prune(&self, before: i64) -> StoreFuture<usize> {
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached(
                    "DELETE FROM channel_inbox WHERE (done_at IS NOT NULL OR failed_at IS NOT NULL) AND received_at < $1",
                )
                .await
                .map_err(pg_err)?;
            Ok(c.execute(&st, &[&before]).await.map_err(pg_err)? as usize)
        })
    }

    fn inbox_attempt(&self, account: &str, message_ids: Vec<String>) -> StoreFuture<()> {
        let account = account.to_string();
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached("UPDATE channel_inbox SET attempts = attempts + 1 WHERE account = $1 AND message_id = ANY($2) AND done_at IS NULL AND failed_at IS NULL")
                .await
                .map_err(pg_err)?;
            c.execute(&st, &[&account, &message_ids])
                .await
                .map_err(pg_err)?;
            Ok(())
        })
    }

    fn inbox_fail(&self, account: &str, message_ids: Vec<String>, at: i64) -> StoreFuture<()> {
        self.mark_inbox_rows(
            "UPDATE channel_inbox SET failed_at = $3 WHERE account = $1 AND message_id = ANY($2) AND done_at IS NULL AND failed_at IS NULL",
            account,
            message_ids,
            at,
        )
    }

    fn inbox_failed_counts(&self) -> StoreFuture<Vec<(String, i64)>> {
        self.counts_by_account(
            "SELECT account, COUNT(*) FROM channel_inbox WHERE failed_at IS NOT NULL GROUP BY account ORDER BY account",
        )
    }
}

impl PgStore {
    /// Runs `sql`, an `UPDATE channel_inbox` taking `$1` account, `$2` message ids, `$3` time.
    fn mark_inbox_rows(
        &self,
        sql: &'static str,
        account: &str,
        message_ids: Vec<String>,
        at: i64,
    ) -> StoreFuture<()> {
        let account = account.to_string();
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c.prepare_cached(sql).await.map_err(pg_err)?;
            c.execute(&st, &[&account, &message_ids, &at])
                .await
                .map_err(pg_err)?;
            Ok(())
        })
    }
}
