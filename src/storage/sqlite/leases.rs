//! `leases`: named leases with expiry (see [`crate::storage::LeaseStore`]). One SQLite file
//! has one gateway, so these are always won by it unless it holds them under another name;
//! they keep the same semantics as the PostgreSQL table for tests and for the single node.

use super::{now_ms, SqliteStore, StoreError};
use crate::storage::{Lease, LeaseStore, StoreFuture};
use rusqlite::{params, OptionalExtension};
use std::time::Duration;

fn ms(ttl: Duration) -> i64 {
    i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 4)
}

fn lease(name: &str, r: &rusqlite::Row<'_>) -> rusqlite::Result<Lease> {
    Ok(Lease {
        name: name.to_string(),
        holder: r.get(0)?,
        expires_at_ms: r.get(1)?,
    })
}

impl SqliteStore {
    /// See [`LeaseStore::lease_try_acquire`].
    pub fn lease_try_acquire(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, StoreError> {
        let now = now_ms();
        self.write(|tx| {
            Ok(tx
                .prepare_cached(
                    "INSERT INTO leases(name, holder, expires_at) VALUES (?1, ?2, ?3) \
                     ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
                     WHERE leases.holder = excluded.holder OR leases.expires_at <= ?4 \
                     RETURNING holder, expires_at",
                )?
                .query_row(params![name, holder, now + ms(ttl), now], |r| lease(name, r))
                .optional()?)
        })
    }

    /// See [`LeaseStore::lease_renew`].
    pub fn lease_renew(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, StoreError> {
        let until = now_ms() + ms(ttl);
        self.write(|tx| {
            Ok(tx
                .prepare_cached(
                    "UPDATE leases SET expires_at = ?3 WHERE name = ?1 AND holder = ?2 \
                     RETURNING holder, expires_at",
                )?
                .query_row(params![name, holder, until], |r| lease(name, r))
                .optional()?)
        })
    }

    /// See [`LeaseStore::lease_release`].
    pub fn lease_release(&self, name: &str, holder: &str) -> Result<bool, StoreError> {
        self.write(|tx| {
            Ok(tx
                .prepare_cached("DELETE FROM leases WHERE name = ?1 AND holder = ?2")?
                .execute(params![name, holder])?
                > 0)
        })
    }

    /// See [`LeaseStore::lease_holder`].
    pub fn lease_holder(&self, name: &str) -> Result<Option<Lease>, StoreError> {
        let c = self.conn()?;
        let mut st = c.prepare_cached(
            "SELECT holder, expires_at FROM leases WHERE name = ?1 AND expires_at > ?2",
        )?;
        Ok(st
            .query_row(params![name, now_ms()], |r| lease(name, r))
            .optional()?)
    }
}

fn ready<T: Send + 'static>(r: Result<T, StoreError>) -> StoreFuture<T> {
    Box::pin(std::future::ready(r))
}

impl LeaseStore for SqliteStore {
    fn lease_try_acquire(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> StoreFuture<Option<Lease>> {
        ready(SqliteStore::lease_try_acquire(self, name, holder, ttl))
    }
    fn lease_renew(&self, name: &str, holder: &str, ttl: Duration) -> StoreFuture<Option<Lease>> {
        ready(SqliteStore::lease_renew(self, name, holder, ttl))
    }
    fn lease_release(&self, name: &str, holder: &str) -> StoreFuture<bool> {
        ready(SqliteStore::lease_release(self, name, holder))
    }
    fn lease_holder(&self, name: &str) -> StoreFuture<Option<Lease>> {
        ready(SqliteStore::lease_holder(self, name))
    }
}
