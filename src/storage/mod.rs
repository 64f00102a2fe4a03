//! Storage behind async traits.
//!
//! Callers (the application layer, actors, tools) see [`Store`], a shared `dyn Storage`, and
//! await its methods; they never learn which backend answers or on which thread. Each trait
//! covers one kind of data: [`SessionStore`], [`TranscriptStore`], [`RunStore`],
//! [`CronStore`], [`ResponseStore`], [`KvStore`], [`MemoryIndex`], [`KeyStore`],
//! [`LeaseStore`], [`OutboxStore`]. The embedded
//! backend is SQLite ([`sqlite`]); [`postgres`] implements the same traits over a PostgreSQL
//! server. These two modules are the only ones that know SQL; [`open_configured`] picks one by
//! `storage.*`.
//!
//! Futures are `'static` and `Send`: the arguments are copied in, so a caller may drop its
//! borrows and hold the future across awaits on any thread.

mod cluster_types;
mod inbox_types;
mod key_types;
mod memory_types;
pub mod migrate;
mod outbox_types;
pub mod postgres;
pub mod sqlite;
mod types;

pub use crate::core::run::RunStatus;
pub use cluster_types::*;
pub use inbox_types::*;
pub use key_types::*;
pub use memory_types::*;
pub use outbox_types::*;
pub use types::*;

use futures_util::future::BoxFuture;
use std::path::Path;
use std::sync::Arc;

/// What every store method returns.
pub type StoreFuture<T> = BoxFuture<'static, Result<T, StoreError>>;

/// Session rows: one per session key, with its current transcript id and overrides.
pub trait SessionStore: Send + Sync {
    /// The session row, created when missing.
    fn ensure_session(&self, key: &str, agent_id: &str) -> StoreFuture<SessionRow>;
    /// The session row, if it exists.
    fn get_session(&self, key: &str) -> StoreFuture<Option<SessionRow>>;
    /// Sessions by most recent update, optionally of one agent.
    fn list_sessions(&self, agent_id: Option<&str>, limit: usize) -> StoreFuture<Vec<SessionRow>>;
    /// A filtered page of sessions and how many match in all.
    fn query_sessions(&self, q: &SessionQuery) -> StoreFuture<(Vec<SessionRow>, i64)>;
    /// Number of sessions, optionally of one agent.
    fn count_sessions(&self, agent_id: Option<&str>) -> StoreFuture<i64>;
    /// Sets or clears label and overrides; `None` when the session does not exist.
    fn patch_session(&self, key: &str, patch: &SessionPatch) -> StoreFuture<Option<SessionRow>>;
    /// Starts a new transcript (the old one stays stored); `None` when missing.
    fn reset_session(&self, key: &str) -> StoreFuture<Option<SessionRow>>;
    /// Deletes the session and its messages; `true` when it existed.
    fn delete_session(&self, key: &str) -> StoreFuture<bool>;
}

/// Transcripts: appended messages, and the two commits of a turn.
pub trait TranscriptStore: Send + Sync {
    /// The last `limit` messages of a transcript, oldest first.
    fn load_messages(&self, session_id: &str, limit: usize) -> StoreFuture<Vec<StoredMessage>>;
    /// Appends messages in one transaction and bumps the session's counters.
    fn append_messages(
        &self,
        key: &str,
        session_id: &str,
        run_id: Option<&str>,
        msgs: Vec<NewMessage>,
    ) -> StoreFuture<()>;
    /// The turn's input messages and its `running` run row, committed together. A run id that
    /// is already stored is refused (a stored run is never overwritten).
    fn begin_turn(
        &self,
        key: &str,
        session_id: &str,
        run_id: &str,
        model: Option<&str>,
        msgs: Vec<NewMessage>,
    ) -> StoreFuture<()>;
    /// The turn's output, the run's end and the session's token and message counters,
    /// committed together. The session's `updated_at` is left where [`Self::begin_turn`] put
    /// it (a session's time is when its last turn began).
    fn end_turn(&self, end: TurnEnd) -> StoreFuture<()>;
}

