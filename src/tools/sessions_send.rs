//! `sessions_send`: post a message into another session of the same agent as a new turn, and
//! wait up to `timeoutSeconds` (default 30; `0` = fire and forget) for its reply, with
//! OpenClaw's parameters (`sessionKey` or `agentId`, `message`, `timeoutSeconds`) and result
//! shape (`{runId, status: ok | accepted | timeout | error | forbidden, reply?, error?,
//! sessionKey}`).
//!
//! Refused: the caller's own session (it runs one turn at a time, so waiting on it would
//! deadlock) and other agents' sessions (OpenClaw's agent-to-agent messaging is off by default,
//! and clawgate has no switch for it yet).

use super::{args, json_result, Tool, ToolContext, ToolError};
use crate::core::ids::{agent_of, new_run_id};
use crate::core::run::{RunOutcome, RunStatus, TurnRequest};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};
use std::time::Duration;

/// Seconds waited for the reply when `timeoutSeconds` is not given.
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 30;

/// The `sessions_send` tool.
pub struct SessionsSend;

impl Tool for SessionsSend {
    fn name(&self) -> &'static str {
        "sessions_send"
    }
    fn description(&self) -> &'static str {
        "Send a message into another session (by sessionKey, or agentId for that agent's main \
         session) and wait up to timeoutSeconds for its reply (0 = do not wait)."
    }
    fn parameters(&self) -> Value {
        json!({"type": "object", "required": ["message"], "properties": {
            "sessionKey": {"type": "string", "description": "Target session key"},
            "agentId": {"type": "string", "description": "Target agent (its main session) when no sessionKey"},
            "message": {"type": "string", "description": "The message to send"},
            "timeoutSeconds": {"type": "integer", "minimum": 0,
                "description": "Seconds to wait for the reply (default 30; 0 = fire and forget)"}
        }})
    }
    fn normalize_args(&self, a: Value) -> Value {
        args::alias(a, "message", &["content", "text"])
    }
    fn call(
        &self,
        ctx: ToolContext,
        args: Value,
    ) -> LocalBoxFuture<'static, Result<Value, ToolError>> {
        Box::pin(async move {
            let message = args["message"].as_str().unwrap_or_default().to_owned();
            if message.trim().is_empty() {
                return Err(ToolError::InvalidInput(
                    "`message` must not be empty".into(),
                ));
            }
            let target = target_key(&ctx, &args)?;
            let timeout = args["timeoutSeconds"]
                .as_u64()
                .unwrap_or(DEFAULT_TIMEOUT_SECONDS);
            let run_id = new_run_id("send-");
            let agent_id = agent_of(&target).unwrap_or(&ctx.agent_id).to_owned();
            let mut req = TurnRequest::new(run_id.clone(), agent_id, target.clone(), message);
            req.channel = "internal".into();
            req.sender_is_owner = ctx.sender_is_owner;
            req.extra_system_prompt = Some(format!(
                "This message was sent by session {} with the sessions_send tool.",
                ctx.session_key
            ));
            if timeout == 0 {
                if !ctx.host.start_turn(req) {
                    return Err(ToolError::Failed("no gateway to run the turn".into()));
                }
                return Ok(json_result(
                    json!({"runId": run_id, "status": "accepted", "sessionKey": target}),
                ));
            }
            let waited =
                tokio::time::timeout(Duration::from_secs(timeout), ctx.host.run_turn(req)).await;
            Ok(json_result(outcome_details(&run_id, &target, waited.ok())))
        })
    }
}

/// The scoped key of the target session; refuses the caller's own session and other agents'.
fn target_key(ctx: &ToolContext, args: &Value) -> Result<String, ToolError> {
    let key = args["sessionKey"]
        .as_str()
        .map(str::trim)
        .filter(|k| !k.is_empty());
    let agent = args["agentId"]
        .as_str()
        .map(str::trim)
        .filter(|a| !a.is_empty());
    let target = match (key, agent) {
        (Some(k), _) => crate::app::select::scoped_session_key(&ctx.config, &ctx.agent_id, Some(k)),
        (None, Some(a)) => crate::app::select::agent_by_id(&ctx.config, Some(a))
            .map(|id| ctx.config.main_session_key(&id)),
        (None, None) => {
            return Err(ToolError::InvalidInput(
                "Either sessionKey or agentId is required".into(),
            ))
        }
    }
    .map_err(|e| ToolError::InvalidInput(e.to_string()))?;
    if target == ctx.session_key {
        return Err(ToolError::Forbidden(
            "sessions_send cannot target the current session (it runs one turn at a time)".into(),
        ));
    }
    if agent_of(&target).is_some_and(|a| a != ctx.agent_id) {
        return Err(ToolError::Forbidden(format!(
            "Agent-to-agent messaging is disabled: {target} belongs to another agent"
        )));
    }
    Ok(target)
}

/// OpenClaw's result for a waited send: the reply, or why there is none.
fn outcome_details(run_id: &str, target: &str, outcome: Option<Option<RunOutcome>>) -> Value {
    match outcome {
        None => json!({"runId": run_id, "status": "timeout",
            "error": "timed out waiting for the reply (the turn goes on)", "sessionKey": target}),
        Some(None) => json!({"runId": run_id, "status": "error",
            "error": "the turn ended without an outcome", "sessionKey": target}),
        Some(Some(o)) if o.status == RunStatus::Ok => {
            json!({"runId": run_id, "status": "ok", "reply": o.text, "sessionKey": target})
        }
        Some(Some(o)) => {
            let error = o
                .failure
                .map_or_else(|| format!("{:?}", o.status), |f| f.to_string());
            json!({"runId": run_id, "status": "error", "error": error, "sessionKey": target})
        }
    }
}
