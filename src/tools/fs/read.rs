//! `read`: a text file from the workspace, by line range (`offset` is the first line,
//! 1-based; `limit` the number of lines), at most [`MAX_LINES`] lines or [`MAX_OUTPUT`] bytes
//! per call with a note saying where to continue. Binary files and files over
//! [`super::MAX_FILE_BYTES`] are refused.
//!
//! Besides the workspace, `read` may open files inside the folder of one of the agent's
//! runnable skills (an absolute path, as the prompt's `<available_skills>` gives it): a skill
//! from `<state dir>/skills` or `skills.load.extraDirs` lives outside the workspace, and the
//! model is told to read its `SKILL.md`. Nothing else outside the workspace is readable.

use super::{
    in_workspace, io_error, looks_binary, opt_str, opt_usize, text_result, MAX_FILE_BYTES,
};
use crate::tools::{args, Tool, ToolContext, ToolError};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};
use std::path::Path;

/// Lines returned by one call when `limit` is not given.
pub const MAX_LINES: usize = 2000;
/// Bytes of text returned by one call.
pub const MAX_OUTPUT: usize = 50 * 1024;

/// The `read` tool.
pub struct Read;

impl Tool for Read {
    fn name(&self) -> &'static str {
        "read"
    }
    fn description(&self) -> &'static str {
        "Read a text file from the workspace. Use offset/limit (1-based lines) for large files; \
         output is capped at 2000 lines or 50 KB."
    }
    fn parameters(&self) -> Value {
        json!({"type": "object", "required": ["path"], "properties": {
            "path": {"type": "string", "description": "File path (relative to the workspace)"},
            "offset": {"type": "integer", "minimum": 1, "description": "Line to start at (1-based)"},
            "limit": {"type": "integer", "minimum": 1, "description": "Maximum number of lines"}
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
            let user = opt_str(&args, "path").unwrap_or_default().to_string();
            let dirs = skill_dirs(&ctx);
            if !dirs.is_empty() && Path::new(&user).is_absolute() {
                let (a, u) = (args.clone(), user.clone());
                let found = tokio::task::spawn_blocking(move || read_in_skill(&dirs, &u, &a))
                    .await
                    .map_err(|e| ToolError::Failed(format!("file task failed: {e}")))?;
                if let Some(result) = found {
                    return result;
                }
            }
            in_workspace(&ctx, move |ws| {
                let user = opt_str(&args, "path").unwrap_or_default();
                let path = ws.existing(user)?;
                let text = load_text(&path, user, false)?;
                let offset = opt_usize(&args, "offset", 1);
                let limit = args
                    .get("limit")
                    .and_then(Value::as_u64)
                    .map(|n| n as usize);
                let details = |shown: &Slice| {
                    json!({"path": ws.display(&path), "totalLines": shown.total,
                        "startLine": shown.start, "endLine": shown.end, "truncated": shown.more})
                };
                let shown = slice(&text, offset, limit, user)?;
                Ok(text_result(shown.text.clone(), details(&shown)))
            })
            .await
        })
    }
}