/// Runs and the idempotency keys that name them.
pub trait RunStore: Send + Sync {
    /// A run's row.
    fn get_run(&self, run_id: &str) -> StoreFuture<Option<RunRow>>;
    /// Claims idempotency `key` for `credential`. The first claim reserves a run id (`want`,
    /// or a fresh one when `want` already names a stored run or another claim); a later claim
    /// by the same credential returns the same run id and, once recorded, the final answer.
    fn claim_idempotency(
        &self,
        credential: &str,
        key: &str,
        want: &str,
    ) -> StoreFuture<IdempotencyClaim>;
    /// Records the final answer of a claimed key.
    fn complete_idempotency(&self, credential: &str, key: &str, record: &str) -> StoreFuture<()>;
}

/// Cron jobs (JSON bodies owned by the scheduler) and their run log.
pub trait CronStore: Send + Sync {
    /// Every stored job.
    fn cron_jobs(&self) -> StoreFuture<Vec<String>>;
    /// Inserts or replaces a job.
    fn cron_put_job(&self, id: &str, body: &str) -> StoreFuture<()>;
    /// Deletes a job; `true` when it existed.
    fn cron_delete_job(&self, id: &str) -> StoreFuture<bool>;
    /// Appends a run-log entry (JSON `body` with its status and delivery status for
    /// filtering), keeping the newest `keep` of the job.
    fn cron_append_run(
        &self,
        job_id: &str,
        ts: i64,
        status: &str,
        delivery_status: Option<&str>,
        body: &str,
        keep: usize,
    ) -> StoreFuture<()>;
    /// A page of the run log and the total matching.
    fn cron_runs(&self, q: &RunLogQuery) -> StoreFuture<(Vec<String>, usize)>;
    /// Claims the run of `job_id` due at `scheduled_at` (ms) for `node`: `true` for the one
    /// caller that recorded the claim, `false` for every other (that tick is someone else's).
    /// Claims older than a day before `scheduled_at` are pruned with it.
    fn cron_claim(&self, job_id: &str, scheduled_at: i64, node: &str) -> StoreFuture<bool>;
}

/// Named leases with expiry, so exactly one node runs a thing at a time (a channel connector
/// account). Expiry is judged by the store's clock (the database server's for PostgreSQL), so
/// the nodes' clocks do not matter.
pub trait LeaseStore: Send + Sync {
    /// Takes `name` for `holder` for `ttl` when it is free, lapsed or already `holder`'s (then
    /// extended); `None` while another holder's lease is live.
    fn lease_try_acquire(
        &self,
        name: &str,
        holder: &str,
        ttl: std::time::Duration,
    ) -> StoreFuture<Option<Lease>>;
    /// Extends `holder`'s lease by `ttl` from now; `None` when `holder` no longer holds it
    /// (another holder took it after it lapsed, or it was released).
    fn lease_renew(
        &self,
        name: &str,
        holder: &str,
        ttl: std::time::Duration,
    ) -> StoreFuture<Option<Lease>>;
    /// Gives the lease up (only `holder`'s); `true` when it was held.
    fn lease_release(&self, name: &str, holder: &str) -> StoreFuture<bool>;
    /// The live lease on `name`, if any.
    fn lease_holder(&self, name: &str) -> StoreFuture<Option<Lease>>;
}

/// Cluster membership and session ownership (issue #18): a lease per live session naming the
/// node that runs it, renewed in bulk per node. Lease times use the store's clock (the
/// database server's for PostgreSQL), so nodes need not agree on the time.
pub trait ClusterStore: Send + Sync {
    /// Claims session `key` for `node` for `ttl_ms` when it has no live owner or `node` already
    /// owns it, and returns the owner after the attempt. A session taken over from a lapsed
    /// owner (or never owned) gets its `running` runs marked interrupted.
    fn claim_session(&self, key: &str, node: &str, ttl_ms: i64) -> StoreFuture<String>;
    /// Extends every lease `node` holds and its membership (`info`: JSON about the node) by
    /// `ttl_ms`; returns how many leases it holds.
    fn renew_node(&self, node: &str, info: &str, ttl_ms: i64) -> StoreFuture<u64>;
    /// Drops every lease of `node` and its membership (graceful shutdown, or a restart).
    fn release_node(&self, node: &str) -> StoreFuture<()>;
    /// Nodes whose membership has not lapsed, by id.
    fn live_nodes(&self) -> StoreFuture<Vec<NodeRow>>;
    /// Marks runs left `running` in sessions nobody holds a live lease on as interrupted;
    /// returns how many.
    fn interrupt_orphaned_runs(&self) -> StoreFuture<usize>;
}

