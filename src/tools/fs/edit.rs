//! `edit`: replaces one exact occurrence of `oldText` with `newText` in a workspace file.
//! A missing or ambiguous match is a tool error telling the model what to change. Claude-style
//! names (`file_path`, `old_string`, `new_string`) are accepted, as OpenClaw does.

use super::read::load_text;
use super::{in_workspace, io_error, opt_str, text_result};
use crate::tools::{args, Tool, ToolContext, ToolError};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};

/// The `edit` tool.
pub struct Edit;

impl Tool for Edit {
    fn name(&self) -> &'static str {
        "edit"
    }
    fn description(&self) -> &'static str {
        "Edit a workspace file by replacing exact text: oldText must match exactly once \
         (including whitespace and newlines)."
    }
    fn parameters(&self) -> Value {
        json!({"type": "object", "required": ["path", "oldText", "newText"], "properties": {
            "path": {"type": "string", "description": "File path (relative to the workspace)"},
            "oldText": {"type": "string", "description": "Exact text to find (must be unique)"},
            "newText": {"type": "string", "description": "Text to put in its place"}
        }})
    }
    fn normalize_args(&self, a: Value) -> Value {
        let a = args::alias(a, "path", &["file_path", "filePath"]);
        let a = args::alias(a, "oldText", &["old_string", "oldString"]);
        args::alias(a, "newText", &["new_string", "newString"])
    }
    fn call(
        &self,
        ctx: ToolContext,
        args: Value,
    ) -> LocalBoxFuture<'static, Result<Value, ToolError>> {
        Box::pin(async move {
            in_workspace(&ctx, move |ws| {
                let user = opt_str(&args, "path").unwrap_or_default();
                let old = opt_str(&args, "oldText").unwrap_or_default();
                let new = opt_str(&args, "newText").unwrap_or_default();
                let path = ws.existing(user)?;
                let text = load_text(&path, user, true)?;
                let updated = replace_once(&text, old, new, user)?;
                std::fs::write(&path, &updated).map_err(|e| io_error(user, e))?;
                let shown = ws.display(&path);
                Ok(text_result(
                    format!("Successfully replaced text in {shown}."),
                    json!({"path": shown, "bytes": updated.len()}),
                ))
            })
            .await
        })
    }
}

/// `text` with the single occurrence of `old` replaced by `new`.
fn replace_once(text: &str, old: &str, new: &str, user: &str) -> Result<String, ToolError> {
    let bad = |m: String| Err(ToolError::InvalidInput(m));
    if old.is_empty() {
        return bad("field `oldText` must not be empty".into());
    }
    match text.matches(old).count() {
        0 => bad(format!(
            "Could not find the exact text in {user}. The old text must match exactly \
             including all whitespace and newlines."
        )),
        1 => {
            let updated = text.replacen(old, new, 1);
            if updated == text {
                return bad(format!(
                    "No changes made to {user}. The replacement produced identical content."
                ));
            }
            Ok(updated)
        }
        n => bad(format!(
            "Found {n} occurrences of the text in {user}. The text must be unique. \
             Please provide more context to make it unique."
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_exactly_one_match() {
        assert_eq!(replace_once("a b c", "b", "X", "f").unwrap(), "a X c");
        let missing = replace_once("a b c", "z", "X", "f")
            .unwrap_err()
            .to_string();
        assert!(
            missing.starts_with("Could not find the exact text in f"),
            "{missing}"
        );
        let twice = replace_once("b b", "b", "X", "f").unwrap_err().to_string();
        assert!(twice.starts_with("Found 2 occurrences"), "{twice}");
        assert!(replace_once("b", "", "X", "f").is_err());
        assert!(replace_once("b", "b", "b", "f").is_err());
    }
}
