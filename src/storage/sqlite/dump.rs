//! Whole-table dump and load for `clawgate storage migrate` (see
//! [`crate::storage::DumpStore`]). Table names come only from
//! [`crate::storage::MIGRATED_TABLES`]; column names from the table's own schema.

use super::{SqliteStore, StoreError};
use crate::storage::{migrated_table, DumpRow, DumpStore, StoreFuture};
use rusqlite::types::{Value as Sql, ValueRef};
use serde_json::Value;

fn now<T: Send + 'static>(r: Result<T, StoreError>) -> StoreFuture<T> {
    Box::pin(std::future::ready(r))
}

/// A column value as JSON (blobs as PostgreSQL's bytea hex text).
fn to_json(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => Value::from(f),
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => {
            let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
            Value::String(format!("\\x{hex}"))
        }
    }
}

/// A JSON value as a column value (nested JSON is stored as its text).
fn to_sql(v: &Value) -> Sql {
    match v {
        Value::Null => Sql::Null,
        Value::Bool(b) => Sql::Integer(i64::from(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Sql::Integer(i),
            None => Sql::Real(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => Sql::Text(s.clone()),
        other => Sql::Text(other.to_string()),
    }
}

/// The table's column names, in schema order.
fn columns(c: &rusqlite::Connection, table: &str) -> Result<Vec<String>, StoreError> {
    let st = c.prepare(&format!("SELECT * FROM \"{table}\" LIMIT 0"))?;
    let names = st.column_names().iter().map(|s| s.to_string()).collect();
    Ok(names)
}

impl SqliteStore {
    fn dump(&self, table: &str) -> Result<Vec<DumpRow>, StoreError> {
        let table = migrated_table(table)?;
        let c = self.conn()?;
        let cols = columns(&c, table)?;
        let mut st = c.prepare(&format!("SELECT * FROM \"{table}\" ORDER BY rowid"))?;
        let mut rows = st.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut m = DumpRow::new();
            for (i, name) in cols.iter().enumerate() {
                m.insert(name.clone(), to_json(r.get_ref(i)?));
            }
            out.push(m);
        }
        Ok(out)
    }

    fn load(&self, table: &str, rows: Vec<DumpRow>) -> Result<u64, StoreError> {
        let table = migrated_table(table)?;
        let cols = {
            let c = self.conn()?;
            columns(&c, table)?
        };
        let mut n = 0u64;
        for batch in rows.chunks(1000) {
            n += self.write(|tx| {
                let mut done = 0u64;
                for row in batch {
                    // Only the columns this schema has and the row carries.
                    let present: Vec<&String> =
                        cols.iter().filter(|c| row.contains_key(*c)).collect();
                    let names: Vec<String> = present.iter().map(|c| format!("\"{c}\"")).collect();
                    let marks: Vec<String> = (1..=present.len()).map(|i| format!("?{i}")).collect();
                    let sql = format!(
                        "INSERT INTO \"{table}\" ({}) VALUES ({})",
                        names.join(", "),
                        marks.join(", ")
                    );
                    let values: Vec<Sql> = present.iter().map(|c| to_sql(&row[*c])).collect();
                    tx.prepare_cached(&sql)?
                        .execute(rusqlite::params_from_iter(values))?;
                    done += 1;
                }
                Ok(done)
            })?;
        }
        Ok(n)
    }

    fn count(&self, table: &str) -> Result<u64, StoreError> {
        let table = migrated_table(table)?;
        let n: i64 =
            self.conn()?
                .query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| {
                    r.get(0)
                })?;
        Ok(n as u64)
    }
}

impl DumpStore for SqliteStore {
    fn dump_table(&self, table: &str) -> StoreFuture<Vec<DumpRow>> {
        now(self.dump(table))
    }
    fn load_table(&self, table: &str, rows: Vec<DumpRow>) -> StoreFuture<u64> {
        now(self.load(table, rows))
    }
    fn count_rows(&self, table: &str) -> StoreFuture<u64> {
        now(self.count(table))
    }
}
