//! Copying every [`MIGRATED_TABLES`] table from one store to another (`clawgate storage
//! migrate`), through [`DumpStore`] only: no SQL here.

use super::{Storage, StoreError, MIGRATED_TABLES};

/// One copied table: rows read from the source and counted in the target afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCopy {
    /// Table name.
    pub table: &'static str,
    /// Rows in the source.
    pub source: u64,
    /// Rows in the target after the copy.
    pub target: u64,
}

/// Why a copy did not happen or did not verify.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The target already holds rows (and `force` was not given).
    #[error(
        "the target is not empty ({table} has {rows} rows); pass --force to copy into it anyway"
    )]
    NotEmpty {
        /// First non-empty table.
        table: &'static str,
        /// Its rows.
        rows: u64,
    },
    /// A table's row counts differ after the copy.
    #[error("{table}: {source_rows} rows in the source but {target_rows} in the target")]
    Mismatch {
        /// Table.
        table: &'static str,
        /// Source rows.
        source_rows: u64,
        /// Target rows.
        target_rows: u64,
    },
    /// A store failed.
    #[error("{table}: {error}")]
    Store {
        /// Table.
        table: &'static str,
        /// Cause.
        error: StoreError,
    },
}

/// Copies every migrated table from `from` into `to`, table by table, calling `done` after
/// each; refuses a non-empty target unless `force`; verifies each table's row count.
pub async fn copy_all(
    from: &dyn Storage,
    to: &dyn Storage,
    force: bool,
    mut done: impl FnMut(&TableCopy),
) -> Result<Vec<TableCopy>, MigrateError> {
    let store = |table| move |error| MigrateError::Store { table, error };
    if !force {
        for &table in MIGRATED_TABLES {
            let rows = to.count_rows(table).await.map_err(store(table))?;
            if rows > 0 {
                return Err(MigrateError::NotEmpty { table, rows });
            }
        }
    }
    let mut out = Vec::new();
    for &table in MIGRATED_TABLES {
        let rows = from.dump_table(table).await.map_err(store(table))?;
        let source = rows.len() as u64;
        let before = to.count_rows(table).await.map_err(store(table))?;
        to.load_table(table, rows).await.map_err(store(table))?;
        let target = to.count_rows(table).await.map_err(store(table))? - before;
        let c = TableCopy {
            table,
            source,
            target,
        };
        done(&c);
        if source != target {
            return Err(MigrateError::Mismatch {
                table,
                source_rows: source,
                target_rows: target,
            });
        }
        out.push(c);
    }
    Ok(out)
}
