//! Whole-table dump and load for `clawgate storage migrate` (see
//! [`crate::storage::DumpStore`]). Table names come only from
//! [`crate::storage::MIGRATED_TABLES`]; column names only from the table's own catalog.
//! A load inserts each batch of rows with `json_populate_recordset` in one transaction, then
//! moves the table's `BIGSERIAL` sequences past the largest id loaded.

use super::{pg_err, PgStore};
use crate::storage::{migrated_table, DumpRow, DumpStore, StoreError, StoreFuture};
use deadpool_postgres::GenericClient;

/// Rows per insert transaction.
const BATCH: usize = 1000;

/// The table's columns in schema order, and which of them own a sequence.
async fn columns(c: &impl GenericClient, table: &str) -> Result<Vec<(String, bool)>, StoreError> {
    let rows = c
        .query(
            "SELECT column_name::text, coalesce(column_default, '') LIKE 'nextval(%' \
             FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            &[&table],
        )
        .await
        .map_err(pg_err)?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

impl DumpStore for PgStore {
    fn dump_table(&self, table: &str) -> StoreFuture<Vec<DumpRow>> {
        let table = migrated_table(table);
        self.run(move |s| async move {
            let table = table?;
            let c = s.conn().await?;
            let rows = c
                .query(
                    &format!("SELECT row_to_json(t)::text FROM \"{table}\" t ORDER BY ctid"),
                    &[],
                )
                .await
                .map_err(pg_err)?;
            rows.iter()
                .map(|r| {
                    serde_json::from_str::<DumpRow>(r.get::<_, &str>(0))
                        .map_err(|e| StoreError::Backend(format!("{table}: row: {e}")))
                })
                .collect()
        })
    }

    fn load_table(&self, table: &str, rows: Vec<DumpRow>) -> StoreFuture<u64> {
        let table = migrated_table(table);
        self.run(move |s| async move {
            let table = table?;
            if rows.is_empty() {
                return Ok(0);
            }
            let mut c = s.conn().await?;
            let cols = columns(&c, table).await?;
            // Only the columns the rows carry: one the source lacks keeps its default
            // (`cron_jobs.seq` numbers the jobs in load order).
            let carried: Vec<String> = cols
                .iter()
                .filter(|(name, _)| rows.first().is_some_and(|r| r.contains_key(name)))
                .map(|(name, _)| format!("\"{name}\""))
                .collect();
            let list = carried.join(", ");
            let sql = format!(
                "INSERT INTO \"{table}\" ({list}) SELECT {list} FROM json_populate_recordset(NULL::\"{table}\", $1::text::json)"
            );
            let mut n = 0u64;
            for batch in rows.chunks(BATCH) {
                let body = serde_json::to_string(batch)
                    .map_err(|e| StoreError::Backend(format!("{table}: {e}")))?;
                let tx = c.transaction().await.map_err(pg_err)?;
                n += tx.execute(&sql, &[&body]).await.map_err(pg_err)?;
                s.commit(tx).await?;
            }
            for (name, _) in cols.iter().filter(|(_, serial)| *serial) {
                c.execute(
                    &format!(
                        "SELECT setval(pg_get_serial_sequence($1, $2), max(\"{name}\")) FROM \"{table}\" HAVING max(\"{name}\") IS NOT NULL"
                    ),
                    &[&table, &name.as_str()],
                )
                .await
                .map_err(pg_err)?;
            }
            Ok(n)
        })
    }

    fn count_rows(&self, table: &str) -> StoreFuture<u64> {
        let table = migrated_table(table);
        self.run(move |s| async move {
            let table = table?;
            let c = s.conn().await?;
            let n: i64 = c
                .query_one(&format!("SELECT count(*) FROM \"{table}\""), &[])
                .await
                .map_err(pg_err)?
                .get(0);
            Ok(n as u64)
        })
    }
}
