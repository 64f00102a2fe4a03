//! `cron`: the agent manages the gateway's cron jobs — `status`, `list`, `add`, `update`,
//! `remove`, `run`, `runs` — with the same parameters and answers as the `cron.*` WebSocket
//! methods (both go through the application layer). Owner-only, as in OpenClaw: offered only
//! in turns whose sender is an owner, whatever the policy says.

use super::{json_result, Tool, ToolContext, ToolError};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};

/// The actions, in the order the schema lists them.
pub const ACTIONS: [&str; 7] = ["status", "list", "add", "update", "remove", "run", "runs"];

/// The `cron` tool.
pub struct Cron;

impl Tool for Cron {
    fn name(&self) -> &'static str {
        "cron"
    }
    fn description(&self) -> &'static str {
        "Manage the gateway's scheduled jobs: status, list, add (a `job` with name, schedule \
         {kind: at|every|cron, …} and payload {kind: agentTurn, message} or {kind: systemEvent, \
         text}), update (jobId + patch), remove, run now, and runs (the run log)."
    }
    fn owner_only(&self) -> bool {
        true
    }
    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "required": ["action"],
            "properties": {
                "action": {"type": "string", "enum": ACTIONS},
                "jobId": {"type": "string", "description": "update, remove, run, runs: the job"},
                "job": {"type": "object", "description": "add: the job (as cron.add takes it)"},
                "patch": {"type": "object", "description": "update: the fields to change"},
                "includeDisabled": {"type": "boolean", "description": "list: disabled jobs too"},
                "mode": {"type": "string", "enum": ["force", "due"], "description": "run: force (default) or only when due"},
                "limit": {"type": "integer", "minimum": 1},
                "offset": {"type": "integer", "minimum": 0}
            }
        })
    }
    fn normalize_args(&self, mut args: Value) -> Value {
        if let Some(o) = args.as_object_mut() {
            if let Some(id) = o.remove("id") {
                o.entry("jobId").or_insert(id);
            }
        }
        args
    }
    fn call(
        &self,
        ctx: ToolContext,
        args: Value,
    ) -> LocalBoxFuture<'static, Result<Value, ToolError>> {
        Box::pin(async move {
            if !ctx.sender_is_owner {
                return Err(ToolError::Forbidden("cron is owner-only".into()));
            }
            let action = args["action"].as_str().unwrap_or_default().to_string();
            if !ACTIONS.contains(&action.as_str()) {
                return Err(ToolError::InvalidInput(format!(
                    "field `action` must be one of: {}",
                    ACTIONS.join(", ")
                )));
            }
            let params = match action.as_str() {
                "add" => {
                    let Some(mut job) = args.get("job").filter(|j| j.is_object()).cloned() else {
                        return Err(ToolError::InvalidInput("add needs a `job` object".into()));
                    };
                    // A job the agent adds runs as that agent unless it says otherwise.
                    if let Some(o) = job.as_object_mut() {
                        o.entry("agentId").or_insert_with(|| json!(ctx.agent_id));
                    }
                    job
                }
                _ => args,
            };
            let result = ctx.host.cron(&action, params).await?;
            Ok(json_result(result))
        })
    }
}
