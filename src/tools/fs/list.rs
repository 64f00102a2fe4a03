//! `ls`: the entries of a workspace directory, sorted case-insensitively, directories marked
//! with a trailing `/`, dotfiles included, at most `limit` (default 500).

use super::{in_workspace, io_error, opt_str, opt_usize, text_result};
use crate::tools::{Tool, ToolContext, ToolError};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};

/// The `ls` tool.
pub struct Ls;

impl Tool for Ls {
    fn name(&self) -> &'static str {
        "ls"
    }
    fn description(&self) -> &'static str {
        "List a workspace directory (directories end with /)."
    }
    fn parameters(&self) -> Value {
        json!({"type": "object", "properties": {
            "path": {"type": "string", "description": "Directory (default: the workspace root)"},
            "limit": {"type": "integer", "minimum": 1, "description": "Maximum entries (default 500)"}
        }})
    }
    fn call(
        &self,
        ctx: ToolContext,
        args: Value,
    ) -> LocalBoxFuture<'static, Result<Value, ToolError>> {
        Box::pin(async move {
            in_workspace(&ctx, move |ws| {
                let user = opt_str(&args, "path").unwrap_or(".");
                let limit = opt_usize(&args, "limit", 500);
                let dir = ws.existing(user)?;
                if !dir.is_dir() {
                    return Err(ToolError::InvalidInput(format!(
                        "{user} is not a directory"
                    )));
                }
                let mut names: Vec<String> = std::fs::read_dir(&dir)
                    .map_err(|e| io_error(user, e))?
                    .filter_map(Result::ok)
                    .map(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
                        if is_dir {
                            format!("{name}/")
                        } else {
                            name
                        }
                    })
                    .collect();
                names.sort_by_key(|n| n.to_lowercase());
                let total = names.len();
                names.truncate(limit);
                let mut text = if names.is_empty() {
                    "(empty directory)".to_string()
                } else {
                    names.join("\n")
                };
                if total > limit {
                    text.push_str(&format!(
                        "\n\n[{limit} entries limit reached. Use limit={} for more.]",
                        limit * 2
                    ));
                }
                Ok(text_result(
                    text,
                    json!({"path": ws.display(&dir), "entries": names, "truncated": total > limit}),
                ))
            })
            .await
        })
    }
}
