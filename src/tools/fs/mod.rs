//! Workspace file tools: `read`, `write`, `edit`, `apply_patch`, `ls`, `find`, `grep`
//! (policy group `group:fs`). Every path is confined to the agent's workspace by [`confine`]; the file work
//! runs on a blocking thread so a large file never stalls the agent's arbiter.

pub mod apply_patch;
pub mod confine;
pub mod edit;
pub mod find;
mod glob;
pub mod grep;
pub mod list;
pub mod patch;
pub mod read;
mod walk;
pub mod write;

use super::{ToolContext, ToolError};
use confine::Workspace;
use serde_json::{json, Value};

/// Files larger than this are not read (`read`, `edit`) or searched (`grep`).
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;
/// How much of a file is checked for a NUL byte to call it binary.
const SNIFF_BYTES: usize = 8 * 1024;

/// Whether `bytes` look binary (a NUL byte near the start).
pub fn looks_binary(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(SNIFF_BYTES)].contains(&0)
}

/// The calling agent's workspace, created on first use.
fn workspace(ctx: &ToolContext) -> Result<Workspace, ToolError> {
    let agent = ctx
        .config
        .agent(&ctx.agent_id)
        .ok_or_else(|| ToolError::Failed(format!("unknown agent {}", ctx.agent_id)))?;
    Workspace::open(&agent.workspace)
}

/// Runs `f` with the caller's workspace on a blocking thread.
async fn in_workspace<F>(ctx: &ToolContext, f: F) -> Result<Value, ToolError>
where
    F: FnOnce(Workspace) -> Result<Value, ToolError> + Send + 'static,
{
    let ctx = ctx.clone();
    tokio::task::spawn_blocking(move || f(workspace(&ctx)?))
        .await
        .map_err(|e| ToolError::Failed(format!("file task failed: {e}")))?
}

/// An OpenClaw-shaped result: the text the model reads plus structured details.
fn text_result(text: String, details: Value) -> Value {
    json!({"content": [{"type": "text", "text": text}], "details": details})
}

/// The optional string argument `key`.
fn opt_str<'a>(args: &'a Value, key: &str) -> Option<&'a str> {
    args.get(key).and_then(Value::as_str)
}

/// The optional positive integer argument `key`, else `default` (the schema checked its type).
fn opt_usize(args: &Value, key: &str, default: usize) -> usize {
    args.get(key)
        .and_then(Value::as_u64)
        .map_or(default, |n| n as usize)
}

/// Maps an I/O error on `path` to a tool error the model can act on.
fn io_error(path: &str, e: std::io::Error) -> ToolError {
    match e.kind() {
        std::io::ErrorKind::NotFound => ToolError::InvalidInput(format!("file not found: {path}")),
        std::io::ErrorKind::PermissionDenied => {
            ToolError::Forbidden(format!("permission denied: {path}"))
        }
        _ => ToolError::Failed(format!("{path}: {e}")),
    }
}
