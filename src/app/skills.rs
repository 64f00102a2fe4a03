//! Skills seen from the application layer: the skills an agent sees (`GET /api/v1/skills`,
//! WS `skills.status`, the CLI) and running one in a session (`POST
//! /api/v1/skills/:name/execute`): a `command-dispatch: tool` skill calls its tool directly
//! with OpenClaw's raw-argument shape; any other runs an agent turn told to use the skill.

use super::tools::InvokeError;
use super::{App, AppError, Placement};
use crate::core::run::{RunOutcome, TurnRequest};
use crate::skills::{SkillCatalog, SkillSnapshot, SkillStatus};
use crate::tools::ToolError;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What running a skill produced.
#[derive(Debug)]
pub enum SkillOutput {
    /// A `command-dispatch: tool` skill: the tool's result.
    Tool(Value),
    /// Any other skill: the agent turn's outcome (it may have failed).
    Turn(Box<RunOutcome>),
}

/// A finished skill run.
#[derive(Debug)]
pub struct SkillRun {
    /// What it produced.
    pub output: SkillOutput,
    /// How long it took.
    pub elapsed: Duration,
}

/// A request to run a skill.
#[derive(Debug, Clone)]
pub struct SkillRequest {
    /// The skill's name.
    pub name: String,
    /// Its arguments as one raw string (what a user types after `/name`).
    pub args: String,
    /// The agent (`None` = the default agent).
    pub agent_id: Option<String>,
    /// The session (a caller-given name, scoped to the agent as `/api/v1/message` does).
    pub session: Option<String>,
    /// Whether the caller is an owner (shared-secret HTTP callers are).
    pub owner: bool,
}

/// The raw argument string of `args` (a string, a list of strings joined by spaces, or any
/// other JSON as its text; `null`/missing is empty).
pub fn raw_args(args: Option<&Value>) -> String {
    match args {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(" "),
        Some(other) => other.to_string(),
    }
}

fn unavailable_reason(s: &SkillStatus) -> Option<String> {
    let name = &s.skill.meta.name;
    if !s.enabled {
        return Some(format!(
            "Skill '{name}' is disabled (skills.entries.{}.enabled)",
            s.skill.key()
        ));
    }
    if !s.eligible {
        return Some(format!(
            "Skill '{name}' is not eligible here; missing {}",
            s.missing.describe()
        ));
    }
    None
}

impl App {
    /// The skill catalog (folders, snapshots, change listeners).
    pub fn skill_catalog(&self) -> &Arc<SkillCatalog> {
        &self.skills
    }

    /// The current skills snapshot of agent `agent_id`.
    pub fn skills_snapshot(&self, agent_id: &str) -> Option<Arc<SkillSnapshot>> {
        self.skills.snapshot(agent_id)
    }

    /// The skills of `agent_id` (`None`/`default` = the default agent) as `skills.status`
    /// and `GET /api/v1/skills` render them.
    pub fn skills_status(&self, agent_id: Option<&str>) -> Result<Value, AppError> {
        let cfg = self.config();
        let agent = super::select::agent_by_id(&cfg, agent_id)?;
        let snap = self
            .skills_snapshot(&agent)
            .ok_or_else(|| AppError::NotFound(format!("unknown agent {agent}")))?;
        let agent_cfg = cfg.agent(&agent);
        Ok(json!({
            "agentId": agent,
            "workspaceDir": agent_cfg.map(|a| a.workspace.to_string_lossy().into_owned()),
            "managedSkillsDir": cfg.state_dir.join("skills").to_string_lossy(),
            "version": snap.version,
            "skills": snap.skills.iter().map(SkillStatus::to_json).collect::<Vec<_>>(),
            "errors": snap.errors.iter().map(|e| json!({
                "path": e.path.to_string_lossy(), "line": e.line, "message": e.message,
            })).collect::<Vec<_>>(),
        }))
    }

    /// Runs a skill in a session; see the module docs. Unknown skill → `NotFound`; disabled
    /// or ineligible → `Conflict` with what is missing; not user-invocable → `Forbidden`.
    pub async fn execute_skill(&self, req: SkillRequest) -> Result<SkillRun, AppError> {
        let cfg = self.config();
        let agent = super::select::agent_by_id(&cfg, req.agent_id.as_deref())?;
        let snap = self
            .skills_snapshot(&agent)
            .ok_or_else(|| AppError::NotFound(format!("unknown agent {agent}")))?;
        let status = snap
            .get(&req.name)
            .ok_or_else(|| AppError::NotFound(format!("Skill '{}' not found", req.name)))?;
        if let Some(message) = unavailable_reason(status) {
            return Err(AppError::Conflict {
                message,
                details: json!({
                    "enabled": status.enabled,
                    "eligible": status.eligible,
                    "missing": status.missing,
                }),
            });
        }
        let meta = &status.skill.meta;
        if !meta.user_invocable {
            return Err(AppError::Forbidden(format!(
                "Skill '{}' is not user-invocable",
                meta.name
            )));
        }
        let key = super::select::scoped_session_key(&cfg, &agent, req.session.as_deref())?;
        let started = Instant::now();
        let output = match &meta.dispatch {
            Some(d) => {
                let args =
                    json!({"command": req.args, "commandName": meta.name, "skillName": meta.name});
                let result = self
                    .invoke_tool(&d.tool, args, key, agent.clone(), req.owner)
                    .await
                    .map_err(|e| match e {
                        InvokeError::NotAvailable(t) => AppError::Conflict {
                            message: format!(
                                "Skill '{}' dispatches to tool '{t}', which agent {agent} may not use",
                                meta.name
                            ),
                            details: json!({"tool": t}),
                        },
                        InvokeError::Tool(ToolError::InvalidInput(m)) => AppError::Invalid {
                            message: m,
                            param: Some("args"),
                        },
                        InvokeError::Tool(ToolError::Forbidden(m)) => AppError::Forbidden(m),
                        InvokeError::Tool(ToolError::Failed(m)) => AppError::Failed(m),
                    })?;
                SkillOutput::Tool(result)
            }
            None => {
                let message = if req.args.trim().is_empty() {
                    format!("Use the \"{}\" skill for this request.", meta.name)
                } else {
                    format!(
                        "Use the \"{}\" skill for this request.\n\nUser input:\n{}",
                        meta.name, req.args
                    )
                };
                let mut turn = TurnRequest::new(
                    crate::core::ids::new_run_id("skill_"),
                    agent.clone(),
                    key,
                    message,
                );
                turn.channel = "api".into();
                turn.sender_is_owner = req.owner;
                turn.stream = false;
                // The skill was named explicitly: its instructions come with the turn, so the
                // model need not read SKILL.md first.
                turn.extra_system_prompt = Some(format!(
                    "# Skill: {} ({})\n{}",
                    meta.name,
                    status.skill.location.display(),
                    meta.body
                ));
                let outcome = self
                    .start_turn(turn, Placement::Here)
                    .outcome()
                    .await
                    .ok_or_else(|| AppError::Failed("the run ended without an outcome".into()))?;
                SkillOutput::Turn(Box::new(outcome))
            }
        };
        Ok(SkillRun {
            output,
            elapsed: started.elapsed(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_args_accepts_the_shapes_callers_send() {
        assert_eq!(raw_args(Some(&json!(["北京", "明天"]))), "北京 明天");
        assert_eq!(raw_args(Some(&json!("a b"))), "a b");
        assert_eq!(raw_args(None), "");
        assert_eq!(
            raw_args(Some(&json!({"city": "北京"}))),
            r#"{"city":"北京"}"#
        );
    }
}
