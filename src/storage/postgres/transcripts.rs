//! Transcripts and runs: appended messages, the two commits of a turn (`begin_turn`,
//! `end_turn`, each one transaction), run rows and idempotency claims.

use super::{pg_err, PgStore};
use crate::providers::types::Role;
use crate::storage::{
    now_ms, IdempotencyClaim, NewMessage, RunRow, RunStore, StoreError, StoreFuture, StoredMessage,
    TranscriptStore, TurnEnd,
};
use deadpool_postgres::GenericClient;

/// How long a claimed idempotency key is remembered across restarts (as in SQLite).
const IDEMPOTENCY_TTL_MS: i64 = 24 * 60 * 60 * 1000;

/// Inserts `msgs` and bumps the session's message counter and update time.
async fn insert_messages<C: GenericClient>(
    c: &C,
    key: &str,
    session_id: &str,
    run_id: Option<&str>,
    msgs: &[NewMessage],
) -> Result<(), StoreError> {
    if msgs.is_empty() {
        return Ok(());
    }
    let now = insert_rows(c, key, session_id, run_id, msgs).await?;
    let st = c
        .prepare_cached("UPDATE sessions SET updated_at = $2, message_count = message_count + $3 WHERE key = $1")
        .await
        .map_err(pg_err)?;
    c.execute(&st, &[&key, &now, &(msgs.len() as i64)])
        .await
        .map_err(pg_err)?;
    Ok(())
}

/// Inserts `msgs` (the session row is the caller's); answers their time.
async fn insert_rows<C: GenericClient>(
    c: &C,
    key: &str,
    session_id: &str,
    run_id: Option<&str>,
    msgs: &[NewMessage],
) -> Result<i64, StoreError> {
    let now = now_ms();
    if msgs.is_empty() {
        return Ok(now);
    }
    let ins = c
        .prepare_cached("INSERT INTO messages(session_key, session_id, role, content, tool_calls, tool_call_id, run_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .await
        .map_err(pg_err)?;
    for m in msgs {
        let calls = (!m.tool_calls.is_empty())
            .then(|| serde_json::to_string(&m.tool_calls).unwrap_or_default());
        c.execute(
            &ins,
            &[
                &key,
                &session_id,
                &m.role.as_str(),
                &m.content,
                &calls,
                &m.tool_call_id,
                &run_id,
                &now,
            ],
        )
        .await
        .map_err(pg_err)?;
    }
    Ok(now)
}

impl TranscriptStore for PgStore {
    fn load_messages(&self, session_id: &str, limit: usize) -> StoreFuture<Vec<StoredMessage>> {
        let session_id = session_id.to_string();
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached("SELECT id, role, content, tool_calls, tool_call_id, run_id, created_at FROM messages WHERE session_id = $1 ORDER BY id DESC LIMIT $2")
                .await
                .map_err(pg_err)?;
            let rows = c
                .query(&st, &[&session_id, &(limit as i64)])
                .await
                .map_err(pg_err)?;
            let mut out: Vec<StoredMessage> = rows
                .iter()
                .map(|r| {
                    let tool_calls: Option<String> = r.get(3);
                    StoredMessage {
                        id: r.get(0),
                        role: Role::parse(r.get::<_, &str>(1)).unwrap_or(Role::System),
                        content: r.get(2),
                        tool_calls: tool_calls
                            .and_then(|t| serde_json::from_str(&t).ok())
                            .unwrap_or_default(),
                        tool_call_id: r.get(4),
                        run_id: r.get(5),
                        created_at: r.get(6),
                    }
                })
                .collect();
            out.reverse();
            Ok(out)
        })
    }

    fn append_messages(
        &self,
        key: &str,
        session_id: &str,
        run_id: Option<&str>,
        msgs: Vec<NewMessage>,
    ) -> StoreFuture<()> {
        let (key, session_id, run_id) = (
            key.to_string(),
            session_id.to_string(),
            run_id.map(str::to_string),
        );
        self.run(move |s| async move {
            if msgs.is_empty() {
                return Ok(());
            }
            let mut c = s.conn().await?;
            let tx = c.transaction().await.map_err(pg_err)?;
            insert_messages(&tx, &key, &session_id, run_id.as_deref(), &msgs).await?;
            s.commit(tx).await
        })
    }

    fn begin_turn(
        &self,
        key: &str,
        session_id: &str,
        run_id: &str,
        model: Option<&str>,
        msgs: Vec<NewMessage>,
    ) -> StoreFuture<()> {
        let (key, session_id, run_id, model) = (
            key.to_string(),
            session_id.to_string(),
            run_id.to_string(),
            model.map(str::to_string),
        );
        self.run(move |s| async move {
            let mut c = s.conn().await?;
            let tx = c.transaction().await.map_err(pg_err)?;
            insert_messages(&tx, &key, &session_id, Some(&run_id), &msgs).await?;
            // Plain INSERT: a run id that is already stored fails the turn (and rolls back its
            // messages) instead of overwriting another run's row.
            let st = tx
                .prepare_cached("INSERT INTO runs(run_id, session_key, status, started_at, model) VALUES ($1, $2, 'running', $3, $4)")
                .await
                .map_err(pg_err)?;
            tx.execute(&st, &[&run_id, &key, &now_ms(), &model])
                .await
                .map_err(pg_err)?;
            s.commit(tx).await
        })
    }

    fn end_turn(&self, end: TurnEnd) -> StoreFuture<()> {
        self.run(move |s| async move {
            let (p, o, t) = end.usage.openai_triple();
            let mut c = s.conn().await?;
            let tx = c.transaction().await.map_err(pg_err)?;
            insert_rows(
                &tx,
                &end.key,
                &end.session_id,
                Some(&end.run_id),
                &end.messages,
            )
            .await?;
            let st = tx
                .prepare_cached("UPDATE runs SET status=$2, ended_at=$3, input_tokens=$4, output_tokens=$5, cache_read=$6, cache_write=$7, total_tokens=$8, model=COALESCE($9, model), error=$10 WHERE run_id=$1")
                .await
                .map_err(pg_err)?;
            tx.execute(
                &st,
                &[
                    &end.run_id,
                    &end.status.as_str(),
                    &now_ms(),
                    &(end.usage.input as i64),
                    &(end.usage.output as i64),
                    &(end.usage.cache_read as i64),
                    &(end.usage.cache_write as i64),
                    &(t as i64),
                    &end.model,
                    &end.error,
                ],
            )
            .await
            .map_err(pg_err)?;
            // `updated_at` moved when the turn began; leaving it alone keeps this update off
            // the session indexes (a heap-only tuple update).
            let st = tx
                .prepare_cached("UPDATE sessions SET message_count = message_count + $2, input_tokens = input_tokens + $3, output_tokens = output_tokens + $4, total_tokens = total_tokens + $5 WHERE key = $1")
                .await
                .map_err(pg_err)?;
            tx.execute(
                &st,
                &[
                    &end.key,
                    &(end.messages.len() as i64),
                    &(p as i64),
                    &(o as i64),
                    &(t as i64),
                ],
            )
            .await
            .map_err(pg_err)?;
            s.commit(tx).await
        })
    }
}

