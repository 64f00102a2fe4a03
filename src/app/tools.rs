//! Tools seen from the application layer: `/tools/invoke` runs one directly (on the caller's
//! thread, under the agent's tool policy), and [`App`] is the [`ToolHost`] tool calls reach
//! the gateway through.

use super::{App, Placement};
use crate::core::run::{RunOutcome, TurnRequest};
use crate::tools::{ToolContext, ToolError, ToolHost};
use futures_util::future::LocalBoxFuture;
use serde_json::Value;
use std::sync::Arc;

/// Why [`App::invoke_tool`] failed.
#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    /// No such tool, or the agent's policy denies it.
    #[error("Tool not available: {0}")]
    NotAvailable(String),
    /// The tool ran and failed.
    #[error(transparent)]
    Tool(#[from] ToolError),
}

impl App {
    /// The tool registry (tests use it to let `web_fetch` reach their local pages).
    pub fn tools(&self) -> &crate::tools::ToolRegistry {
        &self.tools
    }

    /// Runs tool `name` with `args` in `session_key`, as agent `agent_id` (no model), for a
    /// caller who is an owner or not (owner-only tools are not available to others).
    pub async fn invoke_tool(
        &self,
        name: &str,
        args: Value,
        session_key: String,
        agent_id: String,
        owner: bool,
    ) -> Result<Value, InvokeError> {
        let tool = self.config.agent(&agent_id).and_then(|agent| {
            let model = self.config.model_for(agent).primary;
            self.tools
                .for_turn(agent, model.as_ref(), owner)
                .into_iter()
                .find(|t| t.name() == name)
        });
        let tool = tool.ok_or_else(|| InvokeError::NotAvailable(name.to_string()))?;
        let ctx = ToolContext {
            host: Arc::new(self.clone()),
            store: self.store.clone(),
            config: self.config.clone(),
            session_key,
            agent_id,
            run_id: None,
            sender_is_owner: owner,
            cancel: crate::tools::Cancel::never(),
        };
        let args = crate::tools::args::prepare(tool.as_ref(), args)?;
        Ok(tool.call(ctx, args).await?)
    }
}

impl ToolHost for App {
    fn run_turn(&self, req: TurnRequest) -> LocalBoxFuture<'static, Option<RunOutcome>> {
        let run = self.start_detached(req, Placement::Hashed);
        Box::pin(run.outcome())
    }

    fn start_turn(&self, req: TurnRequest) -> bool {
        self.spawn_turn(req, Placement::Hashed);
        true
    }

    fn memory(&self) -> Option<crate::memory::Memory> {
        Some(self.memory.clone())
    }
}