/// Stored `/v1/responses` results.
pub trait ResponseStore: Send + Sync {
    /// Saves (or replaces) a response.
    fn put_response(&self, r: &StoredResponse) -> StoreFuture<()>;
    /// A stored response by id.
    fn get_response(&self, id: &str) -> StoreFuture<Option<StoredResponse>>;
}

/// Small named values (channel offsets and the like).
pub trait KvStore: Send + Sync {
    /// A value.
    fn kv_get(&self, key: &str) -> StoreFuture<Option<String>>;
    /// Sets a value.
    fn kv_put(&self, key: &str, value: &str) -> StoreFuture<()>;
}

/// The memory index of each agent: files, chunks, a full-text index over the chunks, their
/// embeddings, and the embedding cache shared by every agent (keyed by model and content hash).
pub trait MemoryIndex: Send + Sync {
    /// The agent's indexed files.
    fn memory_files(&self, agent: &str) -> StoreFuture<Vec<MemoryFile>>;
    /// Replaces a file's chunks (one transaction); returns the new chunk ids in order.
    fn memory_put_file(
        &self,
        agent: &str,
        file: MemoryFile,
        chunks: Vec<NewChunk>,
    ) -> StoreFuture<Vec<i64>>;
    /// Forgets a file and its chunks.
    fn memory_remove_file(&self, agent: &str, path: &str) -> StoreFuture<()>;
    /// Forgets the agent's whole index (the embedding cache stays).
    fn memory_clear(&self, agent: &str) -> StoreFuture<()>;
    /// Full-text search: `query` in FTS5 syntax, best `limit` hits by BM25.
    fn memory_text_search(
        &self,
        agent: &str,
        query: &str,
        limit: usize,
    ) -> StoreFuture<Vec<TextHit>>;
    /// Chunks by id (missing ids are left out).
    fn memory_chunks(&self, agent: &str, ids: Vec<i64>) -> StoreFuture<Vec<MemoryChunk>>;
    /// A file's chunks in line order.
    fn memory_file_chunks(&self, agent: &str, path: &str) -> StoreFuture<Vec<MemoryChunk>>;
    /// Every chunk's id, path and embedding made by `model`.
    fn memory_vectors(&self, agent: &str, model: &str)
        -> StoreFuture<Vec<(i64, String, Vec<f32>)>>;
    /// Chunks without an embedding by `model`: id, content hash, text (at most `limit`).
    fn memory_missing_vectors(
        &self,
        agent: &str,
        model: &str,
        limit: usize,
    ) -> StoreFuture<Vec<(i64, String, String)>>;
    /// Sets chunks' embeddings (made by `model`).
    fn memory_set_vectors(
        &self,
        agent: &str,
        model: &str,
        vectors: Vec<(i64, Vec<f32>)>,
    ) -> StoreFuture<()>;
    /// Cached embeddings of `model` for these content hashes.
    fn memory_cache_get(
        &self,
        model: &str,
        hashes: Vec<String>,
    ) -> StoreFuture<Vec<(String, Vec<f32>)>>;
    /// Caches embeddings of `model` by content hash.
    fn memory_cache_put(&self, model: &str, entries: Vec<(String, Vec<f32>)>) -> StoreFuture<()>;
    /// How many files, chunks and chunks embedded by `model` the agent has.
    fn memory_counts(&self, agent: &str, model: &str) -> StoreFuture<MemoryCounts>;
}

/// API keys (hash and policy), their usage counters and the audit log.
pub trait KeyStore: Send + Sync {
    /// Inserts or replaces a key row.
    fn key_put(&self, row: &KeyRow) -> StoreFuture<()>;
    /// A key row by id (revoked ones included).
    fn key_get(&self, id: &str) -> StoreFuture<Option<KeyRow>>;
    /// Every key row, newest first.
    fn key_list(&self) -> StoreFuture<Vec<KeyRow>>;
    /// Marks a key revoked at `at`; `true` when it existed and was live.
    fn key_revoke(&self, id: &str, at: i64) -> StoreFuture<bool>;
    /// Adds to a key's (and end user's) counters of a day.
    fn usage_add(&self, delta: &UsageDelta) -> StoreFuture<()>;
    /// Usage rows, by day then key then user.
    fn usage_query(&self, q: &UsageQuery) -> StoreFuture<Vec<UsageRow>>;
    /// Appends an audit entry; returns its sequence number.
    fn audit_append(&self, entry: &AuditEntry) -> StoreFuture<i64>;
    /// The newest `limit` audit entries at or after `since` (ms), newest first.
    fn audit_list(&self, since: i64, limit: usize) -> StoreFuture<Vec<AuditEntry>>;
    /// Deletes audit entries older than `before` (ms); returns how many.
    fn audit_prune(&self, before: i64) -> StoreFuture<usize>;
}

