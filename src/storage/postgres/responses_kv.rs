//! Stored `/v1/responses` results and the small key-value table.

use super::{pg_err, PgStore};
use crate::storage::{now_ms, KvStore, ResponseStore, StoreFuture, StoredResponse};
use deadpool_postgres::GenericClient;

impl ResponseStore for PgStore {
    fn put_response(&self, r: &StoredResponse) -> StoreFuture<()> {
        let r = r.clone();
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached("INSERT INTO responses(id, session_key, agent_id, auth_subject, requested_session_key, created_at, body) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET session_key = excluded.session_key, agent_id = excluded.agent_id, auth_subject = excluded.auth_subject, requested_session_key = excluded.requested_session_key, created_at = excluded.created_at, body = excluded.body")
                .await
                .map_err(pg_err)?;
            c.execute(
                &st,
                &[
                    &r.id,
                    &r.session_key,
                    &r.agent_id,
                    &r.auth_subject,
                    &r.requested_session_key,
                    &r.created_at,
                    &r.body,
                ],
            )
            .await
            .map_err(pg_err)?;
            Ok(())
        })
    }

    fn get_response(&self, id: &str) -> StoreFuture<Option<StoredResponse>> {
        let id = id.to_string();
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached("SELECT id, session_key, agent_id, auth_subject, requested_session_key, created_at, body FROM responses WHERE id = $1")
                .await
                .map_err(pg_err)?;
            Ok(c.query_opt(&st, &[&id])
                .await
                .map_err(pg_err)?
                .map(|r| StoredResponse {
                    id: r.get(0),
                    session_key: r.get(1),
                    agent_id: r.get(2),
                    auth_subject: r.get(3),
                    requested_session_key: r.get(4),
                    created_at: r.get(5),
                    body: r.get(6),
                }))
        })
    }
}

impl KvStore for PgStore {
    fn kv_get(&self, key: &str) -> StoreFuture<Option<String>> {
        let key = key.to_string();
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached("SELECT value FROM kv WHERE key = $1")
                .await
                .map_err(pg_err)?;
            Ok(c.query_opt(&st, &[&key])
                .await
                .map_err(pg_err)?
                .map(|r| r.get(0)))
        })
    }

    fn kv_put(&self, key: &str, value: &str) -> StoreFuture<()> {
        let (key, value) = (key.to_string(), value.to_string());
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached("INSERT INTO kv(key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
                .await
                .map_err(pg_err)?;
            c.execute(&st, &[&key, &value, &now_ms()])
                .await
                .map_err(pg_err)?;
            Ok(())
        })
    }
}
