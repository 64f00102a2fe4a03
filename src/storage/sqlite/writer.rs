//! Group commit: one thread owns a write connection, takes every write queued while it was busy
//! and runs them together in one transaction (each in its own savepoint, so one failing write
//! does not undo the others). Under load many turns share one WAL commit; callers await the
//! commit without blocking their thread.

use super::StoreError;
use rusqlite::Connection;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

/// Writes taken into one transaction at most.
const MAX_BATCH: usize = 128;

/// A write to run inside the batch transaction.
pub(super) type Job = Box<dyn FnOnce(&Connection) -> Result<(), StoreError> + Send>;

/// A queued write and where its result goes.
pub(super) struct WriteReq {
    pub(super) job: Job,
    pub(super) done: tokio::sync::oneshot::Sender<Result<(), StoreError>>,
}

/// Starts the writer thread; it ends when every sender is dropped.
pub(super) fn spawn(
    mut conn: Connection,
    lock: Arc<Mutex<()>>,
    observer: Option<Arc<dyn crate::storage::CommitObserver>>,
) -> std::io::Result<mpsc::Sender<WriteReq>> {
    let (tx, rx) = mpsc::channel::<WriteReq>();
    std::thread::Builder::new()
        .name("clawgate-store-writer".into())
        .spawn(move || {
            while let Ok(first) = rx.recv() {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(r) => batch.push(r),
                        Err(_) => break,
                    }
                }
                let _guard = lock.lock().unwrap_or_else(|e| e.into_inner());
                run_batch(&mut conn, batch, observer.as_deref());
            }
        })?;
    Ok(tx)
}

fn run_batch(
    conn: &mut Connection,
    batch: Vec<WriteReq>,
    observer: Option<&dyn crate::storage::CommitObserver>,
) {
    let mut tx = match conn.transaction() {
        Ok(t) => t,
        Err(e) => {
            for r in batch {
                let _ = r.done.send(Err(StoreError::Commit(e.to_string())));
            }
            return;
        }
    };
    let mut outcomes = Vec::with_capacity(batch.len());
    for req in batch {
        let result = match tx.savepoint() {
            Ok(sp) => {
                let r = (req.job)(&sp);
                match r {
                    Ok(()) => sp.commit().map_err(StoreError::from),
                    Err(e) => Err(e), // dropping the savepoint rolls this write back
                }
            }
            Err(e) => Err(StoreError::from(e)),
        };
        outcomes.push((req.done, result));
    }
    let writes = outcomes.len();
    let started = std::time::Instant::now();
    let committed = tx.commit();
    if let (Some(o), Ok(())) = (observer, &committed) {
        o.committed(started.elapsed(), true, writes);
    }
    match committed {
        Ok(()) => {
            for (done, r) in outcomes {
                let _ = done.send(r);
            }
        }
        Err(e) => {
            let msg = e.to_string();
            for (done, _) in outcomes {
                let _ = done.send(Err(StoreError::Commit(msg.clone())));
            }
        }
    }
}