/// The durable channel outbox: every outbound chat message is written here before it is sent
/// and deleted once the platform accepted it (see `actors/channels/outbox`).
pub trait OutboxStore: Send + Sync {
    /// Inserts rows (one message's parts) in one transaction.
    fn outbox_put(&self, rows: &[OutboxRow]) -> StoreFuture<()>;
    /// Writes a row's state, attempts, next attempt time and last error.
    fn outbox_update(&self, row: &OutboxRow) -> StoreFuture<()>;
    /// Deletes a row (the platform accepted it).
    fn outbox_delete(&self, id: &str) -> StoreFuture<()>;
    /// Every pending row, by `seq`.
    fn outbox_pending(&self) -> StoreFuture<Vec<OutboxRow>>;
    /// Failed rows per account (`(account, count)`, by account).
    fn outbox_failed_counts(&self) -> StoreFuture<Vec<(String, i64)>>;
    /// Deletes failed rows given up before `before` (ms; a failed row's `next_at` is when it
    /// was given up); returns how many.
    fn outbox_prune_failed(&self, before: i64) -> StoreFuture<usize>;
}

/// The durable inbox of the chat channels: an inbound message is written here before the
/// platform is acknowledged, and marked done once its turn's reply was handed to delivery.
pub trait InboxStore: Send + Sync {
    /// Inserts the rows in one transaction; for each, `true` when it is new and `false` when
    /// the account already holds that message id (a redelivery: nothing is written).
    fn inbox_put(&self, rows: Vec<InboxRow>) -> StoreFuture<Vec<bool>>;
    /// Marks messages of an account done at `at` (ms); unknown ids are ignored.
    fn inbox_done(&self, account: &str, message_ids: Vec<String>, at: i64) -> StoreFuture<()>;
    /// Every message neither done nor failed, oldest first.
    fn inbox_pending(&self) -> StoreFuture<Vec<InboxRow>>;
    /// Counts one more attempt (a replay) for messages of an account that are neither done
    /// nor failed; unknown ids are ignored.
    fn inbox_attempt(&self, account: &str, message_ids: Vec<String>) -> StoreFuture<()>;
    /// Marks messages of an account failed at `at` (ms): kept (a redelivery is still a
    /// duplicate) but never replayed; done or unknown ids are ignored.
    fn inbox_fail(&self, account: &str, message_ids: Vec<String>, at: i64) -> StoreFuture<()>;
    /// Failed messages per account (`(account, count)`, by account).
    fn inbox_failed_counts(&self) -> StoreFuture<Vec<(String, i64)>>;
    /// Deletes done and failed messages that arrived before `before` (ms); returns how many.
    fn inbox_prune(&self, before: i64) -> StoreFuture<usize>;
}

/// The tables `clawgate storage migrate` copies, in copy order: every table both schemas
/// share except the memory index (`memory_files`, `memory_chunks`, `memory_embedding_cache`,
/// rebuilt from the workspace files by the indexer on first start) and the live cluster state
/// (`cluster_nodes`, `session_owners`: leases of running nodes, meaningless once they stopped).
/// [`DumpStore`] refuses any other name, so no caller's text ever reaches SQL.
pub const MIGRATED_TABLES: &[&str] = &[
    "sessions",
    "messages",
    "runs",
    "idempotency",
    "kv",
    "responses",
    "cron_jobs",
    "cron_runs",
    "cron_claims",
    "leases",
    "api_keys",
    "key_usage",
    "audit_log",
    "channel_outbox",
    "channel_inbox",
];

/// `name` when it is one of [`MIGRATED_TABLES`], else an error naming it.
pub fn migrated_table(name: &str) -> Result<&'static str, StoreError> {
    MIGRATED_TABLES
        .iter()
        .find(|t| **t == name)
        .copied()
        .ok_or_else(|| StoreError::Backend(format!("not a migrated table: {name}")))
}

/// One table row as a JSON object by column name (integers as numbers, text as strings,
/// `NULL` as null, blobs as `"\\x<hex>"`).
pub type DumpRow = serde_json::Map<String, serde_json::Value>;