impl RunStore for PgStore {
    fn get_run(&self, run_id: &str) -> StoreFuture<Option<RunRow>> {
        let run_id = run_id.to_string();
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached("SELECT run_id, session_key, status, started_at, ended_at, error FROM runs WHERE run_id = $1")
                .await
                .map_err(pg_err)?;
            Ok(c.query_opt(&st, &[&run_id])
                .await
                .map_err(pg_err)?
                .map(|r| RunRow {
                    run_id: r.get(0),
                    session_key: r.get(1),
                    status: r.get(2),
                    started_at: r.get(3),
                    ended_at: r.get(4),
                    error: r.get(5),
                }))
        })
    }

    fn claim_idempotency(
        &self,
        credential: &str,
        key: &str,
        want: &str,
    ) -> StoreFuture<IdempotencyClaim> {
        let (credential, key, want) = (credential.to_string(), key.to_string(), want.to_string());
        self.run(move |s| async move {
            let mut c = s.conn().await?;
            let tx = c.transaction().await.map_err(pg_err)?;
            let now = now_ms();
            tx.execute(
                "DELETE FROM idempotency WHERE created_at < $1",
                &[&(now - IDEMPOTENCY_TTL_MS)],
            )
            .await
            .map_err(pg_err)?;
            let taken: bool = tx
                .query_one(
                    "SELECT EXISTS(SELECT 1 FROM runs WHERE run_id = $1) OR EXISTS(SELECT 1 FROM idempotency WHERE run_id = $1)",
                    &[&want],
                )
                .await
                .map_err(pg_err)?
                .get(0);
            let run_id = if taken {
                crate::core::ids::new_run_id("run_")
            } else {
                want
            };
            // A concurrent claim of the same key (another connection or node) inserts nothing
            // here and reads the winner's row below.
            let inserted = tx
                .execute(
                    "INSERT INTO idempotency(credential, key, run_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (credential, key) DO NOTHING",
                    &[&credential, &key, &run_id, &now],
                )
                .await
                .map_err(pg_err)?;
            let claim = if inserted == 1 {
                IdempotencyClaim {
                    run_id,
                    fresh: true,
                    record: None,
                }
            } else {
                let r = tx
                    .query_one(
                        "SELECT run_id, record FROM idempotency WHERE credential = $1 AND key = $2",
                        &[&credential, &key],
                    )
                    .await
                    .map_err(pg_err)?;
                IdempotencyClaim {
                    run_id: r.get(0),
                    fresh: false,
                    record: r.get(1),
                }
            };
            s.commit(tx).await?;
            Ok(claim)
        })
    }

    fn complete_idempotency(&self, credential: &str, key: &str, record: &str) -> StoreFuture<()> {
        let (credential, key, record) =
            (credential.to_string(), key.to_string(), record.to_string());
        self.run(move |s| async move {
            s.conn()
                .await?
                .execute(
                    "UPDATE idempotency SET record = $3 WHERE credential = $1 AND key = $2",
                    &[&credential, &key, &record],
                )
                .await
                .map_err(pg_err)?;
            Ok(())
        })
    }
}
