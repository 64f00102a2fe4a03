//! Schema and migrations: one ordered list of statements, the applied versions recorded in
//! `schema_migrations`. Every node may run [`migrate`] at start; an advisory lock makes the
//! nodes take turns, so each migration runs once.

use crate::storage::{now_ms, StoreError};

/// Each entry migrates from version `i` to `i + 1` (ids are `BIGSERIAL`, times `BIGINT` ms,
/// JSON bodies `TEXT`, embeddings little-endian `f32`s in `BYTEA`).
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE sessions (
    key TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    label TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    message_count BIGINT NOT NULL DEFAULT 0,
    input_tokens BIGINT NOT NULL DEFAULT 0,
    output_tokens BIGINT NOT NULL DEFAULT 0,
    total_tokens BIGINT NOT NULL DEFAULT 0,
    model TEXT,
    thinking_level TEXT
);
CREATE INDEX sessions_recent ON sessions(updated_at DESC, key);
CREATE INDEX sessions_agent_recent ON sessions(agent_id, updated_at DESC, key);
CREATE TABLE messages (
    id BIGSERIAL PRIMARY KEY,
    session_key TEXT NOT NULL,
    session_id TEXT NOT NULL,
    role TEXT NOT NULL,
    content TEXT NOT NULL,
    tool_calls TEXT,
    tool_call_id TEXT,
    run_id TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX messages_session ON messages(session_id, id);
CREATE INDEX messages_key ON messages(session_key);
CREATE TABLE runs (
    run_id TEXT PRIMARY KEY,
    session_key TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at BIGINT,
    model TEXT,
    input_tokens BIGINT NOT NULL DEFAULT 0,
    output_tokens BIGINT NOT NULL DEFAULT 0,
    cache_read BIGINT NOT NULL DEFAULT 0,
    cache_write BIGINT NOT NULL DEFAULT 0,
    total_tokens BIGINT NOT NULL DEFAULT 0,
    error TEXT
);
CREATE INDEX runs_status ON runs(status);
CREATE TABLE kv (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE responses (
    id TEXT PRIMARY KEY,
    session_key TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    auth_subject TEXT NOT NULL,
    requested_session_key TEXT,
    created_at BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX responses_created ON responses(created_at);
CREATE TABLE cron_jobs (
    id TEXT PRIMARY KEY,
    seq BIGSERIAL NOT NULL,
    body TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE cron_runs (
    id BIGSERIAL PRIMARY KEY,
    job_id TEXT NOT NULL,
    ts BIGINT NOT NULL,
    status TEXT NOT NULL,
    delivery_status TEXT,
    body TEXT NOT NULL
);
CREATE INDEX cron_runs_job ON cron_runs(job_id, id);
CREATE TABLE idempotency (
    credential TEXT NOT NULL,
    key TEXT NOT NULL,
    run_id TEXT NOT NULL,
    record TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (credential, key)
);
CREATE INDEX idempotency_run ON idempotency(run_id);
CREATE INDEX idempotency_age ON idempotency(created_at);
"#,
    r#"
CREATE TABLE memory_files (
    agent TEXT NOT NULL,
    path TEXT NOT NULL,
    source TEXT NOT NULL,
    hash TEXT NOT NULL,
    mtime BIGINT NOT NULL,
    size BIGINT NOT NULL,
    PRIMARY KEY (agent, path)
);
CREATE TABLE memory_chunks (
    id BIGSERIAL PRIMARY KEY,
    agent TEXT NOT NULL,
    path TEXT NOT NULL,
    source TEXT NOT NULL,
    start_line BIGINT NOT NULL,
    end_line BIGINT NOT NULL,
    hash TEXT NOT NULL,
    text TEXT NOT NULL,
    fts_body TEXT NOT NULL,
    tsv TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple', fts_body)) STORED,
    model TEXT,
    embedding BYTEA,
    updated_at BIGINT NOT NULL
);
CREATE INDEX memory_chunks_file ON memory_chunks(agent, path);
CREATE INDEX memory_chunks_tsv ON memory_chunks USING GIN (tsv);
CREATE TABLE memory_embedding_cache (
    model TEXT NOT NULL,
    hash TEXT NOT NULL,
    embedding BYTEA NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (model, hash)
);
"#,
    // API keys (hash and policy), usage per key, end user and day, the append-only audit log.
    r#"
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL,
    policy TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE TABLE key_usage (
    key_id TEXT NOT NULL,
    "user" TEXT NOT NULL,
    day TEXT NOT NULL,
    requests BIGINT NOT NULL DEFAULT 0,
    turns BIGINT NOT NULL DEFAULT 0,
    errors BIGINT NOT NULL DEFAULT 0,
    tokens_in BIGINT NOT NULL DEFAULT 0,
    tokens_out BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (key_id, "user", day)
);
CREATE INDEX key_usage_day ON key_usage(day);
CREATE TABLE audit_log (
    seq BIGSERIAL PRIMARY KEY,
    ts BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_ts ON audit_log(ts);
"#,
    r#"
CREATE TABLE cron_claims (
    job_id TEXT NOT NULL,
    scheduled_at BIGINT NOT NULL,
    node TEXT NOT NULL,
    claimed_at BIGINT NOT NULL,
    PRIMARY KEY (job_id, scheduled_at)
);
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
"#,
    // The durable channel outbox (actors/channels/outbox).
    r#"
CREATE TABLE channel_outbox (
    id TEXT PRIMARY KEY,
    seq BIGINT NOT NULL,
    account TEXT NOT NULL,
    chat TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    last_error TEXT
);
CREATE INDEX channel_outbox_state ON channel_outbox(state, seq);
"#,
    // The durable channel inbox (inbound messages persisted before they are acknowledged).
    r#"
CREATE TABLE channel_inbox (
    seq BIGSERIAL PRIMARY KEY,
    account TEXT NOT NULL,
    message_id TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    done_at BIGINT,
    UNIQUE (account, message_id)
);
CREATE INDEX channel_inbox_open ON channel_inbox(seq) WHERE done_at IS NULL;
"#,
    // Cluster (issue #18): node membership and one ownership lease per live session.
    r#"
CREATE TABLE cluster_nodes (
    node_id TEXT PRIMARY KEY,
    info TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE TABLE session_owners (
    session_key TEXT PRIMARY KEY,
    node_id TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX session_owners_node ON session_owners(node_id);
"#,
    // Channel inbox replay limit (issue #17): attempts per row (the live turn counts as the
    // first) and the time a row was given up (`failed_at`; kept, never replayed).
    r#"
ALTER TABLE channel_inbox ADD COLUMN attempts BIGINT NOT NULL DEFAULT 1;
ALTER TABLE channel_inbox ADD COLUMN failed_at BIGINT;
DROP INDEX channel_inbox_open;
CREATE INDEX channel_inbox_open ON channel_inbox(seq) WHERE done_at IS NULL AND failed_at IS NULL;
"#,
];

/// The advisory lock key the nodes take while migrating (any constant; "clawgate" in ASCII).
const MIGRATION_LOCK: i64 = 0x636c_6177_6761_7465;

/// Brings the database to the latest schema version, one transaction per migration.
pub async fn migrate(client: &mut tokio_postgres::Client) -> Result<(), StoreError> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )
        .await
        .map_err(super::pg_err)?;
    for (i, sql) in MIGRATIONS.iter().enumerate() {
        let version = (i + 1) as i32;
        let tx = client.transaction().await.map_err(super::pg_err)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(super::pg_err)?;
        let done = tx
            .query_opt(
                "SELECT version FROM schema_migrations WHERE version = $1",
                &[&version],
            )
            .await
            .map_err(super::pg_err)?
            .is_some();
        if !done {
            tx.batch_execute(sql).await.map_err(super::pg_err)?;
            tx.execute(
                "INSERT INTO schema_migrations(version, applied_at) VALUES ($1, $2)",
                &[&version, &now_ms()],
            )
            .await
            .map_err(super::pg_err)?;
        }
        tx.commit().await.map_err(super::pg_err)?;
    }
    Ok(())
}
