//! Stored `/v1/responses` results: what a `previous_response_id` continuation and
//! `GET /v1/responses/{id}` read back.

use super::{SqliteStore, StoreError};
use crate::storage::StoredResponse;
use rusqlite::{params, OptionalExtension};

impl SqliteStore {
    /// Saves (or replaces) a response.
    pub fn put_response(&self, r: &StoredResponse) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.prepare_cached("INSERT OR REPLACE INTO responses(id, session_key, agent_id, auth_subject, requested_session_key, created_at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?
                .execute(params![r.id, r.session_key, r.agent_id, r.auth_subject, r.requested_session_key, r.created_at, r.body])?;
            Ok(())
        })
    }

    /// A stored response by id.
    pub fn get_response(&self, id: &str) -> Result<Option<StoredResponse>, StoreError> {
        let c = self.conn()?;
        let row = c
            .prepare_cached("SELECT id, session_key, agent_id, auth_subject, requested_session_key, created_at, body FROM responses WHERE id = ?1")?
            .query_row(params![id], |r| {
                Ok(StoredResponse {
                    id: r.get(0)?,
                    session_key: r.get(1)?,
                    agent_id: r.get(2)?,
                    auth_subject: r.get(3)?,
                    requested_session_key: r.get(4)?,
                    created_at: r.get(5)?,
                    body: r.get(6)?,
                })
            })
            .optional()?;
        Ok(row)
    }
}
