//! A bounded, symlink-safe directory walk for `find` and `grep`: symlinks are listed but never
//! followed (so a walk cannot leave the workspace), `.git` and `node_modules` are skipped, and
//! at most [`MAX_VISITED`] entries are looked at.

use std::path::{Path, PathBuf};

/// Entries a walk looks at before it stops.
pub const MAX_VISITED: usize = 100_000;

/// One entry found by [`walk`].
pub struct Entry {
    /// Path relative to the walk's base, `/`-separated.
    pub rel: String,
    /// Absolute path.
    pub path: PathBuf,
    /// A real directory (not a symlink to one).
    pub is_dir: bool,
    /// A regular file (not a symlink).
    pub is_file: bool,
}

/// Visits every entry under `base` in sorted order until `visit` returns `false`. Returns
/// `false` when the walk was cut short by [`MAX_VISITED`].
pub fn walk(base: &Path, mut visit: impl FnMut(&Entry) -> bool) -> bool {
    let mut visited = 0;
    let mut stack = vec![(base.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut entries: Vec<_> = rd.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        let mut subdirs = Vec::new();
        for e in entries {
            visited += 1;
            if visited > MAX_VISITED {
                return false;
            }
            let name = e.file_name().to_string_lossy().into_owned();
            let ft = e.file_type().ok();
            let entry = Entry {
                rel: format!("{prefix}{name}"),
                path: e.path(),
                is_dir: ft.is_some_and(|t| t.is_dir()),
                is_file: ft.is_some_and(|t| t.is_file()),
            };
            if !visit(&entry) {
                return true;
            }
            if entry.is_dir && name != ".git" && name != "node_modules" {
                subdirs.push((entry.path, format!("{}/", entry.rel)));
            }
        }
        stack.extend(subdirs.into_iter().rev());
    }
    true
}
