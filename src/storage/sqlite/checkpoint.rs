//! WAL checkpoints off the request path.
//!
//! SQLite's automatic checkpoint runs inside whichever commit pushes the WAL past 1,000 pages,
//! so one turn in a few hundred paid for copying the WAL into the database: that is where the
//! gateway's p99 came from. The owning gateway turns the automatic checkpoint off on its
//! connections and runs a `PASSIVE` checkpoint (never blocks writers or readers) on this thread
//! once a second instead, plus a `TRUNCATE` one when the store is dropped.
//! `journal_size_limit` makes SQLite cut the WAL file back to 64 MiB whenever it restarts it, so
//! a burst never leaves a file of gigabytes behind.
//!
//! A `PASSIVE` checkpoint copies frames but cannot let the next writer restart the WAL while any
//! reader still uses it, and under steady load (turns plus `GET /v1/sessions`) some reader
//! always does: the WAL grew past 1.2 GB in ten seconds of the benchmark's sessions-list figure,
//! and the checkpoint that finally caught up (copying and syncing all of it) stalled every turn
//! behind it for hundreds of milliseconds ("checkpoint starvation" in SQLite's WAL docs). So when
//! a passive checkpoint leaves more than [`RESTART_AT_PAGES`] in the WAL, the checkpointer follows
//! it with a `RESTART` one, which waits (at most [`RESTART_WAIT`], writers held meanwhile) for the
//! readers of older snapshots to finish so the next writer starts the WAL from its beginning.

use rusqlite::Connection;
use std::sync::mpsc;
use std::time::Duration;

/// Bytes the WAL file is truncated to when SQLite restarts it.
pub(super) const JOURNAL_SIZE_LIMIT: i64 = 64 * 1024 * 1024;

/// How often the checkpointer runs.
const EVERY: Duration = Duration::from_secs(1);

/// WAL frames (pages, 4 KiB each) left after a passive checkpoint above which the checkpointer
/// restarts the WAL (16 MiB: about a second of writes at full load).
pub(super) const RESTART_AT_PAGES: i64 = 4096;

/// Longest a `RESTART` checkpoint waits for readers (writers wait behind it meanwhile); when
/// it runs out the WAL is restarted at a later tick instead.
const RESTART_WAIT: Duration = Duration::from_millis(100);

/// Busy timeout of the final checkpoint when the store is dropped.
const FINAL_WAIT: Duration = Duration::from_secs(10);

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

/// One tick of the checkpointer: a `PASSIVE` checkpoint, then a `RESTART` one when the first
/// left more than [`RESTART_AT_PAGES`] frames in the WAL (readers kept it from being reset).
/// Answers the last checkpoint's figures.
pub(super) fn tick(conn: &Connection) -> rusqlite::Result<Checkpointed> {
    let passive = checkpoint(conn, "PASSIVE")?;
    if passive.wal_pages <= RESTART_AT_PAGES {
        return Ok(passive);
    }
    match checkpoint(conn, "RESTART") {
        Ok(c) => Ok(c),
        // Readers or a writer held on past the wait: try again at the next tick.
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::DatabaseBusy =>
        {
            Ok(passive)
        }
        Err(e) => Err(e),
    }
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
            let _ = conn.busy_timeout(RESTART_WAIT);
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
                if let Err(e) = tick(&conn) {
                    tracing::warn!(error = %e, "store checkpoint failed");
                }
            }
            let _ = conn.busy_timeout(FINAL_WAIT);
            let _ = checkpoint(&conn, "TRUNCATE");
        })?;
    Ok(Checkpointer {
        stop: Some(stop),
        thread: Some(thread),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn open(path: &std::path::Path) -> Connection {
        let c = Connection::open(path).unwrap();
        c.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0;",
        )
        .unwrap();
        c
    }

    /// Frames in the WAL right now (a passive checkpoint of nothing new reports the log size).
    fn wal_frames(c: &Connection) -> i64 {
        checkpoint(c, "PASSIVE").unwrap().wal_pages
    }

    fn write_pages(w: &Connection, n: usize) {
        for _ in 0..n {
            w.execute("INSERT INTO t (b) VALUES (zeroblob(4000))", [])
                .unwrap();
        }
    }

    fn read(c: &Connection) {
        c.execute_batch("BEGIN").unwrap();
        let _: i64 = c
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
    }

    /// A reader of an old snapshot, ended from inside the checkpointer's busy handler: a short
    /// read transaction that finishes while the `RESTART` checkpoint waits for it.
    static LAGGING_READER: Mutex<Option<Connection>> = Mutex::new(None);

    fn end_lagging_reader(_attempt: i32) -> bool {
        if let Some(r) = LAGGING_READER.lock().unwrap().take() {
            r.execute_batch("COMMIT").unwrap();
        }
        true
    }

    #[test]
    fn overlapping_readers_keep_a_passive_checkpoint_from_resetting_the_wal_and_a_tick_resets_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let (w, r1, r2) = (open(&path), open(&path), open(&path));
        let cp = open(&path);
        w.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)")
            .unwrap();

        // Readers overlap as they do under load: one always holds a snapshot in the WAL.
        write_pages(&w, (RESTART_AT_PAGES as usize) + 500);
        read(&r1);
        write_pages(&w, 10);
        read(&r2);
        r1.execute_batch("COMMIT").unwrap();
        let passive = checkpoint(&cp, "PASSIVE").unwrap();
        assert_eq!(passive.wal_pages, passive.checkpointed_pages, "all copied");
        write_pages(&w, 1);
        assert!(
            wal_frames(&cp) > RESTART_AT_PAGES,
            "a reader on the WAL kept the next writer from restarting it"
        );

        // A reader that never finishes within the wait: the tick gives up, without an error.
        cp.busy_timeout(Duration::from_millis(20)).unwrap();
        let busy = tick(&cp).unwrap();
        assert!(busy.wal_pages > RESTART_AT_PAGES, "{busy:?}");

        // A reader that finishes while the restart waits: the WAL starts over.
        *LAGGING_READER.lock().unwrap() = Some(r2);
        cp.busy_handler(Some(end_lagging_reader)).unwrap();
        tick(&cp).unwrap();
        assert!(LAGGING_READER.lock().unwrap().is_none(), "the tick waited");
        write_pages(&w, 1);
        assert!(wal_frames(&cp) < 10, "the next write started the WAL over");
    }
}
