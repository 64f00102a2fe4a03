//! `update_plan`: the model keeps a short task plan visible to the user, as OpenClaw's (and
//! Codex's) tool does: `{explanation?, plan: [{step, status: pending | in_progress |
//! completed}]}`, at most one step `in_progress`. Nothing is stored: the tool checks the plan
//! and returns it; the run's event stream carries it to clients (the tool result, and a WS
//! `agent` event with `stream: "plan"`, see `crate::ws::run_events`).

use super::{json_result, Tool, ToolContext, ToolError};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};

/// Statuses a step may have.
pub const STATUSES: [&str; 3] = ["pending", "in_progress", "completed"];
/// Most steps in one plan.
pub const MAX_STEPS: usize = 50;

/// The `update_plan` tool.
pub struct UpdatePlan;

impl Tool for UpdatePlan {
    fn name(&self) -> &'static str {
        "update_plan"
    }
    fn description(&self) -> &'static str {
        "Update the task plan shown to the user: the full list of steps, each pending, \
         in_progress or completed (at most one in_progress), with an optional explanation."
    }
    fn parameters(&self) -> Value {
        json!({"type": "object", "required": ["plan"], "properties": {
            "explanation": {"type": "string", "description": "Why the plan changed (optional)."},
            "plan": {"type": "array", "description": "The list of steps.", "items": {
                "type": "object", "required": ["step", "status"], "properties": {
                    "step": {"type": "string"},
                    "status": {"type": "string", "enum": STATUSES}
                }
            }}
        }})
    }
    fn call(
        &self,
        _: ToolContext,
        args: Value,
    ) -> LocalBoxFuture<'static, Result<Value, ToolError>> {
        Box::pin(async move { check(&args).map(json_result) })
    }
}

/// The checked plan (`{explanation?, plan}`), or an error naming the bad step.
fn check(args: &Value) -> Result<Value, ToolError> {
    let bad = |m: String| Err(ToolError::InvalidInput(m));
    let steps = args["plan"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    if steps.len() > MAX_STEPS {
        return bad(format!(
            "plan has {} steps; at most {MAX_STEPS}",
            steps.len()
        ));
    }
    let mut plan = Vec::with_capacity(steps.len());
    let mut in_progress = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        let step = s["step"].as_str().map(str::trim).unwrap_or_default();
        if step.is_empty() {
            return bad(format!("`plan[{i}].step` must be a non-empty string"));
        }
        let status = s["status"].as_str().unwrap_or_default();
        if !STATUSES.contains(&status) {
            return bad(format!(
                "`plan[{i}].status` must be pending, in_progress or completed"
            ));
        }
        if status == "in_progress" {
            in_progress.push(format!("\"{step}\""));
        }
        plan.push(json!({"step": step, "status": status}));
    }
    if in_progress.len() > 1 {
        return bad(format!(
            "at most one step may be in_progress, but {} are: {}",
            in_progress.len(),
            in_progress.join(", ")
        ));
    }
    let mut out = json!({"status": "updated", "plan": plan});
    if let Some(e) = args["explanation"]
        .as_str()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        out["explanation"] = json!(e);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_comes_back_checked() {
        let got = check(&json!({"explanation": " start ", "plan": [
            {"step": "read", "status": "completed"}, {"step": "write", "status": "in_progress"}
        ]}))
        .unwrap();
        assert_eq!(got["explanation"], "start");
        assert_eq!(
            got["plan"][1],
            json!({"step": "write", "status": "in_progress"})
        );
    }

    #[test]
    fn bad_steps_are_named() {
        let e = check(&json!({"plan": [{"step": "a", "status": "done"}]})).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`plan[0].status` must be pending, in_progress or completed"
        );
        let e = check(&json!({"plan": [{"step": "", "status": "pending"}]})).unwrap_err();
        assert!(e.to_string().contains("plan[0].step"), "{e}");
    }
}
