//! Reads of persisted data for the edges (transcripts, the cron run log, stored responses,
//! readiness). They go to the storage traits, whose backend decides which thread runs them.

use super::{App, AppError};
use crate::storage::{RunLogQuery, SessionRow, StoredMessage, StoredResponse};

impl App {
    /// What clients are told the store is (`sqlite:clawgate.sqlite`).
    pub fn store_name(&self) -> String {
        self.store.describe()
    }

    /// Whether the store answers.
    pub async fn store_ready(&self) -> bool {
        self.store.count_sessions(None).await.is_ok()
    }

    /// A session's row and the last `limit` messages of its current transcript.
    pub async fn history(
        &self,
        key: &str,
        limit: usize,
    ) -> Result<Option<(SessionRow, Vec<StoredMessage>)>, AppError> {
        let Some(row) = self.store.get_session(key).await? else {
            return Ok(None);
        };
        let messages = self.store.load_messages(&row.session_id, limit).await?;
        Ok(Some((row, messages)))
    }

    /// A page of the cron run log and the number of matching entries.
    pub async fn cron_runs(&self, q: &RunLogQuery) -> Result<(Vec<String>, usize), AppError> {
        Ok(self.store.cron_runs(q).await?)
    }

    /// A stored `/v1/responses` result.
    pub async fn stored_response(&self, id: &str) -> Result<Option<StoredResponse>, AppError> {
        Ok(self.store.get_response(id).await?)
    }

    /// Stores a `/v1/responses` result.
    pub async fn save_response(&self, r: &StoredResponse) -> Result<(), AppError> {
        Ok(self.store.put_response(r).await?)
    }
}
