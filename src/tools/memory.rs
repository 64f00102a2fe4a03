//! `memory_search` and `memory_get`: the agent searches its memory files and reads lines of
//! one (only memory files: `MEMORY.md`, `USER.md`, `memory/**/*.md`, extra paths). Like
//! OpenClaw's, a failed search is a result (`{disabled|unavailable, error}`), not an error,
//! so the model can carry on without memory.

use super::{json_result, Tool, ToolContext, ToolError};
use crate::memory::{MemoryError, SearchOptions};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};

fn service(ctx: &ToolContext) -> Result<crate::memory::Memory, ToolError> {
    ctx.host
        .memory()
        .ok_or_else(|| ToolError::Failed("memory is not available".into()))
}

/// Searches memory.
pub struct MemorySearch;

impl Tool for MemorySearch {
    fn name(&self) -> &'static str {
        "memory_search"
    }
    fn description(&self) -> &'static str {
        "Search your memory files (MEMORY.md, USER.md, memory/*.md) for prior decisions, preferences, dates, people and todos. Returns snippets with path and line range; read more with memory_get."
    }
    fn parameters(&self) -> Value {
        json!({"type": "object", "properties": {
            "query": {"type": "string", "description": "What to look for (any language)"},
            "maxResults": {"type": "integer", "minimum": 1, "maximum": 10, "description": "Results wanted (default 6)"},
            "minScore": {"type": "number", "minimum": 0, "maximum": 1, "description": "Lowest relevance kept (default 0.35)"}
        }, "required": ["query"], "additionalProperties": true})
    }
    fn call(
        &self,
        ctx: ToolContext,
        args: Value,
    ) -> LocalBoxFuture<'static, Result<Value, ToolError>> {
        Box::pin(async move {
            let query = args
                .get("query")
                .and_then(Value::as_str)
                .filter(|q| !q.trim().is_empty())
                .ok_or_else(|| ToolError::InvalidInput("query required".into()))?
                .to_string();
            let opts = SearchOptions {
                max_results: args
                    .get("maxResults")
                    .and_then(Value::as_u64)
                    .map(|n| n.clamp(1, 10) as usize),
                min_score: args.get("minScore").and_then(Value::as_f64),
            };
            let mem = service(&ctx)?;
            match mem.search(&ctx.agent_id, &query, opts).await {
                Ok(r) => Ok(json_result(serde_json::to_value(r).unwrap_or_default())),
                Err(MemoryError::Disabled(_)) => Ok(json_result(
                    json!({"results": [], "disabled": true, "error": "memory search is disabled"}),
                )),
                Err(MemoryError::Invalid(m)) => Err(ToolError::InvalidInput(m)),
                Err(e) => Ok(json_result(
                    json!({"results": [], "unavailable": true, "error": e.to_string()}),
                )),
            }
        })
    }
}

/// Reads lines of a memory file.
pub struct MemoryGet;

impl Tool for MemoryGet {
    fn name(&self) -> &'static str {
        "memory_get"
    }
    fn description(&self) -> &'static str {
        "Read lines of a memory file (a path memory_search returned, MEMORY.md, or memory/YYYY-MM-DD.md)."
    }
    fn parameters(&self) -> Value {
        json!({"type": "object", "properties": {
            "path": {"type": "string", "description": "Memory file path"},
            "from": {"type": "integer", "minimum": 1, "description": "First line (1-based)"},
            "lines": {"type": "integer", "minimum": 1, "description": "How many lines"}
        }, "required": ["path"], "additionalProperties": true})
    }
    fn call(
        &self,
        ctx: ToolContext,
        args: Value,
    ) -> LocalBoxFuture<'static, Result<Value, ToolError>> {
        Box::pin(async move {
            let path = args
                .get("path")
                .and_then(Value::as_str)
                .ok_or_else(|| ToolError::InvalidInput("path required".into()))?
                .to_string();
            let num = |k: &str| args.get(k).and_then(Value::as_u64).map(|n| n as usize);
            let mem = service(&ctx)?;
            match mem
                .get(&ctx.agent_id, &path, num("from"), num("lines"))
                .await
            {
                Ok(v) => {
                    let text = v["text"].as_str().unwrap_or_default().to_string();
                    Ok(json!({"content": [{"type": "text", "text": text}], "details": v}))
                }
                Err(MemoryError::NotFound(m)) | Err(MemoryError::Invalid(m)) => {
                    Err(ToolError::InvalidInput(m))
                }
                Err(e) => Err(ToolError::Failed(e.to_string())),
            }
        })
    }
}
