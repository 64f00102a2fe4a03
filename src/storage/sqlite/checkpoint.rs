//! WAL checkpoints off the request path.
//!
//! SQLite's automatic checkpoint runs inside whichever commit pushes the WAL past 1,000 pages,
//! so one turn in a few hundred paid for copying the WAL into the database: that is where the
//! gateway's p99 came from. The owning gateway turns the automatic checkpoint off on its
//! connections and runs a `PASSIVE` checkpoint (never blocks writers or readers) on this thread
//! once a second instead, plus a `TRUNCATE` one when the store is dropped.
//! `journal_size_limit` makes SQLite cut the WAL file back to 64 MiB whenever it restarts it, so
//! a burst never leaves a file of gigabytes behind.

use rusqlite::Connection;
use std::sync::mpsc;
use std::time::Duration;

/// Bytes the WAL file is truncated to when SQLite restarts it.
pub(super) const JOURNAL_SIZE_LIMIT: i64 = 64 * 1024 * 1024;

/// How often the checkpointer runs.
const EVERY: Duration = Duration::from_secs(1);

/// Pages in the WAL and pages of it copied into the database by one checkpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checkpointed {
    /// Frames in the WAL.
    pub wal_pages: i64,
    /// Frames copied back into the database.
    pub checkpointed_pages: i64,
}

/// Runs one checkpoint of `mode` (`PASSIVE` or `TRUNCATE`).
pub(super) fn checkpoint(conn: &Connection, mode: &str) -> rusqlite::Result<Checkpointed> {
    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
        Ok(Checkpointed {
            wal_pages: r.get(1)?,
            checkpointed_pages: r.get(2)?,
        })
    })
}

/// The running checkpointer; dropping it stops the thread after a final `TRUNCATE` checkpoint
/// and waits for that (so a stopped gateway leaves an empty WAL).
pub(super) struct Checkpointer {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts the checkpointer on its own connection.
pub(super) fn spawn(conn: Connection) -> std::io::Result<Checkpointer> {
    let (stop, stopped) = mpsc::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("clawgate-store-checkpoint".into())
        .spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
                if let Err(e) = checkpoint(&conn, "PASSIVE") {
                    tracing::warn!(error = %e, "store checkpoint failed");
                }
            }
            let _ = checkpoint(&conn, "TRUNCATE");
        })?;
    Ok(Checkpointer {
        stop: Some(stop),
        thread: Some(thread),
    })
}
