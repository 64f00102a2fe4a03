//! Session tools: `sessions_list`, `sessions_history`, `session_status`.

use super::{json_result, Tool, ToolContext, ToolError};
use crate::app::session_view::{tool_row, SessionContext};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};

fn failed(e: impl std::fmt::Display) -> ToolError {
    ToolError::Failed(e.to_string())
}

fn limit_arg(args: &Value, default: usize, max: usize) -> Result<usize, ToolError> {
    match args.get("limit") {
        None | Some(Value::Null) => Ok(default),
        Some(v) => v
            .as_u64()
            .filter(|n| *n > 0)
            .map(|n| (n as usize).min(max))
            .ok_or_else(|| ToolError::InvalidInput("limit must be a positive integer".into())),
    }
}

/// Lists sessions, most recent first.
pub struct SessionsList;

impl Tool for SessionsList {
    fn name(&self) -> &'static str {
        "sessions_list"
    }
    fn description(&self) -> &'static str {
        "List sessions (most recently active first) with their message counts and token usage."
    }
    fn parameters(&self) -> Value {
        json!({"type": "object", "properties": {
            "limit": {"type": "integer", "minimum": 1, "description": "Max sessions (default 100)"},
            "agentId": {"type": "string", "description": "Only this agent's sessions"}
        }, "additionalProperties": true})
    }
    fn call(
        &self,
        ctx: ToolContext,
        args: Value,
    ) -> LocalBoxFuture<'static, Result<Value, ToolError>> {
        Box::pin(async move {
            let limit = limit_arg(&args, 100, 500)?;
            let agent = args.get("agentId").and_then(Value::as_str);
            let mut rows = ctx
                .store
                .list_sessions(agent, limit + 1)
                .await
                .map_err(failed)?;
            let has_more = rows.len() > limit;
            rows.truncate(limit);
            let live = SessionContext::with_runs(
                ctx.run_id
                    .iter()
                    .map(|id| (id.clone(), ctx.session_key.clone()))
                    .collect(),
            );
            let sessions: Vec<Value> = rows
                .iter()
                .map(|r| {
                    let main = ctx.config.main_session_key(&r.agent_id);
                    tool_row(&ctx.config, r, &main, &live)
                })
                .collect();
            Ok(json_result(
                json!({"count": sessions.len(), "sessions": sessions, "hasMore": has_more, "limitApplied": limit}),
            ))
        })
    }
}

/// Reads a session's transcript.
pub struct SessionsHistory;

impl Tool for SessionsHistory {
    fn name(&self) -> &'static str {
        "sessions_history"
    }
    fn description(&self) -> &'static str {
        "Read the recent messages of a session (defaults to the current session)."
    }
    fn parameters(&self) -> Value {
        json!({"type": "object", "properties": {
            "sessionKey": {"type": "string", "description": "Session key (default: current)"},
            "limit": {"type": "integer", "minimum": 1, "description": "Max messages (default 20)"}
        }, "additionalProperties": true})
    }
    fn call(
        &self,
        ctx: ToolContext,
        args: Value,
    ) -> LocalBoxFuture<'static, Result<Value, ToolError>> {
        Box::pin(async move {
            let limit = limit_arg(&args, 20, 1000)?;
            let key = args
                .get("sessionKey")
                .and_then(Value::as_str)
                .unwrap_or(&ctx.session_key)
                .to_string();
            let Some(row) = ctx.store.get_session(&key).await.map_err(failed)? else {
                return Err(ToolError::InvalidInput(format!("Session not found: {key}")));
            };
            let messages = ctx
                .store
                .load_messages(&row.session_id, limit)
                .await
                .map_err(failed)?;
            Ok(json_result(
                json!({"sessionKey": key, "messages": messages}),
            ))
        })
    }
}

/// Describes the current session.
pub struct SessionStatus;

impl Tool for SessionStatus {
    fn name(&self) -> &'static str {
        "session_status"
    }
    fn description(&self) -> &'static str {
        "Show the current session's key, agent, model, message count and token usage."
    }
    fn parameters(&self) -> Value {
        json!({"type": "object", "properties": {
            "sessionKey": {"type": "string", "description": "Session key (default: current)"}
        }, "additionalProperties": true})
    }
    fn call(
        &self,
        ctx: ToolContext,
        args: Value,
    ) -> LocalBoxFuture<'static, Result<Value, ToolError>> {
        Box::pin(async move {
            let key = args
                .get("sessionKey")
                .and_then(Value::as_str)
                .unwrap_or(&ctx.session_key)
                .to_string();
            let row = ctx.store.get_session(&key).await.map_err(failed)?;
            let agent = ctx.config.agent(&ctx.agent_id);
            let model = agent
                .map(|a| ctx.config.model_for(a))
                .and_then(|m| m.primary)
                .map(|m| m.to_string());
            Ok(json_result(json!({
                "sessionKey": key,
                "agentId": ctx.agent_id,
                "model": row.as_ref().and_then(|r| r.model.clone()).or(model),
                "exists": row.is_some(),
                "session": row,
            })))
        })
    }
}