/// Whole-table copy for `clawgate storage migrate` (only [`MIGRATED_TABLES`]).
pub trait DumpStore: Send + Sync {
    /// Every row of `table`, in insertion order.
    fn dump_table(&self, table: &str) -> StoreFuture<Vec<DumpRow>>;
    /// Inserts `rows` into `table` (committed in batches) and moves the table's id sequences
    /// past the ids loaded; returns how many rows were inserted.
    fn load_table(&self, table: &str, rows: Vec<DumpRow>) -> StoreFuture<u64>;
    /// How many rows `table` holds.
    fn count_rows(&self, table: &str) -> StoreFuture<u64>;
}

/// A complete backend.
pub trait Storage:
    SessionStore
    + TranscriptStore
    + RunStore
    + CronStore
    + ResponseStore
    + KvStore
    + MemoryIndex
    + KeyStore
    + LeaseStore
    + OutboxStore
    + InboxStore
    + ClusterStore
    + DumpStore
{
    /// What clients may be told the store is (`sqlite:clawgate.sqlite`): never a path.
    fn describe(&self) -> String;
}

/// The store every part of the gateway shares.
pub type Store = Arc<dyn Storage>;

/// Opens the embedded store under `state_dir`; also returns how many runs a previous process
/// left `running` (now marked interrupted).
pub fn open(state_dir: &Path) -> Result<(Store, usize), StoreError> {
    open_observed(state_dir, None)
}

/// Where a backend reports how long its commits take (the gateway's metrics implement it), so
/// nothing above the traits needs to know how a backend commits.
pub trait CommitObserver: Send + Sync {
    /// A transaction committed after `took`; `group` when the group-commit writer ran it
    /// (`writes` writes in one transaction), otherwise it ran inline on the caller's thread.
    fn committed(&self, took: std::time::Duration, group: bool, writes: usize);
}

/// [`open`], reporting commit times to `observer`.
pub fn open_observed(
    state_dir: &Path,
    observer: Option<Arc<dyn CommitObserver>>,
) -> Result<(Store, usize), StoreError> {
    let (s, interrupted) = sqlite::SqliteStore::open_observed(state_dir, observer)?;
    Ok((Arc::new(s), interrupted))
}

/// The store `storage` names (SQLite under `state_dir`, or PostgreSQL), reporting commit
/// times to `observer`; also returns how many runs a previous process left `running` (now
/// marked interrupted; with several gateways on one database that would be another node's
/// runs, see `docs/scale-out.md`).
pub fn open_configured(
    storage: &crate::config::StorageConfig,
    state_dir: &Path,
    observer: Option<Arc<dyn CommitObserver>>,
) -> Result<(Store, usize), StoreError> {
    match storage {
        crate::config::StorageConfig::Sqlite => open_observed(state_dir, observer),
        crate::config::StorageConfig::Postgres { url } => {
            let (s, interrupted) = postgres::PgStore::open(url, true, observer)?;
            Ok((Arc::new(s), interrupted))
        }
    }
}

/// [`open_configured`] for one node of several (`cluster`): runs left `running` are not
/// touched here; the cluster marks only those whose node's lease is gone.
pub fn open_cluster_node(
    storage: &crate::config::StorageConfig,
    state_dir: &Path,
    observer: Option<Arc<dyn CommitObserver>>,
) -> Result<Store, StoreError> {
    match storage {
        crate::config::StorageConfig::Sqlite => open_shared(state_dir),
        crate::config::StorageConfig::Postgres { url } => {
            Ok(Arc::new(postgres::PgStore::open(url, false, observer)?.0))
        }
    }
}

/// Opens the store beside a gateway that may be running on the same state dir (nothing of
/// the other process is touched; SQLite's locking orders the writes).
pub fn open_shared(state_dir: &Path) -> Result<Store, StoreError> {
    Ok(Arc::new(sqlite::SqliteStore::open_shared(state_dir)?))
}

/// [`open_shared`] for the backend `storage` names: runs left `running` are not touched.
pub fn open_shared_configured(
    storage: &crate::config::StorageConfig,
    state_dir: &Path,
) -> Result<Store, StoreError> {
    match storage {
        crate::config::StorageConfig::Sqlite => open_shared(state_dir),
        crate::config::StorageConfig::Postgres { url } => {
            Ok(Arc::new(postgres::PgStore::open(url, false, None)?.0))
        }
    }
}
