//! `sessions_spawn`: start a sub-agent — a turn in a fresh, isolated child session
//! (`agent:<agent>:subagent:<uuid>`) — and return at once with `{status: "accepted", runId,
//! childSessionKey}`. When the child's turn ends, its result is announced back to the parent:
//! a new turn in the parent session carrying the child's reply (queued behind the parent's
//! current turn), so the parent agent can report it.
//!
//! Limits, from the spawning agent's `subagents` block: which agents a spawn may run as
//! (`allowAgents`; itself always), how deep spawns nest (`maxSpawnDepth`, default 1: a
//! sub-agent is not offered `sessions_spawn`), how many of its sub-agents run at once
//! (`maxConcurrent`, default 8). A sub-agent is never an owner (no owner-only tools) and runs
//! under its own agent's tool policy.

use super::{json_result, Caller, Tool, ToolContext, ToolError};
use crate::config::AgentConfig;
use crate::core::ids::{new_run_id, SessionKey};
use crate::core::run::{RunOutcome, RunStatus, TurnRequest};
use dashmap::DashMap;
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// The `sessions_spawn` tool, with the count of running sub-agents per spawning agent.
#[derive(Default, Clone)]
pub struct SessionsSpawn {
    running: Arc<DashMap<String, usize>>,
}

/// Holds one slot of an agent's sub-agent budget until dropped.
struct Slot {
    running: Arc<DashMap<String, usize>>,
    agent: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(mut n) = self.running.get_mut(&self.agent) {
            *n = n.saturating_sub(1);
        }
    }
}

impl SessionsSpawn {
    fn take_slot(&self, agent: &str, max: usize) -> Option<Slot> {
        let mut n = self.running.entry(agent.to_string()).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(Slot {
            running: self.running.clone(),
            agent: agent.to_string(),
        })
    }
}

fn text_arg<'a>(args: &'a Value, key: &str) -> Option<&'a str> {
    args[key].as_str().map(str::trim).filter(|s| !s.is_empty())
}

