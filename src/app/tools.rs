//! Tools seen from the application layer: `/tools/invoke` runs one directly (on the caller's
//! thread, under the agent's tool policy), and [`App`] is the [`ToolHost`] tool calls reach
//! the gateway through.

use super::{App, AppError, Placement};
use crate::core::run::{RunOutcome, TurnRequest};
use crate::storage::SessionPatch;
use crate::tools::{Caller, ToolContext, ToolError, ToolHost};
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
        let cfg = self.config();
        let tool = cfg.agent(&agent_id).and_then(|agent| {
            let model = cfg.model_for(agent).primary;
            self.tools
                .for_turn(
                    agent,
                    model.as_ref(),
                    Caller {
                        owner,
                        spawn_depth: 0,
                    },
                )
                .into_iter()
                .find(|t| t.name() == name)
        });
        let tool = tool.ok_or_else(|| InvokeError::NotAvailable(name.to_string()))?;
        let env = self
            .skills_snapshot(&agent_id)
            .map(|s| s.env.clone())
            .unwrap_or_default();
        let ctx = ToolContext {
            host: Arc::new(self.clone()),
            store: self.store.clone(),
            config: cfg.clone(),
            session_key,
            agent_id,
            run_id: None,
            sender_is_owner: owner,
            spawn_depth: 0,
            cancel: crate::tools::Cancel::never(),
            env,
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

    fn cron(
        &self,
        action: &str,
        params: Value,
    ) -> LocalBoxFuture<'static, Result<Value, ToolError>> {
        let app = self.clone();
        let action = action.to_string();
        Box::pin(async move {
            let r = match action.as_str() {
                "status" => app.cron_status().await,
                "list" => app.cron_list(&params).await,
                "add" => app.cron_add(params).await,
                "update" => app.cron_update(&params).await,
                "remove" => app.cron_remove(&params).await,
                "run" => app.cron_run(&params).await,
                "runs" => app.cron_runs_page(&params).await,
                other => {
                    return Err(ToolError::InvalidInput(format!(
                        "unknown cron action: {other}"
                    )))
                }
            };
            r.map_err(|e| match e {
                AppError::Invalid { message, .. } | AppError::NotFound(message) => {
                    ToolError::InvalidInput(message)
                }
                AppError::Forbidden(m) => ToolError::Forbidden(m),
                AppError::Conflict { message, .. } => ToolError::InvalidInput(message),
                AppError::Unavailable(m) | AppError::Failed(m) => ToolError::Failed(m),
                AppError::Limited { message, .. } => ToolError::Failed(message),
            })
        })
    }

    fn create_session(
        &self,
        key: String,
        agent_id: String,
        label: Option<String>,
    ) -> LocalBoxFuture<'static, Result<(), ToolError>> {
        let app = self.clone();
        Box::pin(async move {
            let patch = SessionPatch {
                label: label.map(Some),
                ..Default::default()
            };
            app.create_session(&key, &agent_id, patch)
                .await
                .map(drop)
                .map_err(|e| ToolError::Failed(e.to_string()))
        })
    }

    fn delete_session(&self, key: String, agent_id: String) -> LocalBoxFuture<'static, bool> {
        let app = self.clone();
        Box::pin(async move {
            app.delete_session(&key, &agent_id)
                .await
                .is_ok_and(|m| m.deleted)
        })
    }

    fn deliver(
        &self,
        msg: crate::channels::Deliver,
    ) -> LocalBoxFuture<
        'static,
        Result<crate::channels::DeliveryReceipt, crate::channels::DeliveryError>,
    > {
        let app = self.clone();
        Box::pin(async move { app.deliver(msg).await })
    }

    fn skills(&self, agent_id: &str) -> Option<Arc<crate::skills::SkillSnapshot>> {
        self.skills_snapshot(agent_id)
    }

    fn request_approval(
        &self,
        req: crate::tools::approval::ApprovalRequest,
    ) -> LocalBoxFuture<'static, crate::tools::approval::Approval> {
        let app = self.clone();
        Box::pin(async move { app.ask_approval(req).await })
    }

    fn memory(&self) -> Option<crate::memory::Memory> {
        Some(self.memory.clone())
    }

    fn browser(&self) -> Option<crate::browser::Browser> {
        Some(self.browser.clone())
    }
}
