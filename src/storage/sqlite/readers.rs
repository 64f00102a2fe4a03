//! Threads for reads that scan (lists, counts, run-log pages), so they never hold an actix
//! thread. Started on first use; they end when the store is dropped.

use crate::storage::{StoreError, StoreFuture};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

/// Reader threads.
const READERS: usize = 2;

type Job = Box<dyn FnOnce() + Send>;

/// The pool's queue.
#[derive(Default)]
pub(super) struct Readers {
    tx: Mutex<Option<mpsc::Sender<Job>>>,
}

impl Readers {
    /// Runs `f` on a reader thread; resolves with its result.
    pub(super) fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
    ) -> StoreFuture<T> {
        let (done, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(f());
        });
        let sent = self.sender().and_then(|tx| {
            tx.send(job)
                .map_err(|_| StoreError::Backend("the store readers have stopped".into()))
        });
        Box::pin(async move {
            sent?;
            rx.await
                .map_err(|_| StoreError::Backend("the store readers have stopped".into()))?
        })
    }

    fn sender(&self) -> Result<mpsc::Sender<Job>, StoreError> {
        let mut slot = self.tx.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(tx) = slot.as_ref() {
            return Ok(tx.clone());
        }
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..READERS {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("clawgate-store-reader-{i}"))
                .spawn(move || loop {
                    let job = match rx.lock() {
                        Ok(r) => r.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                })
                .map_err(|e| StoreError::Backend(format!("cannot start a store reader: {e}")))?;
        }
        *slot = Some(tx.clone());
        Ok(tx)
    }
}
