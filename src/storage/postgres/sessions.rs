//! Session rows: create on first use, read, list and page (most recently updated first, key
//! as the tie-break, as in SQLite), patch, reset and delete.

use super::{pg_err, PgStore};
use crate::storage::{
    now_ms, SessionPatch, SessionQuery, SessionRow, SessionStore, StoreError, StoreFuture,
};
use deadpool_postgres::GenericClient;
use tokio_postgres::types::ToSql;

const SESSION_COLS: &str = "key, session_id, agent_id, label, created_at, updated_at, message_count, input_tokens, output_tokens, total_tokens, model, thinking_level";

fn session_from_row(r: &tokio_postgres::Row) -> SessionRow {
    SessionRow {
        key: r.get(0),
        session_id: r.get(1),
        agent_id: r.get(2),
        label: r.get(3),
        created_at: r.get(4),
        updated_at: r.get(5),
        message_count: r.get(6),
        input_tokens: r.get(7),
        output_tokens: r.get(8),
        total_tokens: r.get(9),
        model: r.get(10),
        thinking_level: r.get(11),
    }
}

/// The session row on `c` (a connection or a transaction).
pub(super) async fn get_session<C: GenericClient>(
    c: &C,
    key: &str,
) -> Result<Option<SessionRow>, StoreError> {
    let st = c
        .prepare_cached(&format!(
            "SELECT {SESSION_COLS} FROM sessions WHERE key = $1"
        ))
        .await
        .map_err(pg_err)?;
    Ok(c.query_opt(&st, &[&key])
        .await
        .map_err(pg_err)?
        .map(|r| session_from_row(&r)))
}

/// Runs `UPDATE sessions SET <column> = $2 WHERE key = $1` for a patched field.
async fn set_column<C: GenericClient>(
    c: &C,
    key: &str,
    column: &str,
    value: &Option<Option<String>>,
) -> Result<(), StoreError> {
    if let Some(v) = value {
        c.execute(
            &format!("UPDATE sessions SET {column} = $2 WHERE key = $1"),
            &[&key, v],
        )
        .await
        .map_err(pg_err)?;
    }
    Ok(())
}

impl SessionStore for PgStore {
    fn ensure_session(&self, key: &str, agent_id: &str) -> StoreFuture<SessionRow> {
        let (key, agent) = (key.to_string(), agent_id.to_string());
        self.run(move |s| async move {
            let c = s.conn().await?;
            if let Some(row) = get_session(&c, &key).await? {
                return Ok(row);
            }
            let st = c
                .prepare_cached("INSERT INTO sessions(key, session_id, agent_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) ON CONFLICT (key) DO NOTHING")
                .await
                .map_err(pg_err)?;
            c.execute(
                &st,
                &[&key, &uuid::Uuid::now_v7().to_string(), &agent, &now_ms()],
            )
            .await
            .map_err(pg_err)?;
            get_session(&c, &key)
                .await?
                .ok_or_else(|| StoreError::Backend("session vanished after insert".into()))
        })
    }

    fn get_session(&self, key: &str) -> StoreFuture<Option<SessionRow>> {
        let key = key.to_string();
        self.run(move |s| async move { get_session(&s.conn().await?, &key).await })
    }

