//! `grep`: searches workspace file contents for a regular expression (or a literal with
//! `literal: true`), optionally case-insensitive, limited to files matching `glob`, with
//! `context` lines around each match, at most `limit` matches (default 100). Binary files,
//! files over [`super::MAX_FILE_BYTES`] and symlinks are skipped.

use super::walk::walk;
use super::{glob, in_workspace, looks_binary, opt_str, opt_usize, text_result, MAX_FILE_BYTES};
use crate::tools::{Tool, ToolContext, ToolError};
use futures_util::future::LocalBoxFuture;
use regex_lite::{Regex, RegexBuilder};
use serde_json::{json, Value};
use std::path::Path;

/// Characters of a matching line shown.
const MAX_LINE_CHARS: usize = 500;

/// The `grep` tool.
pub struct Grep;

impl Tool for Grep {
    fn name(&self) -> &'static str {
        "grep"
    }
    fn description(&self) -> &'static str {
        "Search workspace file contents (regex, or literal) and return path:line: text matches."
    }
    fn parameters(&self) -> Value {
        json!({"type": "object", "required": ["pattern"], "properties": {
            "pattern": {"type": "string", "description": "Regular expression (or literal text with literal: true)"},
            "path": {"type": "string", "description": "File or directory to search (default: the workspace root)"},
            "glob": {"type": "string", "description": "Only files matching this glob, e.g. '*.md'"},
            "ignoreCase": {"type": "boolean", "description": "Case-insensitive"},
            "literal": {"type": "boolean", "description": "Treat pattern as literal text"},
            "context": {"type": "integer", "minimum": 0, "description": "Lines of context around each match"},
            "limit": {"type": "integer", "minimum": 1, "description": "Maximum matches (default 100)"}
        }})
    }
    fn call(
        &self,
        ctx: ToolContext,
        args: Value,
    ) -> LocalBoxFuture<'static, Result<Value, ToolError>> {
        Box::pin(async move {
            in_workspace(&ctx, move |ws| {
                let re = regex(&args)?;
                let user = opt_str(&args, "path").unwrap_or(".");
                let filter = opt_str(&args, "glob").map(str::to_string);
                let mut search = Search {
                    re,
                    context: opt_usize(&args, "context", 0),
                    limit: opt_usize(&args, "limit", 100),
                    out: Vec::new(),
                    matches: 0,
                };
                let base = ws.existing(user)?;
                let mut complete = true;
                if base.is_file() {
                    search.file(&base, &ws.display(&base));
                } else {
                    complete = walk(&base, |e| {
                        if e.is_file
                            && filter
                                .as_deref()
                                .is_none_or(|g| glob::matches_entry(g, &e.rel))
                        {
                            search.file(&e.path, &e.rel);
                        }
                        search.matches < search.limit
                    });
                }
                let more = search.matches >= search.limit;
                let mut text = if search.out.is_empty() {
                    "No matches found".to_string()
                } else {
                    search.out.join("\n")
                };
                if more {
                    text.push_str(&format!(
                        "\n\n[{} matches limit reached. Refine the pattern or raise limit.]",
                        search.limit
                    ));
                }
                if !complete {
                    text.push_str("\n\n[Search stopped early: too many files.]");
                }
                Ok(text_result(
                    text,
                    json!({"matches": search.matches, "truncated": more || !complete}),
                ))
            })
            .await
        })
    }
}

fn regex(args: &Value) -> Result<Regex, ToolError> {
    let pattern = opt_str(args, "pattern").unwrap_or_default();
    let literal = args
        .get("literal")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let source = if literal {
        regex_lite::escape(pattern)
    } else {
        pattern.to_string()
    };
    RegexBuilder::new(&source)
        .case_insensitive(
            args.get("ignoreCase")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        )
        .build()
        .map_err(|e| ToolError::InvalidInput(format!("field `pattern` is not a valid regex: {e}")))
}

/// A search in progress.
struct Search {
    re: Regex,
    context: usize,
    limit: usize,
    out: Vec<String>,
    matches: usize,
}

impl Search {
    /// Adds the matches in one file (`rel` is how it is shown).
    fn file(&mut self, path: &Path, rel: &str) {
        let too_big = std::fs::metadata(path).map_or(true, |m| m.len() > MAX_FILE_BYTES);
        let Some(bytes) = (!too_big).then(|| std::fs::read(path).ok()).flatten() else {
            return;
        };
        if looks_binary(&bytes) {
            return;
        }
        let text = String::from_utf8_lossy(&bytes);
        let lines: Vec<&str> = text.lines().collect();
        let mut shown_to = 0; // lines before this index were already printed
        for (i, line) in lines.iter().enumerate() {
            if self.matches >= self.limit {
                return;
            }
            if !self.re.is_match(line) {
                continue;
            }
            self.matches += 1;
            let from = i.saturating_sub(self.context).max(shown_to);
            let to = (i + self.context + 1).min(lines.len());
            for (j, l) in lines.iter().enumerate().take(to).skip(from) {
                let sep = if j == i || self.re.is_match(l) {
                    ':'
                } else {
                    '-'
                };
                let l: String = l.chars().take(MAX_LINE_CHARS).collect();
                self.out.push(format!("{rel}{sep}{}{sep} {l}", j + 1));
            }
            shown_to = to;
        }
    }
}
