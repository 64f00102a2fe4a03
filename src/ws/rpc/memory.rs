//! Memory methods: `memory.search {query, maxResults?, minScore?, agentId?}` and
//! `memory.status {agentId?, deep?}` (`operator.read`), `memory.index {agentId?, force?}`
//! (`operator.admin`; `clawgate memory index` calls it). Adapters over `App::memory_*`.

use super::{bad_param, Call};
use crate::memory::SearchOptions;
use crate::ws::frames::ErrorShape;
use serde_json::{json, Value};

fn agent(call: &Call) -> Result<String, ErrorShape> {
    match call.str_param("agentId") {
        None => Ok(call.app.config().default_agent.clone()),
        Some(a) => crate::config::normalize_agent_id(a)
            .filter(|id| call.app.config().agent(id).is_some())
            .ok_or_else(|| bad_param(format!("unknown agent `{a}`"))),
    }
}

/// `memory.search`.
pub async fn search(call: Call) {
    let agent = match agent(&call) {
        Ok(a) => a,
        Err(e) => return call.reply.err(e),
    };
    let Some(query) = call.str_param("query").map(str::to_string) else {
        return call.reply.err(bad_param("query required"));
    };
    let opts = SearchOptions {
        max_results: call.u64_param("maxResults").map(|n| n as usize),
        min_score: call.params.get("minScore").and_then(Value::as_f64),
    };
    match call.app.app.memory_search(&agent, &query, opts).await {
        Ok(r) => {
            let v = serde_json::to_value(&r).unwrap_or_default();
            call.reply.ok(v)
        }
        Err(e) => call.reply.err(e.into()),
    }
}

/// `memory.status`.
pub async fn status(call: Call) {
    let agent = match agent(&call) {
        Ok(a) => a,
        Err(e) => return call.reply.err(e),
    };
    let deep = call.params.get("deep").and_then(Value::as_bool) == Some(true);
    match call.app.app.memory_status(&agent, deep).await {
        Ok(v) => call.reply.ok(v),
        Err(e) => call.reply.err(e.into()),
    }
}

/// `memory.index`.
pub async fn index(call: Call) {
    let agent = match agent(&call) {
        Ok(a) => a,
        Err(e) => return call.reply.err(e),
    };
    let force = call.params.get("force").and_then(Value::as_bool) == Some(true);
    match call.app.app.memory_index(&agent, force).await {
        Ok(r) => call.reply.ok(json!({"agentId": agent, "report": r})),
        Err(e) => call.reply.err(e.into()),
    }
}
