//! The storage traits, one suite for every backend: each test function takes a [`Store`] and
//! is run against SQLite (a temp state dir) and PostgreSQL (a fresh database on a throwaway
//! cluster, see `support/postgres.rs`). What one backend does, the other must do too.

#[path = "../support/postgres.rs"]
mod postgres;

mod automation;
mod channels;
mod keys;
mod memory_index;
mod nodes;
mod session_data;

use clawgate::providers::types::{Role, ToolCall, Usage};
use clawgate::storage::{
    AuditEntry, InboxRow, KeyRow, MemoryFile, NewChunk, NewMessage, OutboxRow, OutboxState,
    RunLogQuery, RunStatus, SessionPatch, SessionQuery, Store, StoredResponse, TurnEnd, UsageDelta,
    UsageQuery,
};
use postgres::PgCluster;
use std::sync::Arc;

/// A store, how to open it again (as a restarted gateway would), and what keeps it alive
/// (dropped after the store).
struct Fixture {
    store: Store,
    config: clawgate::config::StorageConfig,
    dir: tempfile::TempDir,
    _cluster: Option<Arc<PgCluster>>,
}

impl Fixture {
    fn open(config: clawgate::config::StorageConfig, cluster: Option<Arc<PgCluster>>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = clawgate::storage::open_configured(&config, dir.path(), None).unwrap();
        Fixture {
            store,
            config,
            dir,
            _cluster: cluster,
        }
    }

    /// Opens the same store again: the store and how many runs it marked interrupted.
    fn reopen(&self) -> (Store, usize) {
        clawgate::storage::open_configured(&self.config, self.dir.path(), None).unwrap()
    }
}

fn sqlite() -> Fixture {
    let f = Fixture::open(clawgate::config::StorageConfig::Sqlite, None);
    assert_eq!(f.store.describe(), "sqlite:clawgate.sqlite");
    f
}

fn postgres() -> Fixture {
    let cluster = PgCluster::shared();
    let url = cluster.create_db();
    let f = Fixture::open(
        clawgate::config::StorageConfig::Postgres { url },
        Some(cluster),
    );
    assert!(
        f.store.describe().starts_with("postgres:t_"),
        "{}",
        f.store.describe()
    );
    f
}

/// Runs `$name(&Fixture)` once per backend.
macro_rules! on_both_fixture {
    ($($module:ident :: $name:ident),* $(,)?) => {$(
        mod $name {
            #[actix_rt::test]
            async fn sqlite() {
                super::$module::$name(super::sqlite()).await;
            }
            #[actix_rt::test]
            async fn postgres() {
                super::$module::$name(super::postgres()).await;
            }
        }
    )*};
}

on_both_fixture!(session_data::runs_left_running_are_interrupted_on_open);

/// Runs `$name(&Store)` once per backend.
macro_rules! on_both {
    ($($module:ident :: $name:ident),* $(,)?) => {$(
        mod $name {
            #[actix_rt::test]
            async fn sqlite() {
                let f = super::sqlite();
                super::$module::$name(&f.store).await;
            }
            #[actix_rt::test]
            async fn postgres() {
                let f = super::postgres();
                super::$module::$name(&f.store).await;
            }
        }
    )*};
}

on_both!(
    session_data::sessions,
    session_data::session_pages,
    session_data::transcripts,
    session_data::turns,
    session_data::idempotency,
    automation::cron,
    automation::responses_and_kv,
    memory_index::memory,
    memory_index::memory_keyword_search,
    session_data::concurrent_writes,
    keys::keys_usage_and_audit,
    session_data::sessions_under_key_prefixes,
    nodes::leases,
    nodes::cron_claims,
    channels::outbox,
    channels::channel_inbox,
    channels::inbox_attempts_and_failures,
    channels::outbox_prune,
    nodes::cluster_leases,
    nodes::dump_and_load,
);
