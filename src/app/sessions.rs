//! Sessions: reads straight from the store, changes through the session's own actor (the only
//! writer of its row and transcript), so a change is ordered with the session's turns. With
//! several nodes the change goes to the actor on the node that owns the session
//! ([`crate::cluster::sessions`]), whichever node received it.

use super::{App, AppError};
use crate::actors::session::{Mutated, SessionOp};
use crate::storage::{SessionPatch, SessionRow};

impl App {
    /// Sessions ordered by most recent update, optionally for one agent.
    pub async fn list_sessions(
        &self,
        agent_id: Option<&str>,
        limit: usize,
    ) -> Result<Vec<SessionRow>, AppError> {
        Ok(self.store.list_sessions(agent_id, limit).await?)
    }

    /// A filtered page of sessions and the number matching.
    pub async fn query_sessions(
        &self,
        q: &crate::storage::SessionQuery,
    ) -> Result<(Vec<SessionRow>, i64), AppError> {
        Ok(self.store.query_sessions(q).await?)
    }

    /// Number of stored sessions (of one agent, or all).
    pub async fn count_sessions(&self, agent_id: Option<&str>) -> Result<i64, AppError> {
        Ok(self.store.count_sessions(agent_id).await?)
    }

    /// One session's row.
    pub async fn get_session(&self, key: &str) -> Result<Option<SessionRow>, AppError> {
        Ok(self.store.get_session(key).await?)
    }

    /// Applies `op` through the session's actor: on this node, or (cluster mode) on the node
    /// that owns the session, so its cached transcript and overrides change with the row.
    async fn mutate(&self, key: &str, agent_id: &str, op: SessionOp) -> Result<Mutated, AppError> {
        if let Some(c) = self.cluster() {
            return c
                .mutate(
                    self.routers.here(),
                    key.to_string(),
                    agent_id.to_string(),
                    op,
                )
                .await
                .map_err(AppError::Unavailable);
        }
        self.routers
            .mutate(key, agent_id, op)
            .await
            .map_err(AppError::Unavailable)
    }

    /// Creates the session if missing and applies `patch`.
    pub async fn create_session(
        &self,
        key: &str,
        agent_id: &str,
        patch: SessionPatch,
    ) -> Result<SessionRow, AppError> {
        self.mutate(key, agent_id, SessionOp::Create(patch))
            .await?
            .row
            .ok_or_else(|| AppError::NotFound(format!("session not found: {key}")))
    }

    /// Sets or clears the label, model and thinking overrides (the model and thinking level
    /// apply from the session's next turn). Creates the session if missing.
    pub async fn patch_session(
        &self,
        key: &str,
        agent_id: &str,
        patch: SessionPatch,
    ) -> Result<SessionRow, AppError> {
        if let Some(Some(t)) = &patch.thinking_level {
            if crate::providers::types::ThinkingLevel::parse(t).is_none() {
                return Err(AppError::invalid(
                    format!("invalid thinkingLevel: {t}"),
                    "thinkingLevel",
                ));
            }
        }
        if let Some(Some(m)) = &patch.model {
            self.check_model(agent_id, m)?;
        }
        self.mutate(key, agent_id, SessionOp::Patch(patch))
            .await?
            .row
            .ok_or_else(|| AppError::NotFound(format!("session not found: {key}")))
    }

    fn check_model(&self, agent_id: &str, model: &str) -> Result<(), AppError> {
        let cfg = self.config();
        let agent = cfg
            .agent(agent_id)
            .ok_or_else(|| AppError::invalid(format!("Unknown agent '{agent_id}'."), "agentId"))?;
        match cfg.resolve_model_override(agent, model) {
            Ok(Some(_)) => Ok(()),
            _ => Err(AppError::invalid(
                format!("Model '{model}' is not allowed for agent '{agent_id}'."),
                "model",
            )),
        }
    }

    /// Aborts the session's queued and running turns and starts a new transcript; turns sent
    /// after the reset run on the new transcript.
    pub async fn reset_session(&self, key: &str, agent_id: &str) -> Result<Mutated, AppError> {
        self.mutate(key, agent_id, SessionOp::Reset).await
    }

    /// Aborts the session's turns and deletes it with its messages.
    pub async fn delete_session(&self, key: &str, agent_id: &str) -> Result<Mutated, AppError> {
        self.mutate(key, agent_id, SessionOp::Delete).await
    }
}