impl Tool for SessionsSpawn {
    fn name(&self) -> &'static str {
        "sessions_spawn"
    }
    fn description(&self) -> &'static str {
        "Spawn a sub-agent: run `task` in a new isolated session in the background. Returns at \
         once with the child's session key; the sub-agent's result is announced back to this \
         session when it finishes."
    }
    fn parameters(&self) -> Value {
        json!({"type": "object", "required": ["task"], "properties": {
            "task": {"type": "string", "description": "What the sub-agent should do"},
            "label": {"type": "string", "description": "A short name for the sub-agent"},
            "agentId": {"type": "string", "description": "Run as this agent (if allowed)"},
            "model": {"type": "string", "description": "Model override (provider/model or alias)"},
            "thinking": {"type": "string", "description": "Thinking level override"},
            "runTimeoutSeconds": {"type": "integer", "minimum": 0,
                "description": "Abort the sub-agent after this many seconds (0: the default)"},
            "cleanup": {"type": "string", "enum": ["keep", "delete"],
                "description": "Delete the child session after the announce (default keep)"}
        }})
    }
    fn offered_to(&self, agent: &AgentConfig, caller: Caller) -> bool {
        caller.spawn_depth < agent.subagents.max_spawn_depth
    }
    fn call(
        &self,
        ctx: ToolContext,
        args: Value,
    ) -> LocalBoxFuture<'static, Result<Value, ToolError>> {
        let this = self.clone();
        Box::pin(async move {
            let Some(task) = text_arg(&args, "task").map(str::to_string) else {
                return Err(ToolError::InvalidInput("`task` must not be empty".into()));
            };
            let cfg = ctx.config.clone();
            let parent = cfg
                .agent(&ctx.agent_id)
                .ok_or_else(|| ToolError::Failed(format!("unknown agent {}", ctx.agent_id)))?;
            let limits = parent.subagents.clone();
            if ctx.spawn_depth >= limits.max_spawn_depth {
                return Err(ToolError::Forbidden(format!(
                    "sessions_spawn is not allowed at depth {} (maxSpawnDepth {})",
                    ctx.spawn_depth, limits.max_spawn_depth
                )));
            }
            let target = match text_arg(&args, "agentId") {
                None => parent.id.clone(),
                Some(a) => crate::config::normalize_agent_id(a)
                    .filter(|id| cfg.agent(id).is_some())
                    .ok_or_else(|| ToolError::InvalidInput(format!("unknown agentId: {a}")))?,
            };
            if !limits.may_target(&parent.id, &target) {
                return Err(ToolError::Forbidden(format!(
                    "agentId {target} is not allowed for sub-agents of {} (subagents.allowAgents)",
                    parent.id
                )));
            }
            let target_agent = cfg.agent(&target).expect("checked above");
            let model = match text_arg(&args, "model").or(limits.model.as_deref()) {
                None => None,
                Some(m) => Some(
                    cfg.resolve_model_override(target_agent, m)
                        .ok()
                        .flatten()
                        .ok_or_else(|| {
                            ToolError::InvalidInput(format!("model `{m}` is not configured"))
                        })?,
                ),
            };
            let thinking = match text_arg(&args, "thinking") {
                None => None,
                Some(t) => Some(crate::providers::types::ThinkingLevel::parse(t).ok_or_else(
                    || ToolError::InvalidInput(format!("invalid thinking level: {t}")),
                )?),
            };
            let cleanup = match text_arg(&args, "cleanup").unwrap_or("keep") {
                "keep" => false,
                "delete" => true,
                other => {
                    return Err(ToolError::InvalidInput(format!(
                        "field `cleanup` must be keep or delete, not {other}"
                    )))
                }
            };
            let label = text_arg(&args, "label").map(str::to_string);
            let Some(slot) = this.take_slot(&parent.id, limits.max_concurrent) else {
                return Err(ToolError::Forbidden(format!(
                    "too many sub-agents running for {} (subagents.maxConcurrent {})",
                    parent.id, limits.max_concurrent
                )));
            };
            let child_key =
                SessionKey::under(&target, &format!("subagent:{}", uuid::Uuid::new_v4()))
                    .into_string();
            ctx.host
                .create_session(child_key.clone(), target.clone(), label.clone())
                .await?;
            let run_id = new_run_id("sub-");
            let mut req = TurnRequest::new(run_id.clone(), target.clone(), child_key.clone(), task);
            req.channel = "internal".into();
            req.spawn_depth = ctx.spawn_depth + 1;
            req.model_override = model;
            req.thinking = thinking;
            req.timeout = args["runTimeoutSeconds"]
                .as_u64()
                .filter(|s| *s > 0)
                .map(Duration::from_secs);
            req.extra_system_prompt = Some(format!(
                "You are a sub-agent spawned by session {} for one task. Do the task and reply \
                 with its result; your reply is announced back to that session.",
                ctx.session_key
            ));
            let child = ctx.host.run_turn(req);
            let announce = Announce {
                host: ctx.host.clone(),
                parent_key: ctx.session_key.clone(),
                parent_agent: ctx.agent_id.clone(),
                parent_owner: ctx.sender_is_owner,
                parent_depth: ctx.spawn_depth,
                child_key: child_key.clone(),
                child_agent: target,
                run_id: run_id.clone(),
                label,
                cleanup,
            };
            actix_rt::spawn(async move {
                let outcome = child.await;
                drop(slot);
                announce.send(outcome).await;
            });
            Ok(json_result(json!({
                "status": "accepted",
                "runId": run_id,
                "childSessionKey": child_key,
            })))
        })
    }
}

/// What the parent is told when its sub-agent ends.
struct Announce {
    host: Arc<dyn super::ToolHost>,
    parent_key: String,
    parent_agent: String,
    parent_owner: bool,
    parent_depth: u32,
    child_key: String,
    child_agent: String,
    run_id: String,
    label: Option<String>,
    cleanup: bool,
}

impl Announce {
    async fn send(self, outcome: Option<RunOutcome>) {
        let name = self.label.as_deref().unwrap_or(&self.child_key);
        let (status, body) = match &outcome {
            Some(o) if o.status == RunStatus::Ok => ("completed", o.text.clone()),
            Some(o) => (
                "failed",
                o.failure
                    .as_ref()
                    .map_or_else(|| format!("{:?}", o.status), ToString::to_string),
            ),
            None => (
                "failed",
                "the sub-agent ended without an outcome".to_string(),
            ),
        };
        let message = format!("[Sub-agent {name} {status}]\n\n{body}");
        let mut req = TurnRequest::new(
            new_run_id("announce-"),
            self.parent_agent,
            self.parent_key,
            message,
        );
        req.channel = "internal".into();
        req.sender_is_owner = self.parent_owner;
        req.spawn_depth = self.parent_depth;
        req.extra_system_prompt = Some(format!(
            "The message above is the result of the sub-agent you spawned with sessions_spawn \
             (session {}, run {}). Tell the user what it found.",
            self.child_key, self.run_id
        ));
        if !self.host.start_turn(req) {
            tracing::warn!(child = %self.child_key, "could not announce a sub-agent's result");
        }
        if self.cleanup {
            self.host
                .delete_session(self.child_key, self.child_agent)
                .await;
        }
    }
}
