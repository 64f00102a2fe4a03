//! Schema and migrations, versioned with `PRAGMA user_version`.

use rusqlite::Connection;

/// Each entry migrates from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE sessions (
    key TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    label TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    message_count INTEGER NOT NULL DEFAULT 0,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    total_tokens INTEGER NOT NULL DEFAULT 0,
    model TEXT,
    thinking_level TEXT
);
CREATE INDEX sessions_updated ON sessions(updated_at);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_key TEXT NOT NULL,
    session_id TEXT NOT NULL,
    role TEXT NOT NULL,
    content TEXT NOT NULL,
    tool_calls TEXT,
    tool_call_id TEXT,
    run_id TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX messages_session ON messages(session_id, id);
CREATE INDEX messages_key ON messages(session_key);
CREATE TABLE runs (
    run_id TEXT PRIMARY KEY,
    session_key TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    model TEXT,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cache_read INTEGER NOT NULL DEFAULT 0,
    cache_write INTEGER NOT NULL DEFAULT 0,
    total_tokens INTEGER NOT NULL DEFAULT 0,
    error TEXT
);
CREATE INDEX runs_status ON runs(status);
CREATE TABLE kv (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
"#,
    r#"
CREATE TABLE responses (
    id TEXT PRIMARY KEY,
    session_key TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    auth_subject TEXT NOT NULL,
    requested_session_key TEXT,
    created_at INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX responses_created ON responses(created_at);
"#,
    r#"
CREATE TABLE cron_jobs (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE cron_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL,
    ts INTEGER NOT NULL,
    status TEXT NOT NULL,
    delivery_status TEXT,
    body TEXT NOT NULL
);
CREATE INDEX cron_runs_job ON cron_runs(job_id, id);
"#,
    r#"
CREATE TABLE idempotency (
    credential TEXT NOT NULL,
    key TEXT NOT NULL,
    run_id TEXT NOT NULL,
    record TEXT,
    created_at INTEGER NOT NULL,
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
    mtime INTEGER NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (agent, path)
);
CREATE TABLE memory_chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agent TEXT NOT NULL,
    path TEXT NOT NULL,
    source TEXT NOT NULL,
    start_line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    hash TEXT NOT NULL,
    text TEXT NOT NULL,
    model TEXT,
    embedding BLOB,
    updated_at INTEGER NOT NULL
);
CREATE INDEX memory_chunks_file ON memory_chunks(agent, path);
CREATE VIRTUAL TABLE memory_fts USING fts5(body, agent, tokenize = 'unicode61 remove_diacritics 2');
CREATE TABLE memory_embedding_cache (
    model TEXT NOT NULL,
    hash TEXT NOT NULL,
    embedding BLOB NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (model, hash)
);
"#,
    // The session list's order (most recent first, key as tie-break) as indexes, so a page
    // stops after its rows instead of sorting every session.
    r#"
CREATE INDEX sessions_recent ON sessions(updated_at DESC, key);
CREATE INDEX sessions_agent_recent ON sessions(agent_id, updated_at DESC, key);
"#,
    // API keys (a hash of the secret, never the secret), their usage by key, end user and
    // day, and the append-only audit log.
    r#"
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL,
    policy TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE TABLE key_usage (
    key_id TEXT NOT NULL,
    user TEXT NOT NULL,
    day TEXT NOT NULL,
    requests INTEGER NOT NULL DEFAULT 0,
    turns INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0,
    tokens_in INTEGER NOT NULL DEFAULT 0,
    tokens_out INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (key_id, user, day)
);
CREATE INDEX key_usage_day ON key_usage(day);
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    ts INTEGER NOT NULL,
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
    scheduled_at INTEGER NOT NULL,
    node TEXT NOT NULL,
    claimed_at INTEGER NOT NULL,
    PRIMARY KEY (job_id, scheduled_at)
);
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
"#,
    // The durable channel outbox (actors/channels/outbox).
    r#"
CREATE TABLE channel_outbox (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    account TEXT NOT NULL,
    chat TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    last_error TEXT
);
CREATE INDEX channel_outbox_state ON channel_outbox(state, seq);
"#,
    // The durable channel inbox (inbound messages persisted before they are acknowledged).
    r#"
CREATE TABLE channel_inbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    message_id TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    done_at INTEGER,
    UNIQUE (account, message_id)
);
CREATE INDEX channel_inbox_open ON channel_inbox(seq) WHERE done_at IS NULL;
"#,
    // Cluster (issue #18): node membership and one ownership lease per live session.
    r#"
CREATE TABLE cluster_nodes (
    node_id TEXT PRIMARY KEY,
    info TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE session_owners (
    session_key TEXT PRIMARY KEY,
    node_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX session_owners_node ON session_owners(node_id);
"#,
    // Channel inbox replay limit (issue #17): attempts per row (the live turn counts as the
    // first) and the time a row was given up (`failed_at`; kept, never replayed).
    r#"
ALTER TABLE channel_inbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1;
ALTER TABLE channel_inbox ADD COLUMN failed_at INTEGER;
DROP INDEX channel_inbox_open;
CREATE INDEX channel_inbox_open ON channel_inbox(seq) WHERE done_at IS NULL AND failed_at IS NULL;
"#,
    // `sessions_recent` (updated_at DESC, key) serves every query `sessions_updated` did; the
    // extra index cost a page write on every turn (issue #15).
    r#"
DROP INDEX sessions_updated;
"#,
];

/// Brings the database to the latest schema version.
pub fn migrate(c: &Connection) -> rusqlite::Result<()> {
    let version: usize = c.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))? as usize;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        c.execute_batch(&format!(
            "BEGIN; {sql}; PRAGMA user_version = {}; COMMIT;",
            i + 1
        ))?;
    }
    Ok(())
}
