//! The embedded backend: SQLite in WAL mode under the state directory, the only module that
//! knows SQL (or `rusqlite`).
//!
//! Sessions are rows; every message is its own appended row (never a growing blob); runs are
//! rows with status and usage. A write returns only after its transaction committed, and WAL
//! with `synchronous=NORMAL` keeps committed transactions across a process kill. Connections
//! are pooled so any thread can read or write; SQLite serialises writers itself.

mod checkpoint;
mod cluster;
mod cron;
mod dump;
mod inbox;
mod keys;
mod leases;
mod memory;
mod outbox;
mod readers;
mod responses;
mod schema;
mod traits;
mod transcripts;
mod writer;

use crate::providers::types::Role;
use crate::storage::{
    now_ms, RunRow, SessionPatch, SessionRow, StoreError, StoreFuture, StoredMessage,
};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

struct Inner {
    path: PathBuf,
    pool: Mutex<Vec<Connection>>,
    /// Serialises writers inside the process: a thread waits microseconds on this lock
    /// instead of SQLite's busy handler sleeping milliseconds on `SQLITE_BUSY`.
    write: Arc<Mutex<()>>,
    /// The group-commit writer (see `writer.rs`), started on the first contended write.
    writer: Mutex<Option<std::sync::mpsc::Sender<writer::WriteReq>>>,
    /// Threads for scanning reads (lists, counts, pages), started on first use.
    readers: readers::Readers,
    /// Where commit times go (the gateway's metrics), if anywhere.
    observer: Option<Arc<dyn crate::storage::CommitObserver>>,
    /// The owner's checkpointer (see `checkpoint.rs`); dropping it stops the thread.
    _checkpointer: Option<checkpoint::Checkpointer>,
    /// Whether connections leave checkpoints to the checkpointer.
    owner: bool,
}

/// Handle to the SQLite store; cheap to clone and usable from any thread.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Backend(e.to_string())
    }
}

/// How long a claimed idempotency key is remembered across restarts.
const IDEMPOTENCY_TTL_MS: i64 = 24 * 60 * 60 * 1000;

/// Connections kept idle in the pool.
const POOL_MAX_IDLE: usize = 16;

struct Pooled<'a> {
    store: &'a SqliteStore,
    conn: Option<Connection>,
}

impl std::ops::Deref for Pooled<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
            .as_ref()
            .expect("pooled connection present until drop")
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let (Some(c), Ok(mut pool)) = (self.conn.take(), self.store.inner.pool.lock()) {
            if pool.len() < POOL_MAX_IDLE {
                pool.push(c);
            }
        }
    }
}

/// Opens a connection; an owner's connections leave checkpoints to the checkpointer thread.
fn open_conn(path: &Path, owner: bool) -> Result<Connection, StoreError> {
    let c = Connection::open(path)?;
    c.busy_timeout(Duration::from_secs(10))?;
    c.execute_batch(&format!(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; PRAGMA journal_size_limit={};",
        checkpoint::JOURNAL_SIZE_LIMIT
    ))?;
    if owner {
        c.execute_batch("PRAGMA wal_autocheckpoint=0;")?;
    }
    Ok(c)
}

impl SqliteStore {
    /// Opens (creating if needed) `<state_dir>/clawgate.sqlite`, migrates it, and marks runs
    /// left `running` by a previous process as `interrupted`. Returns the store and how many
    /// runs were marked.
    pub fn open(state_dir: &Path) -> Result<(SqliteStore, usize), StoreError> {
        Self::open_as(state_dir, true, None)
    }

    /// [`SqliteStore::open`], reporting every commit's time to `observer`.
    pub fn open_observed(
        state_dir: &Path,
        observer: Option<Arc<dyn crate::storage::CommitObserver>>,
    ) -> Result<(SqliteStore, usize), StoreError> {
        Self::open_as(state_dir, true, observer)
    }

