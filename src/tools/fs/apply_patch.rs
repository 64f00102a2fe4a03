//! `apply_patch`: adds, deletes, updates and moves workspace files from one patch in
//! OpenAI's format ([`super::patch`]). Every path is confined like the other file tools, and
//! the whole patch is checked (paths resolved, hunks matched) before any file is written or
//! removed, so a patch that fails changes no file (missing parent directories of added files
//! may have been created). On `/tools/invoke` it is on OpenClaw's
//! HTTP deny list.

use super::patch::{self, Op};
use super::read::load_text;
use super::{in_workspace, io_error, opt_str, text_result};
use crate::tools::{args, Tool, ToolContext, ToolError};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};
use std::path::PathBuf;

/// The `apply_patch` tool.
pub struct ApplyPatch;

/// One checked change, ready to write.
enum Change {
    Write {
        path: PathBuf,
        text: String,
        tag: char,
        shown: String,
    },
    Remove {
        path: PathBuf,
        shown: String,
    },
}

impl Tool for ApplyPatch {
    fn name(&self) -> &'static str {
        "apply_patch"
    }
    fn description(&self) -> &'static str {
        "Apply a patch to workspace files. Format: *** Begin Patch, then *** Add File: <path> \
         (+lines), *** Delete File: <path>, or *** Update File: <path> (optional *** Move to:) \
         with @@ hunks of ' ', '-', '+' lines, then *** End Patch."
    }
    fn parameters(&self) -> Value {
        json!({"type": "object", "required": ["input"], "properties": {
            "input": {"type": "string", "description": "The whole patch, *** Begin Patch to *** End Patch"}
        }})
    }
    fn normalize_args(&self, a: Value) -> Value {
        args::alias(a, "input", &["patch"])
    }
    fn call(
        &self,
        ctx: ToolContext,
        args: Value,
    ) -> LocalBoxFuture<'static, Result<Value, ToolError>> {
        Box::pin(async move {
            in_workspace(&ctx, move |ws| {
                let input = opt_str(&args, "input").unwrap_or_default();
                let ops = patch::parse(input).map_err(ToolError::InvalidInput)?;
                let mut changes = Vec::new();
                for op in &ops {
                    match op {
                        Op::Add { path, content } => {
                            let p = ws.writable(path)?;
                            let shown = ws.display(&p);
                            changes.push(Change::Write {
                                path: p,
                                text: content.clone(),
                                tag: 'A',
                                shown,
                            });
                        }
                        Op::Delete { path } => {
                            let p = ws.existing(path)?;
                            if !p.is_file() {
                                return Err(ToolError::InvalidInput(format!(
                                    "{path} is not a file"
                                )));
                            }
                            changes.push(Change::Remove {
                                shown: ws.display(&p),
                                path: p,
                            });
                        }
                        Op::Update {
                            path,
                            move_to,
                            hunks,
                        } => {
                            let p = ws.existing(path)?;
                            let text = load_text(&p, path, true)?;
                            let text = patch::apply(&text, hunks, path)
                                .map_err(ToolError::InvalidInput)?;
                            let dest = match move_to {
                                Some(to) => ws.writable(to)?,
                                None => p.clone(),
                            };
                            let shown = ws.display(&dest);
                            if dest != p {
                                changes.push(Change::Remove {
                                    shown: ws.display(&p),
                                    path: p,
                                });
                            }
                            changes.push(Change::Write {
                                path: dest,
                                text,
                                tag: 'M',
                                shown,
                            });
                        }
                    }
                }
                let mut summary = vec!["Success. Updated the following files:".to_string()];
                for c in changes {
                    match c {
                        Change::Write {
                            path,
                            text,
                            tag,
                            shown,
                        } => {
                            std::fs::write(&path, text).map_err(|e| io_error(&shown, e))?;
                            summary.push(format!("{tag} {shown}"));
                        }
                        Change::Remove { path, shown } => {
                            std::fs::remove_file(&path).map_err(|e| io_error(&shown, e))?;
                            summary.push(format!("D {shown}"));
                        }
                    }
                }
                let files: Vec<&str> = summary[1..].iter().map(String::as_str).collect();
                let details = json!({"files": files});
                Ok(text_result(summary.join("\n"), details))
            })
            .await
        })
    }
}
