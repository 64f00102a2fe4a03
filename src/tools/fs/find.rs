//! `find`: workspace files whose path matches a glob (`*.md`, `**/*.json`, `src/**/x?.rs`;
//! a pattern without `/` matches file names), at most `limit` (default 1000). Symlinks are not
//! followed; `.git` and `node_modules` are skipped.

use super::walk::walk;
use super::{glob, in_workspace, opt_str, opt_usize, text_result};
use crate::tools::{Tool, ToolContext, ToolError};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};

/// The `find` tool.
pub struct Find;

impl Tool for Find {
    fn name(&self) -> &'static str {
        "find"
    }
    fn description(&self) -> &'static str {
        "Find workspace files by glob pattern, e.g. '*.md', '**/*.json' or 'src/**/*.rs'."
    }
    fn parameters(&self) -> Value {
        json!({"type": "object", "required": ["pattern"], "properties": {
            "pattern": {"type": "string", "description": "Glob pattern"},
            "path": {"type": "string", "description": "Directory to search (default: the workspace root)"},
            "limit": {"type": "integer", "minimum": 1, "description": "Maximum results (default 1000)"}
        }})
    }
    fn call(
        &self,
        ctx: ToolContext,
        args: Value,
    ) -> LocalBoxFuture<'static, Result<Value, ToolError>> {
        Box::pin(async move {
            in_workspace(&ctx, move |ws| {
                let pattern = opt_str(&args, "pattern").unwrap_or_default().to_string();
                let user = opt_str(&args, "path").unwrap_or(".");
                let limit = opt_usize(&args, "limit", 1000);
                let base = ws.existing(user)?;
                if !base.is_dir() {
                    return Err(ToolError::InvalidInput(format!(
                        "{user} is not a directory"
                    )));
                }
                let mut found = Vec::new();
                let mut more = false;
                let complete = walk(&base, |e| {
                    if glob::matches_entry(&pattern, &e.rel) {
                        if found.len() == limit {
                            more = true;
                            return false;
                        }
                        found.push(if e.is_dir {
                            format!("{}/", e.rel)
                        } else {
                            e.rel.clone()
                        });
                    }
                    true
                });
                found.sort();
                let mut text = if found.is_empty() {
                    "No files found matching pattern".to_string()
                } else {
                    found.join("\n")
                };
                if more {
                    text.push_str(&format!(
                        "\n\n[{limit} results limit reached. Refine the pattern or raise limit.]"
                    ));
                }
                if !complete {
                    text.push_str("\n\n[Search stopped early: too many files.]");
                }
                Ok(text_result(
                    text,
                    json!({"files": found, "truncated": more || !complete}),
                ))
            })
            .await
        })
    }
}