    fn list_sessions(&self, agent_id: Option<&str>, limit: usize) -> StoreFuture<Vec<SessionRow>> {
        let agent = agent_id.map(str::to_string);
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached(&format!(
                    "SELECT {SESSION_COLS} FROM sessions WHERE ($1::TEXT IS NULL OR agent_id = $1) ORDER BY updated_at DESC, key LIMIT $2"
                ))
                .await
                .map_err(pg_err)?;
            let rows = c
                .query(&st, &[&agent, &(limit as i64)])
                .await
                .map_err(pg_err)?;
            Ok(rows.iter().map(session_from_row).collect())
        })
    }

    fn query_sessions(&self, q: &SessionQuery) -> StoreFuture<(Vec<SessionRow>, i64)> {
        let q = q.clone();
        self.run(move |s| async move {
            // `agent:<id>:<channel>:…`: the channel is the first segment after the agent id.
            let pattern = q.channel.as_ref().map(|ch| format!("agent:%:{ch}:%"));
            let mut terms: Vec<String> = Vec::new();
            let mut args: Vec<Box<dyn ToSql + Sync + Send>> = Vec::new();
            if let Some(a) = &q.agent_id {
                args.push(Box::new(a.clone()));
                terms.push(format!("agent_id = ${}", args.len()));
            }
            if let Some(p) = pattern {
                args.push(Box::new(p));
                terms.push(format!("key LIKE ${}", args.len()));
            }
            if let Some(t) = q.updated_since {
                args.push(Box::new(t));
                terms.push(format!("updated_at >= ${}", args.len()));
            }
            if !q.key_prefixes.is_empty() {
                let mut any = Vec::new();
                for p in &q.key_prefixes {
                    args.push(Box::new(p.clone()));
                    any.push(format!("starts_with(key, ${})", args.len()));
                }
                terms.push(format!("({})", any.join(" OR ")));
            }
            let filter = if terms.is_empty() {
                String::new()
            } else {
                format!(" WHERE {}", terms.join(" AND "))
            };
            let n = args.len();
            let c = s.conn().await?;
            let count_sql = format!("SELECT COUNT(*) FROM sessions{filter}");
            let page_sql = format!(
                "SELECT {SESSION_COLS} FROM sessions{filter} ORDER BY updated_at DESC, key LIMIT ${} OFFSET ${}",
                n + 1,
                n + 2
            );
            args.push(Box::new(q.limit as i64));
            args.push(Box::new(q.offset as i64));
            let refs: Vec<&(dyn ToSql + Sync)> = args
                .iter()
                .map(|a| a.as_ref() as &(dyn ToSql + Sync))
                .collect();
            let st = c.prepare_cached(&page_sql).await.map_err(pg_err)?;
            let rows = c.query(&st, &refs).await.map_err(pg_err)?;
            let st = c.prepare_cached(&count_sql).await.map_err(pg_err)?;
            let total: i64 = c
                .query_one(&st, &refs[..n])
                .await
                .map_err(pg_err)?
                .get(0);
            Ok((rows.iter().map(session_from_row).collect(), total))
        })
    }

    fn count_sessions(&self, agent_id: Option<&str>) -> StoreFuture<i64> {
        let agent = agent_id.map(str::to_string);
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached(
                    "SELECT COUNT(*) FROM sessions WHERE ($1::TEXT IS NULL OR agent_id = $1)",
                )
                .await
                .map_err(pg_err)?;
            Ok(c.query_one(&st, &[&agent]).await.map_err(pg_err)?.get(0))
        })
    }

    fn patch_session(&self, key: &str, patch: &SessionPatch) -> StoreFuture<Option<SessionRow>> {
        let (key, patch) = (key.to_string(), patch.clone());
        self.run(move |s| async move {
            let mut c = s.conn().await?;
            let tx = c.transaction().await.map_err(pg_err)?;
            set_column(&tx, &key, "label", &patch.label).await?;
            set_column(&tx, &key, "model", &patch.model).await?;
            set_column(&tx, &key, "thinking_level", &patch.thinking_level).await?;
            tx.execute(
                "UPDATE sessions SET updated_at = $2 WHERE key = $1",
                &[&key, &now_ms()],
            )
            .await
            .map_err(pg_err)?;
            let row = get_session(&tx, &key).await?;
            s.commit(tx).await?;
            Ok(row)
        })
    }

    fn reset_session(&self, key: &str) -> StoreFuture<Option<SessionRow>> {
        let key = key.to_string();
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached(&format!("UPDATE sessions SET session_id = $2, updated_at = $3, message_count = 0 WHERE key = $1 RETURNING {SESSION_COLS}"))
                .await
                .map_err(pg_err)?;
            Ok(c.query_opt(&st, &[&key, &uuid::Uuid::now_v7().to_string(), &now_ms()])
                .await
                .map_err(pg_err)?
                .map(|r| session_from_row(&r)))
        })
    }

    fn delete_session(&self, key: &str) -> StoreFuture<bool> {
        let key = key.to_string();
        self.run(move |s| async move {
            let mut c = s.conn().await?;
            let tx = c.transaction().await.map_err(pg_err)?;
            tx.execute("DELETE FROM messages WHERE session_key = $1", &[&key])
                .await
                .map_err(pg_err)?;
            let n = tx
                .execute("DELETE FROM sessions WHERE key = $1", &[&key])
                .await
                .map_err(pg_err)?;
            s.commit(tx).await?;
            Ok(n > 0)
        })
    }
}
