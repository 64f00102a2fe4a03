//! `agents_list`: the configured agents, shaped as OpenClaw's tool shapes them:
//! `{requester, agents: [{id, name?, configured, default, model?}]}`, the calling agent first,
//! then the others by id. (OpenClaw lists the agents `sessions_spawn` may target; clawgate has
//! no `sessions_spawn` yet, so every configured agent is listed.)

use super::{json_result, Tool, ToolContext, ToolError};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};

/// The `agents_list` tool.
pub struct AgentsList;

impl Tool for AgentsList {
    fn name(&self) -> &'static str {
        "agents_list"
    }
    fn description(&self) -> &'static str {
        "List the configured agent ids, with their names, which one is the default, and their \
         primary model."
    }
    fn parameters(&self) -> Value {
        json!({"type": "object", "properties": {}})
    }
    fn call(
        &self,
        ctx: ToolContext,
        _: Value,
    ) -> LocalBoxFuture<'static, Result<Value, ToolError>> {
        Box::pin(async move {
            let cfg = &ctx.config;
            let mut agents: Vec<_> = cfg.agents.iter().collect();
            agents
                .sort_by(|a, b| (a.id != ctx.agent_id, &a.id).cmp(&(b.id != ctx.agent_id, &b.id)));
            let agents: Vec<Value> = agents
                .into_iter()
                .map(|a| {
                    let mut entry = json!({"id": a.id, "configured": true,
                        "default": a.id == cfg.default_agent});
                    if let Some(name) = a.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                        entry["name"] = json!(name);
                    }
                    if let Some(model) = cfg.model_for(a).primary {
                        entry["model"] = json!(model.to_string());
                    }
                    entry
                })
                .collect();
            Ok(json_result(
                json!({"requester": ctx.agent_id, "agents": agents}),
            ))
        })
    }
}
