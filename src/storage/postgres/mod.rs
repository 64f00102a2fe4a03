//! The PostgreSQL backend: the same traits as the embedded SQLite store, for gateways that
//! keep their state in a database server (see `docs/scale-out.md`).
//!
//! The driver is `tokio-postgres` with a `deadpool-postgres` pool. The pool and its
//! connection tasks live on a small runtime of their own (one named thread), so the store
//! does not depend on the caller's runtime: actix workers run single-threaded runtimes of
//! their own, and each trait method spawns its work onto this runtime's handle and awaits the
//! result, which keeps the futures `Send + 'static` wherever they are polled. Statements are
//! prepared once per connection (`prepare_cached`); an operation that writes more than one
//! row runs in one transaction, and a write returns only after it committed. PostgreSQL
//! batches concurrent commits into one WAL flush itself, so no writer thread is needed.
//!
//! The URL may carry a password: it is never logged or shown; [`PgStore::describe`] says
//! only `postgres:<dbname>`.

mod cluster;
mod cron;
mod dump;
mod inbox;
mod keys;
mod leases;
mod memory;
mod outbox;
mod responses_kv;
mod schema;
mod sessions;
mod transcripts;

use crate::storage::{now_ms, CommitObserver, StoreError, StoreFuture};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;

/// Connections the pool opens at most.
const POOL_SIZE: usize = 16;

/// How long opening a connection may take (unless the URL sets `connect_timeout`).
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// How long a caller waits for a free connection before the operation fails.
const WAIT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Turns a driver error into a store error with the server's message (never the URL).
pub(crate) fn pg_err(e: tokio_postgres::Error) -> StoreError {
    match e.as_db_error() {
        Some(db) => {
            StoreError::Backend(format!("postgres: {} ({})", db.message(), db.code().code()))
        }
        None => {
            let cause = std::error::Error::source(&e)
                .map(|s| format!(": {s}"))
                .unwrap_or_default();
            StoreError::Backend(format!("postgres: {e}{cause}"))
        }
    }
}

fn pool_err(e: deadpool_postgres::PoolError) -> StoreError {
    match e {
        deadpool_postgres::PoolError::Backend(e) => pg_err(e),
        other => StoreError::Backend(format!("postgres pool: {other}")),
    }
}

/// Stops the store's runtime thread when the last handle is dropped.
struct RuntimeThread {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for RuntimeThread {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

struct Inner {
    pool: Pool,
    rt: tokio::runtime::Handle,
    dbname: String,
    observer: Option<Arc<dyn CommitObserver>>,
    _thread: RuntimeThread,
}

/// Handle to the PostgreSQL store; cheap to clone and usable from any thread or runtime.
#[derive(Clone)]
pub struct PgStore {
    inner: Arc<Inner>,
}

/// A pooled connection.
type Conn = deadpool_postgres::Object;

/// Starts the store's runtime on its own thread and returns its handle.
fn start_runtime() -> Result<(tokio::runtime::Handle, RuntimeThread), StoreError> {
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (handle_tx, handle_rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("clawgate-postgres".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = handle_tx.send(Err(e.to_string()));
                    return;
                }
            };
            let _ = handle_tx.send(Ok(rt.handle().clone()));
            // Drives every spawned query and connection task until the store is dropped.
            rt.block_on(async {
                let _ = stop_rx.await;
            });
        })
        .map_err(|e| StoreError::Backend(format!("postgres runtime thread: {e}")))?;
    let handle = handle_rx
        .recv()
        .map_err(|_| StoreError::Backend("postgres runtime did not start".into()))?
        .map_err(|e| StoreError::Backend(format!("postgres runtime: {e}")))?;
    Ok((
        handle,
        RuntimeThread {
            stop: Some(stop_tx),
        },
    ))
}

impl PgStore {
    /// Connects to `url` (`postgres://user:password@host:port/dbname`), migrates the schema,
    /// and, when `owner`, marks runs left `running` as interrupted (the count is returned).
    /// Blocks the calling thread until the database answered.
    pub fn open(
        url: &str,
        owner: bool,
        observer: Option<Arc<dyn CommitObserver>>,
    ) -> Result<(PgStore, usize), StoreError> {
        // The parser's message never contains the URL.
        let mut config = tokio_postgres::Config::from_str(url).map_err(|e| {
            StoreError::Backend(format!("storage.url is not a PostgreSQL URL: {e}"))
        })?;
        let dbname = config
            .get_dbname()
            .or(config.get_user())
            .unwrap_or("postgres")
            .to_string();
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let (rt, thread) = start_runtime()?;
        let manager = Manager::from_config(
            config,
            tokio_postgres::NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(WAIT_TIMEOUT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|e| StoreError::Backend(format!("postgres pool: {e}")))?;
        let store = PgStore {
            inner: Arc::new(Inner {
                pool,
                rt,
                dbname,
                observer,
                _thread: thread,
            }),
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let s = store.clone();
        store.inner.rt.spawn(async move {
            let r: Result<usize, StoreError> = async {
                let mut c = s.conn().await?;
                schema::migrate(&mut c).await?;
                if !owner {
                    return Ok(0);
                }
                let n = c
                    .execute(
                        "UPDATE runs SET status='interrupted', ended_at=$1, error='gateway stopped while the run was in progress' WHERE status='running'",
                        &[&now_ms()],
                    )
                    .await
                    .map_err(pg_err)?;
                Ok(n as usize)
            }
            .await;
            let _ = tx.send(r);
        });
        let interrupted = rx
            .recv()
            .map_err(|_| StoreError::Backend("postgres runtime stopped".into()))??;
        Ok((store, interrupted))
    }

    /// What clients are told the store is: the backend and database name, never the URL.
    pub fn describe(&self) -> String {
        format!("postgres:{}", self.inner.dbname)
    }

    async fn conn(&self) -> Result<Conn, StoreError> {
        self.inner.pool.get().await.map_err(pool_err)
    }

    /// Runs `f` on the store's runtime and resolves with its result.
    fn run<T, F, Fut>(&self, f: F) -> StoreFuture<T>
    where
        T: Send + 'static,
        F: FnOnce(PgStore) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, StoreError>> + Send + 'static,
    {
        let task = self.inner.rt.spawn(f(self.clone()));
        Box::pin(async move {
            task.await
                .map_err(|e| StoreError::Backend(format!("postgres task: {e}")))?
        })
    }

    /// Runs `sql`, a `SELECT account, COUNT(*) … GROUP BY account` query without parameters,
    /// and answers its `(account, count)` rows.
    fn counts_by_account(&self, sql: &'static str) -> StoreFuture<Vec<(String, i64)>> {
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c.prepare_cached(sql).await.map_err(pg_err)?;
            Ok(c.query(&st, &[])
                .await
                .map_err(pg_err)?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect())
        })
    }

    /// Commits `tx`, timing the commit for the observer.
    async fn commit(&self, tx: deadpool_postgres::Transaction<'_>) -> Result<(), StoreError> {
        let t = std::time::Instant::now();
        tx.commit().await.map_err(pg_err)?;
        if let Some(o) = &self.inner.observer {
            o.committed(t.elapsed(), false, 1);
        }
        Ok(())
    }
}

impl crate::storage::Storage for PgStore {
    fn describe(&self) -> String {
        PgStore::describe(self)
    }
}
