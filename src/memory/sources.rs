//! Which files an agent's memory is: `MEMORY.md` and `USER.md` in its workspace,
//! `memory/**/*.md`, and the configured `extraPaths` (files, folders of `*.md`, or a folder
//! with a glob). Symbolic links are never followed or read, and every file must resolve
//! inside its root (the workspace, or the extra path).

use crate::config::ExtraPath;
use chrono::NaiveDate;
use std::path::{Path, PathBuf};

/// A memory file on disk.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceFile {
    /// Where it is.
    pub abs: PathBuf,
    /// How callers name it: relative to the workspace (`memory/2026-03-17.md`), or absolute
    /// for an extra path outside it.
    pub path: String,
    /// `memory` or `extra`.
    pub source: &'static str,
}

fn is_md(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("md"))
}

fn plain_file(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_file())
}

fn plain_dir(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_dir())
}

fn display(workspace: &Path, abs: &Path) -> String {
    match abs.strip_prefix(workspace) {
        Ok(rel) => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => abs.to_string_lossy().into_owned(),
    }
}

/// A glob (`**` any path, `*` within a segment, `?` one character) as a regex.
fn glob_regex(glob: &str) -> Option<regex_lite::Regex> {
    let mut re = String::from("^");
    let mut chars = glob.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                if chars.peek() == Some(&'/') {
                    chars.next();
                    re.push_str("(?:.*/)?");
                } else {
                    re.push_str(".*");
                }
            }
            '*' => re.push_str("[^/]*"),
            '?' => re.push_str("[^/]"),
            c => re.push_str(&regex_lite::escape(&c.to_string())),
        }
    }
    re.push('$');
    regex_lite::Regex::new(&re).ok()
}

/// Markdown files under `dir` (not following links), sorted.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .max_depth(16)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && is_md(e.path()))
        .map(|e| e.into_path())
        .collect();
    out.sort();
    out
}

/// `true` when `abs` resolves inside `root` (no link or `..` leads out).
fn confined(root: &Path, abs: &Path) -> bool {
    match (root.canonicalize(), abs.canonicalize()) {
        (Ok(r), Ok(a)) => a.starts_with(r),
        _ => false,
    }
}

/// Where an extra path is on disk.
pub fn extra_root(workspace: &Path, extra: &ExtraPath) -> PathBuf {
    let p = crate::config::expand_user_path(&extra.path);
    if p.is_absolute() {
        p
    } else {
        workspace.join(p)
    }
}

/// Every memory file of a workspace and its extra paths.
pub fn list(workspace: &Path, extra: &[ExtraPath]) -> Vec<SourceFile> {
    let mut out = Vec::new();
    let mut push = |abs: PathBuf, root: &Path, source: &'static str| {
        if confined(root, &abs) && !out.iter().any(|f: &SourceFile| f.abs == abs) {
            out.push(SourceFile {
                path: display(workspace, &abs),
                abs,
                source,
            });
        }
    };
    for name in ["MEMORY.md", "USER.md"] {
        let p = workspace.join(name);
        if plain_file(&p) {
            push(p, workspace, "memory");
        }
    }
    let dir = workspace.join("memory");
    if plain_dir(&dir) {
        for p in walk(&dir) {
            push(p, workspace, "memory");
        }
    }
    for e in extra {
        let root = extra_root(workspace, e);
        if plain_file(&root) && is_md(&root) {
            push(root.clone(), &root, "extra");
        } else if plain_dir(&root) {
            let glob = e.pattern.as_deref().and_then(glob_regex);
            for p in walk(&root) {
                let rel = display(&root, &p);
                if glob.as_ref().is_none_or(|g| g.is_match(&rel)) {
                    push(p, &root, "extra");
                }
            }
        }
    }
    out
}

/// The memory file a caller named (as search results name it, or with a leading `./`).
pub fn find(workspace: &Path, extra: &[ExtraPath], path: &str) -> Option<SourceFile> {
    let want = path.trim().trim_start_matches("./");
    list(workspace, extra).into_iter().find(|f| f.path == want)
}

/// The date of a dated note (`memory/YYYY-MM-DD.md`, `memory/YYYY-MM-DD-<slug>.md`).
pub fn note_date(path: &str) -> Option<NaiveDate> {
    let rest = path.strip_prefix("memory/")?;
    let name = rest.rsplit('/').next()?;
    let date = name.get(..10)?;
    let tail = &name[10..];
    if !(tail.eq_ignore_ascii_case(".md") || tail.starts_with('-')) {
        return None;
    }
    NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_memory_files_skipping_links_and_matching_globs() {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path().join("ws");
        std::fs::create_dir_all(ws.join("memory/sub")).unwrap();
        std::fs::write(ws.join("MEMORY.md"), "m").unwrap();
        std::fs::write(ws.join("memory/2026-03-17.md"), "d").unwrap();
        std::fs::write(ws.join("memory/sub/x.md"), "x").unwrap();
        std::fs::write(ws.join("memory/skip.txt"), "t").unwrap();
        std::fs::write(dir.path().join("secret.md"), "s").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path().join("secret.md"), ws.join("memory/link.md"))
            .unwrap();
        let notes = dir.path().join("notes");
        std::fs::create_dir_all(notes.join("a")).unwrap();
        std::fs::write(notes.join("a/keep.md"), "k").unwrap();
        std::fs::write(notes.join("top.md"), "t").unwrap();
        let extra = [ExtraPath {
            path: notes.to_string_lossy().into(),
            pattern: Some("a/**/*.md".into()),
        }];
        let names: Vec<_> = list(&ws, &extra).into_iter().map(|f| f.path).collect();
        assert_eq!(
            names[..3],
            ["MEMORY.md", "memory/2026-03-17.md", "memory/sub/x.md"]
        );
        assert_eq!(names.len(), 4);
        assert!(names[3].ends_with("notes/a/keep.md"));
        assert!(find(&ws, &extra, "./MEMORY.md").is_some());
        assert!(find(&ws, &extra, "memory/link.md").is_none());
        assert!(find(&ws, &extra, "../secret.md").is_none());
    }

    #[test]
    fn dated_notes() {
        assert!(note_date("memory/2026-03-17.md").is_some());
        assert!(note_date("memory/2026-03-17-trip.md").is_some());
        assert!(note_date("memory/notes.md").is_none());
        assert!(note_date("MEMORY.md").is_none());
        assert!(note_date("memory/2026-03-17x.md").is_none());
    }
}
