//! `leases`: named leases with expiry (see [`crate::storage::LeaseStore`]). Every statement
//! reads the time from the database server (`now()`), so the nodes' clocks never decide who
//! holds a lease; an upsert with a `WHERE` makes acquiring atomic among concurrent nodes.

use super::{pg_err, PgStore};
use crate::storage::{Lease, LeaseStore, StoreFuture};
use deadpool_postgres::GenericClient;
use std::time::Duration;

/// The server's clock in ms since the epoch, as SQL.
const DB_NOW_MS: &str = "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT";

fn ms(ttl: Duration) -> i64 {
    i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 4)
}

fn lease(name: &str, r: &tokio_postgres::Row) -> Lease {
    Lease {
        name: name.to_string(),
        holder: r.get(0),
        expires_at_ms: r.get(1),
    }
}

impl PgStore {
    /// One statement with `$1` = name, `$2` = holder, `$3` = ttl (ms) returning a lease row.
    fn lease_statement(
        &self,
        sql: String,
        name: &str,
        holder: &str,
        ttl: i64,
    ) -> StoreFuture<Option<Lease>> {
        let (name, holder) = (name.to_string(), holder.to_string());
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c.prepare_cached(&sql).await.map_err(pg_err)?;
            let row = c
                .query_opt(&st, &[&name, &holder, &ttl])
                .await
                .map_err(pg_err)?;
            Ok(row.map(|r| lease(&name, &r)))
        })
    }
}

impl LeaseStore for PgStore {
    fn lease_try_acquire(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> StoreFuture<Option<Lease>> {
        let sql = format!(
            "INSERT INTO leases(name, holder, expires_at) VALUES ($1, $2, {DB_NOW_MS} + $3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
             WHERE leases.holder = excluded.holder OR leases.expires_at <= {DB_NOW_MS} \
             RETURNING holder, expires_at"
        );
        self.lease_statement(sql, name, holder, ms(ttl))
    }

    fn lease_renew(&self, name: &str, holder: &str, ttl: Duration) -> StoreFuture<Option<Lease>> {
        let sql = format!(
            "UPDATE leases SET expires_at = {DB_NOW_MS} + $3 WHERE name = $1 AND holder = $2 \
             RETURNING holder, expires_at"
        );
        self.lease_statement(sql, name, holder, ms(ttl))
    }

    fn lease_release(&self, name: &str, holder: &str) -> StoreFuture<bool> {
        let (name, holder) = (name.to_string(), holder.to_string());
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached("DELETE FROM leases WHERE name = $1 AND holder = $2")
                .await
                .map_err(pg_err)?;
            Ok(c.execute(&st, &[&name, &holder]).await.map_err(pg_err)? > 0)
        })
    }

    fn lease_holder(&self, name: &str) -> StoreFuture<Option<Lease>> {
        let name = name.to_string();
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached(&format!(
                    "SELECT holder, expires_at FROM leases WHERE name = $1 AND expires_at > {DB_NOW_MS}"
                ))
                .await
                .map_err(pg_err)?;
            let row = c.query_opt(&st, &[&name]).await.map_err(pg_err)?;
            Ok(row.map(|r| lease(&name, &r)))
        })
    }
}
