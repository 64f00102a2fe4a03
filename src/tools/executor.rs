//! Running one server-tool call the model made: find the tool (only among those the agent's
//! policy allows), parse its JSON arguments and check them against the tool's schema, run it,
//! and shape a failure as a result the model can read (naming the bad field, so it can retry).
//! A tool failure never fails the turn.

use super::{json_result, Tool, ToolContext, ToolError};
use crate::providers::types::ToolCall;
use serde_json::{json, Value};
use std::sync::Arc;

/// Runs `call` with `tools`; returns the OpenClaw-shaped result and whether it is an error.
pub async fn execute(tools: &[Arc<dyn Tool>], ctx: &ToolContext, call: &ToolCall) -> (Value, bool) {
    let Some(tool) = tools.iter().find(|t| t.name() == call.name) else {
        let msg = format!("Tool not available: {}", call.name);
        return (json_result(json!({"error": msg})), true);
    };
    let args = match parse_arguments(&call.arguments) {
        Ok(a) => a,
        Err(msg) => return (json_result(json!({"error": msg})), true),
    };
    let args = match super::args::prepare(tool.as_ref(), args) {
        Ok(a) => a,
        Err(e) => return (json_result(json!({"error": e.to_string()})), true),
    };
    match tool.call(ctx.clone(), args).await {
        Ok(r) => (r, false),
        Err(e @ (ToolError::InvalidInput(_) | ToolError::Forbidden(_) | ToolError::Failed(_))) => {
            (json_result(json!({"error": e.to_string()})), true)
        }
    }
}

/// The call's arguments as a JSON value (`{}` when empty).
fn parse_arguments(raw: &str) -> Result<Value, String> {
    if raw.trim().is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_str(raw).map_err(|e| format!("invalid JSON arguments: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_parse_or_explain() {
        assert_eq!(parse_arguments("  ").unwrap(), json!({}));
        assert_eq!(parse_arguments(r#"{"a":1}"#).unwrap(), json!({"a": 1}));
        assert!(parse_arguments("{oops")
            .unwrap_err()
            .starts_with("invalid JSON arguments"));
    }
}