    /// Opens the store beside a gateway that may be running on it (`clawgate agent --local`):
    /// runs left `running` are that gateway's, so they are not touched.
    pub fn open_shared(state_dir: &Path) -> Result<SqliteStore, StoreError> {
        Self::open_as(state_dir, false, None).map(|(s, _)| s)
    }

    fn open_as(
        state_dir: &Path,
        owner: bool,
        observer: Option<Arc<dyn crate::storage::CommitObserver>>,
    ) -> Result<(SqliteStore, usize), StoreError> {
        crate::config::create_private_dir(state_dir).map_err(|source| StoreError::Dir {
            path: state_dir.to_path_buf(),
            source,
        })?;
        let path = state_dir.join("clawgate.sqlite");
        let conn = open_conn(&path, owner)?;
        // Transcripts are private: a state dir we create is 0700 (`create_private_dir`), the
        // database 0600 (SQLite gives its -wal/-shm files the database's mode).
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
        }
        schema::migrate(&conn)?;
        let interrupted = if owner {
            conn.execute(
                "UPDATE runs SET status='interrupted', ended_at=?1, error='gateway stopped while the run was in progress' WHERE status='running'",
                params![now_ms()],
            )?
        } else {
            0
        };
        let write = Arc::new(Mutex::new(()));
        let writer = Mutex::new(None);
        let checkpointer = match owner {
            true => Some(
                checkpoint::spawn(open_conn(&path, true)?).map_err(|source| StoreError::Dir {
                    path: path.clone(),
                    source,
                })?,
            ),
            false => None,
        };
        let store = SqliteStore {
            inner: Arc::new(Inner {
                path,
                pool: Mutex::new(vec![conn]),
                write,
                writer,
                readers: readers::Readers::default(),
                observer,
                _checkpointer: checkpointer,
                owner,
            }),
        };
        Ok((store, interrupted))
    }

    /// Path of the database file (for tests and diagnostics; never put in a reply).
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// What clients are told the store is: the backend and file name, never the directory.
    pub fn describe(&self) -> String {
        let name = self
            .inner
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        format!("sqlite:{name}")
    }

    fn write_guard(&self) -> std::sync::MutexGuard<'_, ()> {
        self.inner.write.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn conn(&self) -> Result<Pooled<'_>, StoreError> {
        let pooled = self.inner.pool.lock().ok().and_then(|mut p| p.pop());
        let conn = match pooled {
            Some(c) => c,
            None => open_conn(&self.inner.path, self.inner.owner)?,
        };
        Ok(Pooled {
            store: self,
            conn: Some(conn),
        })
    }

    /// Returns the session row, creating it when missing.
    pub fn ensure_session(&self, key: &str, agent_id: &str) -> Result<SessionRow, StoreError> {
        let c = self.conn()?;
        if let Some(row) = get_session(&c, key)? {
            return Ok(row);
        }
        let now = now_ms();
        let _w = self.write_guard();
        c.prepare_cached(
            "INSERT OR IGNORE INTO sessions(key, session_id, agent_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
        )?
        .execute(params![key, uuid::Uuid::now_v7().to_string(), agent_id, now])?;
        Ok(get_session(&c, key)?.expect("row inserted or present"))
    }

    /// The session row, if it exists.
    pub fn get_session(&self, key: &str) -> Result<Option<SessionRow>, StoreError> {
        let c = self.conn()?;
        get_session(&c, key)
    }

    /// Sessions ordered by most recent update, optionally for one agent.
    pub fn list_sessions(
        &self,
        agent_id: Option<&str>,
        limit: usize,
    ) -> Result<Vec<SessionRow>, StoreError> {
        let c = self.conn()?;
        let mut st = c.prepare_cached(&format!(
            "SELECT {SESSION_COLS} FROM sessions WHERE (?1 IS NULL OR agent_id = ?1) ORDER BY updated_at DESC, key LIMIT ?2"
        ))?;
        let rows = st.query_map(params![agent_id, limit as i64], session_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// See [`crate::storage::SessionStore::query_sessions`]. The SQL names only the filters
    /// given, so the page walks the `(updated_at DESC, key)` indexes and stops after `limit`
    /// rows, and the unfiltered total is SQLite's count of the smallest index (no row is read).
    pub fn query_sessions(
        &self,
        q: &crate::storage::SessionQuery,
    ) -> Result<(Vec<SessionRow>, i64), StoreError> {
        let c = self.conn()?;
        // `agent:<id>:<channel>:…`: the channel is the first segment after the agent id.
        let pattern = q.channel.as_ref().map(|ch| format!("agent:%:{ch}:%"));
        let mut terms: Vec<&str> = Vec::new();
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(a) = &q.agent_id {
            terms.push("agent_id = ?");
            args.push(a.clone().into());
        }
        if let Some(p) = pattern {
            terms.push("key LIKE ?");
            args.push(p.into());
        }
        if let Some(t) = q.updated_since {
            terms.push("updated_at >= ?");
            args.push(t.into());
        }
        let prefixes = format!(
            "({})",
            vec!["substr(key, 1, length(?)) = ?"; q.key_prefixes.len()].join(" OR ")
        );
        if !q.key_prefixes.is_empty() {
            terms.push(&prefixes);
            for p in &q.key_prefixes {
                args.push(p.clone().into());
                args.push(p.clone().into());
            }
        }
        let filter = if terms.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", terms.join(" AND "))
        };
        let mut page_args = args.clone();
        page_args.push((q.limit as i64).into());
        page_args.push((q.offset as i64).into());
        let mut st = c.prepare_cached(&format!(
            "SELECT {SESSION_COLS} FROM sessions{filter} ORDER BY updated_at DESC, key LIMIT ? OFFSET ?"
        ))?;
        let rows = st
            .query_map(rusqlite::params_from_iter(page_args), session_from_row)?
            .collect::<Result<_, _>>()?;
        let total = c
            .prepare_cached(&format!("SELECT COUNT(*) FROM sessions{filter}"))?
            .query_row(rusqlite::params_from_iter(args), |r| r.get(0))?;
        Ok((rows, total))
    }

    /// Number of sessions (of one agent, or all).
    pub fn count_sessions(&self, agent_id: Option<&str>) -> Result<i64, StoreError> {
        Ok(self.conn()?.query_row(
            "SELECT COUNT(*) FROM sessions WHERE (?1 IS NULL OR agent_id = ?1)",
            params![agent_id],
            |r| r.get(0),
        )?)
    }

    /// The last `limit` messages of a transcript, oldest first.
    pub fn load_messages(
        &self,
        session_id: &str,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let c = self.conn()?;
        let mut st = c.prepare_cached(
            "SELECT id, role, content, tool_calls, tool_call_id, run_id, created_at FROM messages WHERE session_id = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let mut rows: Vec<StoredMessage> = st
            .query_map(params![session_id, limit as i64], |r| {
                let tool_calls: Option<String> = r.get(3)?;
                Ok(StoredMessage {
                    id: r.get(0)?,
                    role: Role::parse(&r.get::<_, String>(1)?).unwrap_or(Role::System),
                    content: r.get(2)?,
                    tool_calls: tool_calls
                        .and_then(|t| serde_json::from_str(&t).ok())
                        .unwrap_or_default(),
                    tool_call_id: r.get(4)?,
                    run_id: r.get(5)?,
                    created_at: r.get(6)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        rows.reverse();
        Ok(rows)
    }

    /// Runs `f` inside one write transaction (writers serialised in-process), committed before
    /// returning.
    fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let _w = self.write_guard();
        let mut c = self.conn()?;
        let tx = c
            .conn
            .as_mut()
            .expect("pooled connection present")
            .transaction()?;
        let out = f(&tx)?;
        self.commit(tx)?;
        Ok(out)
    }

    /// Runs `job` in its own transaction. Uncontended, it runs right here (no thread hop);
    /// when another write holds the lock it is queued for the group-commit writer, which runs
    /// everything queued meanwhile in one transaction. Resolves once committed.
    fn write_async(&self, job: writer::Job) -> StoreFuture<()> {
        if let Ok(guard) = self.inner.write.try_lock() {
            let result = (|| {
                let mut c = self.conn()?;
                let tx = c
                    .conn
                    .as_mut()
                    .expect("pooled connection present")
                    .transaction()?;
                job(&tx)?;
                self.commit(tx)?;
                Ok(())
            })();
            drop(guard);
            return Box::pin(std::future::ready(result));
        }
        let (done, rx) = tokio::sync::oneshot::channel();
        let sent = self.writer().and_then(|w| {
            w.send(writer::WriteReq { job, done })
                .map_err(|_| StoreError::Commit("the store writer has stopped".into()))
        });
        Box::pin(async move {
            sent?;
            rx.await
                .map_err(|_| StoreError::Commit("the store writer has stopped".into()))?
        })
    }

    /// Commits an inline transaction, timing the commit for the observer.
    fn commit(&self, tx: rusqlite::Transaction<'_>) -> Result<(), StoreError> {
        let t = std::time::Instant::now();
        tx.commit()?;
        if let Some(o) = &self.inner.observer {
            o.committed(t.elapsed(), false, 1);
        }
        Ok(())
    }

    /// The writer thread's queue, starting the thread on first use.
    fn writer(&self) -> Result<std::sync::mpsc::Sender<writer::WriteReq>, StoreError> {
        let mut slot = self.inner.writer.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(w) = slot.as_ref() {
            return Ok(w.clone());
        }
        let w = writer::spawn(
            open_conn(&self.inner.path, self.inner.owner)?,
            self.inner.write.clone(),
            self.inner.observer.clone(),
        )
        .map_err(|source| StoreError::Dir {
            path: self.inner.path.clone(),
            source,
        })?;
        *slot = Some(w.clone());
        Ok(w)
    }

    /// A run's row.
    pub fn get_run(&self, run_id: &str) -> Result<Option<RunRow>, StoreError> {
        let c = self.conn()?;
        let row = c.prepare_cached("SELECT run_id, session_key, status, started_at, ended_at, error FROM runs WHERE run_id = ?1")?
            .query_row(params![run_id], |r| {
                Ok(RunRow {
                    run_id: r.get(0)?,
                    session_key: r.get(1)?,
                    status: r.get(2)?,
                    started_at: r.get(3)?,
                    ended_at: r.get(4)?,
                    error: r.get(5)?,
                })
            })
            .optional()?;
        Ok(row)
    }

    /// See [`crate::storage::RunStore::claim_idempotency`].
    pub fn claim_idempotency(
        &self,
        credential: &str,
        key: &str,
        want: &str,
    ) -> Result<crate::storage::IdempotencyClaim, StoreError> {
        self.write(|tx| {
            let now = now_ms();
            tx.prepare_cached("DELETE FROM idempotency WHERE created_at < ?1")?
                .execute(params![now - IDEMPOTENCY_TTL_MS])?;
            let found: Option<(String, Option<String>)> = tx
                .prepare_cached(
                    "SELECT run_id, record FROM idempotency WHERE credential = ?1 AND key = ?2",
                )?
                .query_row(params![credential, key], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            if let Some((run_id, record)) = found {
                return Ok(crate::storage::IdempotencyClaim {
                    run_id,
                    fresh: false,
                    record,
                });
            }
            let taken: bool = tx
                .prepare_cached("SELECT EXISTS(SELECT 1 FROM runs WHERE run_id = ?1) OR EXISTS(SELECT 1 FROM idempotency WHERE run_id = ?1)")?
                .query_row(params![want], |r| r.get(0))?;
            let run_id = if taken {
                crate::core::ids::new_run_id("run_")
            } else {
                want.to_string()
            };
            tx.prepare_cached("INSERT INTO idempotency(credential, key, run_id, created_at) VALUES (?1, ?2, ?3, ?4)")?
                .execute(params![credential, key, run_id, now])?;
            Ok(crate::storage::IdempotencyClaim {
                run_id,
                fresh: true,
                record: None,
            })
        })
    }

    /// See [`crate::storage::RunStore::complete_idempotency`].
    pub fn complete_idempotency(
        &self,
        credential: &str,
        key: &str,
        record: &str,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.prepare_cached(
                "UPDATE idempotency SET record = ?3 WHERE credential = ?1 AND key = ?2",
            )?
            .execute(params![credential, key, record])?;
            Ok(())
        })
    }

    /// Starts a new transcript for a session (the old one stays in the store). Returns the
    /// updated row, or `None` when the session does not exist.
    pub fn reset_session(&self, key: &str) -> Result<Option<SessionRow>, StoreError> {
        let _w = self.write_guard();
        let c = self.conn()?;
        c.prepare_cached("UPDATE sessions SET session_id = ?2, updated_at = ?3, message_count = 0 WHERE key = ?1")?
            .execute(params![key, uuid::Uuid::now_v7().to_string(), now_ms()])?;
        get_session(&c, key)
    }

    /// Deletes a session and its messages; `true` when it existed.
    pub fn delete_session(&self, key: &str) -> Result<bool, StoreError> {
        let _w = self.write_guard();
        let mut c = self.conn()?;
        let tx = c
            .conn
            .as_mut()
            .expect("pooled connection present")
            .transaction()?;
        tx.execute("DELETE FROM messages WHERE session_key = ?1", params![key])?;
        let n = tx.execute("DELETE FROM sessions WHERE key = ?1", params![key])?;
        tx.commit()?;
        Ok(n > 0)
    }

    /// Sets (or clears) the label, model and thinking overrides of a session.
    pub fn patch_session(
        &self,
        key: &str,
        patch: &SessionPatch,
    ) -> Result<Option<SessionRow>, StoreError> {
        let _w = self.write_guard();
        let c = self.conn()?;
        let SessionPatch {
            label,
            model,
            thinking_level: thinking,
        } = patch;
        if let Some(v) = label {
            c.execute(
                "UPDATE sessions SET label = ?2 WHERE key = ?1",
                params![key, v],
            )?;
        }
        if let Some(v) = model {
            c.execute(
                "UPDATE sessions SET model = ?2 WHERE key = ?1",
                params![key, v],
            )?;
        }
        if let Some(v) = thinking {
            c.execute(
                "UPDATE sessions SET thinking_level = ?2 WHERE key = ?1",
                params![key, v],
            )?;
        }
        c.execute(
            "UPDATE sessions SET updated_at = ?2 WHERE key = ?1",
            params![key, now_ms()],
        )?;
        get_session(&c, key)
    }

    /// Reads a value from the key-value table.
    pub fn kv_get(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()?
            .prepare_cached("SELECT value FROM kv WHERE key = ?1")?
            .query_row(params![key], |r| r.get(0))
            .optional()?)
    }

    /// Writes a value to the key-value table.
    pub fn kv_put(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let _w = self.write_guard();
        self.conn()?
            .prepare_cached("INSERT INTO kv(key, value, updated_at) VALUES (?1, ?2, ?3) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")?
            .execute(params![key, value, now_ms()])?;
        Ok(())
    }
}

const SESSION_COLS: &str = "key, session_id, agent_id, label, created_at, updated_at, message_count, input_tokens, output_tokens, total_tokens, model, thinking_level";

fn session_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SessionRow> {
    Ok(SessionRow {
        key: r.get(0)?,
        session_id: r.get(1)?,
        agent_id: r.get(2)?,
        label: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
        message_count: r.get(6)?,
        input_tokens: r.get(7)?,
        output_tokens: r.get(8)?,
        total_tokens: r.get(9)?,
        model: r.get(10)?,
        thinking_level: r.get(11)?,
    })
}

fn get_session(c: &Connection, key: &str) -> Result<Option<SessionRow>, StoreError> {
    Ok(c.prepare_cached(&format!(
        "SELECT {SESSION_COLS} FROM sessions WHERE key = ?1"
    ))?
    .query_row(params![key], session_from_row)
    .optional()?)
}

#[cfg(test)]
mod tests;
