//! Transcript writes: appending messages, and a turn's two commits (its input and run row;
//! its output, run status and counters).

use super::{SqliteStore, StoreError};
use crate::storage::{now_ms, NewMessage, StoreFuture, TurnEnd};
use rusqlite::{params, Connection};

impl SqliteStore {
    /// Appends messages to a transcript in one transaction and bumps the session's counters.
    pub fn append_messages(
        &self,
        key: &str,
        session_id: &str,
        run_id: Option<&str>,
        msgs: &[NewMessage],
    ) -> Result<(), StoreError> {
        if msgs.is_empty() {
            return Ok(());
        }
        self.write(|tx| insert_messages(tx, key, session_id, run_id, msgs))
    }

    /// Starts a turn: the turn's input messages and the run row (`running`), committed together
    /// (group commit; await it before relying on the turn being durable).
    pub fn begin_turn(
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
        self.write_async(Box::new(move |c| {
            insert_messages(c, &key, &session_id, Some(&run_id), &msgs)?;
            // Plain INSERT: a run id that is already stored fails the turn instead of
            // overwriting another run's row.
            c.prepare_cached("INSERT INTO runs(run_id, session_key, status, started_at, model) VALUES (?1, ?2, 'running', ?3, ?4)")?
                .execute(params![run_id, key, now_ms(), model])?;
            Ok(())
        }))
    }

    /// Ends a turn: the messages it produced, the run's status and usage, and the session's
    /// token counters, committed together (group commit).
    pub fn end_turn(&self, end: TurnEnd) -> StoreFuture<()> {
        self.write_async(Box::new(move |c| {
            let (p, o, t) = end.usage.openai_triple();
            insert_rows(c, &end.key, &end.session_id, Some(&end.run_id), &end.messages)?;
            c.prepare_cached(
                "UPDATE runs SET status=?2, ended_at=?3, input_tokens=?4, output_tokens=?5, cache_read=?6, cache_write=?7, total_tokens=?8, model=COALESCE(?9, model), error=?10 WHERE run_id=?1",
            )?
            .execute(params![end.run_id, end.status.as_str(), now_ms(), end.usage.input as i64, end.usage.output as i64, end.usage.cache_read as i64, end.usage.cache_write as i64, t as i64, end.model, end.error])?;
            // `updated_at` moved when the turn began; leaving it alone here keeps the session
            // indexes (ordered by it) out of this commit.
            c.prepare_cached("UPDATE sessions SET message_count = message_count + ?2, input_tokens = input_tokens + ?3, output_tokens = output_tokens + ?4, total_tokens = total_tokens + ?5 WHERE key = ?1")?
                .execute(params![end.key, end.messages.len() as i64, p as i64, o as i64, t as i64])?;
            Ok(())
        }))
    }
}

/// Appends `msgs` to the transcript and moves the session's `updated_at` and message count.
fn insert_messages(
    tx: &Connection,
    key: &str,
    session_id: &str,
    run_id: Option<&str>,
    msgs: &[NewMessage],
) -> Result<(), StoreError> {
    if msgs.is_empty() {
        return Ok(());
    }
    let now = insert_rows(tx, key, session_id, run_id, msgs)?;
    tx.prepare_cached(
        "UPDATE sessions SET updated_at = ?2, message_count = message_count + ?3 WHERE key = ?1",
    )?
    .execute(params![key, now, msgs.len() as i64])?;
    Ok(())
}

/// Appends `msgs` to the transcript (the session row is the caller's); answers their time.
fn insert_rows(
    tx: &Connection,
    key: &str,
    session_id: &str,
    run_id: Option<&str>,
    msgs: &[NewMessage],
) -> Result<i64, StoreError> {
    let now = now_ms();
    if msgs.is_empty() {
        return Ok(now);
    }
    let mut ins = tx.prepare_cached(
        "INSERT INTO messages(session_key, session_id, role, content, tool_calls, tool_call_id, run_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for m in msgs {
        let calls = (!m.tool_calls.is_empty())
            .then(|| serde_json::to_string(&m.tool_calls).unwrap_or_default());
        ins.execute(params![
            key,
            session_id,
            m.role.as_str(),
            m.content,
            calls,
            m.tool_call_id,
            run_id,
            now
        ])?;
    }
    Ok(now)
}