/// The folders of the calling agent's runnable skills.
fn skill_dirs(ctx: &ToolContext) -> Vec<std::path::PathBuf> {
    ctx.host
        .skills(&ctx.agent_id)
        .map(|s| {
            s.skills
                .iter()
                .filter(|s| s.runnable())
                .map(|s| s.skill.dir.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// Reads `user` when it is a file inside one of `dirs` (after resolving symlinks; a
/// `SKILL.md` with `{baseDir}` replaced); `None` when it is not, so the workspace rules apply.
fn read_in_skill(
    dirs: &[std::path::PathBuf],
    user: &str,
    args: &Value,
) -> Option<Result<Value, ToolError>> {
    let path = std::fs::canonicalize(user).ok()?;
    dirs.iter()
        .filter_map(|d| std::fs::canonicalize(d).ok())
        .find(|d| path.starts_with(d))?;
    Some((|| {
        let mut text = load_text(&path, user, false)?;
        // A skill's `{baseDir}` is its folder, as in the prompt's copy of its instructions.
        if path.file_name().is_some_and(|n| n == "SKILL.md") {
            if let Some(dir) = path.parent() {
                text = text.replace("{baseDir}", &dir.to_string_lossy());
            }
        }
        let offset = opt_usize(args, "offset", 1);
        let limit = args
            .get("limit")
            .and_then(Value::as_u64)
            .map(|n| n as usize);
        let shown = slice(&text, offset, limit, user)?;
        let details = json!({"path": path.to_string_lossy(), "totalLines": shown.total,
            "startLine": shown.start, "endLine": shown.end, "truncated": shown.more});
        Ok(text_result(shown.text.clone(), details))
    })())
}

/// A file's text, if it is a readable, not too large, non-binary file (invalid UTF-8 is
/// replaced, or refused when `strict`, for tools that write the text back).
pub(super) fn load_text(path: &Path, user: &str, strict: bool) -> Result<String, ToolError> {
    let meta = std::fs::metadata(path).map_err(|e| io_error(user, e))?;
    if meta.is_dir() {
        return Err(ToolError::InvalidInput(format!(
            "{user} is a directory (use ls)"
        )));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(ToolError::InvalidInput(format!(
            "{user} is too large ({} bytes; the limit is {MAX_FILE_BYTES})",
            meta.len()
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| io_error(user, e))?;
    if looks_binary(&bytes) {
        return Err(ToolError::InvalidInput(format!("{user} is a binary file")));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(_) if strict => Err(ToolError::InvalidInput(format!("{user} is not UTF-8 text"))),
        Err(e) => Ok(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

/// The lines shown by one call.
struct Slice {
    text: String,
    total: usize,
    start: usize,
    end: usize,
    more: bool,
}

fn slice(text: &str, offset: usize, limit: Option<usize>, user: &str) -> Result<Slice, ToolError> {
    let lines: Vec<&str> = text.lines().collect();
    let total = lines.len();
    if offset > total.max(1) {
        return Err(ToolError::InvalidInput(format!(
            "offset {offset} is beyond the end of {user} ({total} lines)"
        )));
    }
    let want = limit.unwrap_or(MAX_LINES).min(MAX_LINES);
    let mut out = String::new();
    let mut end = offset - 1;
    let mut cut_line = false;
    for line in lines.iter().skip(offset - 1).take(want) {
        if out.len() + line.len() + 1 > MAX_OUTPUT {
            if end == offset - 1 {
                // A single line over the cap: show its beginning, say so.
                let mut cut = MAX_OUTPUT;
                while !line.is_char_boundary(cut) {
                    cut -= 1;
                }
                out.push_str(&line[..cut]);
                out.push_str(&format!(
                    "\n\n[Line {offset} is cut at {cut} of {} bytes.]",
                    line.len()
                ));
                end += 1;
                cut_line = true;
            }
            break;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
        end += 1;
    }
    let more = end < total;
    if more {
        out.push_str(&format!(
            "\n\n[Showing lines {offset}-{end} of {total}. Use offset={} to continue.]",
            end + 1
        ));
    }
    Ok(Slice {
        text: out,
        total,
        start: offset,
        end,
        more: more || cut_line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_by_line_range_with_a_continuation_note() {
        let text = "a\nb\nc\nd\n";
        let s = slice(text, 2, Some(2), "f").unwrap();
        assert_eq!(
            s.text,
            "b\nc\n\n[Showing lines 2-3 of 4. Use offset=4 to continue.]"
        );
        let s = slice(text, 1, None, "f").unwrap();
        assert_eq!((s.text.as_str(), s.more), ("a\nb\nc\nd", false));
        assert!(slice(text, 9, None, "f").is_err());
        assert_eq!(slice("", 1, None, "f").unwrap().text, "");
    }

    #[test]
    fn output_is_capped_in_bytes() {
        let line = "x".repeat(1000);
        let text = vec![line.as_str(); 100].join("\n");
        let s = slice(&text, 1, None, "f").unwrap();
        assert!(s.more && s.end < 100 && s.text.len() < MAX_OUTPUT + 100);
        let huge = "y".repeat(MAX_OUTPUT * 2);
        let s = slice(&huge, 1, None, "f").unwrap();
        assert_eq!(s.end, 1);
        assert!(
            s.more
                && s.text.ends_with(&format!(
                    "[Line 1 is cut at {MAX_OUTPUT} of {} bytes.]",
                    huge.len()
                ))
        );
    }
}
