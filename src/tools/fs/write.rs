//! `write`: creates or overwrites a file in the workspace (parent directories are created),
//! after [`super::confine::Workspace::writable`] has checked the path.

use super::{in_workspace, io_error, opt_str, text_result};
use crate::tools::{args, Tool, ToolContext, ToolError};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};

/// The `write` tool.
pub struct Write;

impl Tool for Write {
    fn name(&self) -> &'static str {
        "write"
    }
    fn description(&self) -> &'static str {
        "Write a file in the workspace (created or overwritten; parent directories are created)."
    }
    fn parameters(&self) -> Value {
        json!({"type": "object", "required": ["path", "content"], "properties": {
            "path": {"type": "string", "description": "File path (relative to the workspace)"},
            "content": {"type": "string", "description": "The whole new content of the file"}
        }})
    }
    fn normalize_args(&self, a: Value) -> Value {
        args::alias(a, "path", &["file_path", "filePath"])
    }
    fn call(
        &self,
        ctx: ToolContext,
        args: Value,
    ) -> LocalBoxFuture<'static, Result<Value, ToolError>> {
        Box::pin(async move {
            in_workspace(&ctx, move |ws| {
                let user = opt_str(&args, "path").unwrap_or_default();
                let content = opt_str(&args, "content").unwrap_or_default();
                let path = ws.writable(user)?;
                std::fs::write(&path, content).map_err(|e| io_error(user, e))?;
                let shown = ws.display(&path);
                Ok(text_result(
                    format!("Successfully wrote {} bytes to {shown}", content.len()),
                    json!({"path": shown, "bytes": content.len()}),
                ))
            })
            .await
        })
    }
}
