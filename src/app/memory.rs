//! Memory seen from the edges: search, read, append, index status, reindex, embeddings.
//! Every edge (the tools, `/api/v1/memory`, the `memory.*` WebSocket methods, the CLI over
//! WebSocket, `/v1/embeddings`) calls these; [`crate::memory::Memory`] does the work.

use super::{App, AppError};
use crate::memory::{
    embed::Embedded, indexer::SyncReport, Appended, MemoryError, SearchOptions, SearchReply,
};
use serde_json::Value;

impl From<MemoryError> for AppError {
    fn from(e: MemoryError) -> Self {
        match e {
            MemoryError::Invalid(m) => AppError::Invalid {
                message: m,
                param: None,
            },
            MemoryError::NotFound(m) => AppError::NotFound(m),
            e @ (MemoryError::Disabled(_) | MemoryError::Unavailable(_)) => {
                AppError::Unavailable(e.to_string())
            }
        }
    }
}

impl App {
    /// The memory service.
    pub fn memory(&self) -> &crate::memory::Memory {
        &self.memory
    }

    /// Searches `agent`'s memory.
    pub async fn memory_search(
        &self,
        agent: &str,
        query: &str,
        opts: SearchOptions,
    ) -> Result<SearchReply, AppError> {
        Ok(self.memory.search(agent, query, opts).await?)
    }

    /// Appends a note (today's dated note, or `MEMORY.md` when `long_term`) and reindexes it.
    pub async fn memory_append(
        &self,
        agent: &str,
        content: &str,
        tags: &[String],
        long_term: bool,
    ) -> Result<Appended, AppError> {
        Ok(self.memory.append(agent, content, tags, long_term).await?)
    }

    /// The index status of `agent` (`deep`: probe the embeddings provider).
    pub async fn memory_status(&self, agent: &str, deep: bool) -> Result<Value, AppError> {
        Ok(self.memory.status(agent, deep).await?)
    }

    /// Reindexes `agent` (`force`: rebuild, accepting a changed provider/model/chunking).
    pub async fn memory_index(&self, agent: &str, force: bool) -> Result<SyncReport, AppError> {
        Ok(self.memory.index(agent, force).await?)
    }

    /// Embeds `inputs` with `agent`'s memory provider (`model` overriding its model).
    /// `Ok(None)`: the agent has no embeddings provider.
    pub async fn embeddings(
        &self,
        agent: &str,
        model: Option<&str>,
        inputs: &[String],
        dimensions: Option<u64>,
    ) -> Result<Option<(String, Embedded)>, AppError> {
        let Some(e) = self.memory.embedder(agent, model)? else {
            return Ok(None);
        };
        let out = e
            .embed_with(inputs, dimensions)
            .await
            .map_err(AppError::Unavailable)?;
        Ok(Some((e.model.clone(), out)))
    }
}
