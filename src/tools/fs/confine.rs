//! Path safety for the file tools: every path a tool touches resolves inside the agent's
//! workspace. Relative paths are taken from the workspace root; absolute paths are accepted
//! only when they point inside it. `..` that climbs out, absolute paths elsewhere, and
//! symlinks whose target lies outside (checked on the canonical path of the file, and of its
//! nearest existing ancestor for a file about to be created) are refused with
//! [`ToolError::Forbidden`].

use super::super::ToolError;
use std::path::{Component, Path, PathBuf};

/// An agent's workspace directory (canonical), the root every tool path must stay under.
#[derive(Debug, Clone)]
pub struct Workspace {
    root: PathBuf,
    configured: PathBuf,
}

fn escape(user: &str) -> ToolError {
    ToolError::Forbidden(format!("path escapes the workspace: {user}"))
}

/// `path` with `.` dropped and `..` applied lexically; `None` when `..` climbs above the root.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() || out.as_os_str().is_empty() {
                    return None;
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    Some(out)
}

impl Workspace {
    /// The workspace at `dir`, created if missing.
    pub fn open(dir: &Path) -> Result<Workspace, ToolError> {
        std::fs::create_dir_all(dir)
            .and_then(|_| dir.canonicalize())
            .map(|root| Workspace {
                root,
                configured: normalize(dir).unwrap_or_else(|| dir.to_path_buf()),
            })
            .map_err(|e| ToolError::Failed(format!("workspace {}: {e}", dir.display())))
    }

    /// The canonical root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `path` relative to the root, for messages (`.` for the root itself).
    pub fn display(&self, path: &Path) -> String {
        match path.strip_prefix(&self.root) {
            Ok(rel) if rel.as_os_str().is_empty() => ".".into(),
            Ok(rel) => rel.display().to_string(),
            Err(_) => path.display().to_string(),
        }
    }

    /// The user's path made absolute and normalised, still inside the root (lexically).
    fn lexical(&self, user: &str) -> Result<PathBuf, ToolError> {
        if user.trim().is_empty() {
            return Err(ToolError::InvalidInput(
                "field `path` must not be empty".into(),
            ));
        }
        let p = Path::new(user);
        let joined = if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.root.join(p)
        };
        let n = normalize(&joined).ok_or_else(|| escape(user))?;
        if n.starts_with(&self.root) {
            return Ok(n);
        }
        match n.strip_prefix(&self.configured) {
            Ok(rel) => Ok(self.root.join(rel)),
            Err(_) => Err(escape(user)),
        }
    }

    /// The canonical path of an existing file or directory inside the workspace.
    pub fn existing(&self, user: &str) -> Result<PathBuf, ToolError> {
        let lex = self.lexical(user)?;
        let canon = lex.canonicalize().map_err(|e| super::io_error(user, e))?;
        if canon.starts_with(&self.root) {
            Ok(canon)
        } else {
            Err(escape(user))
        }
    }

    /// A path a file may be written at: if it exists (or is a symlink) it must resolve inside
    /// the workspace and not be a directory; otherwise its nearest existing ancestor must, and
    /// the missing parent directories are created.
    pub fn writable(&self, user: &str) -> Result<PathBuf, ToolError> {
        let lex = self.lexical(user)?;
        if lex == self.root {
            return Err(ToolError::InvalidInput(format!("{user} is a directory")));
        }
        if lex.symlink_metadata().is_ok() {
            // Exists, or is a symlink (a dangling one cannot be resolved: refused).
            let canon = lex.canonicalize().map_err(|_| escape(user))?;
            if !canon.starts_with(&self.root) {
                return Err(escape(user));
            }
            if canon.is_dir() {
                return Err(ToolError::InvalidInput(format!("{user} is a directory")));
            }
            return Ok(canon);
        }
        let parent = lex.parent().ok_or_else(|| escape(user))?;
        let mut ancestor = parent;
        while ancestor.symlink_metadata().is_err() {
            ancestor = ancestor.parent().ok_or_else(|| escape(user))?;
        }
        let anc = ancestor.canonicalize().map_err(|_| escape(user))?;
        if !anc.starts_with(&self.root) {
            return Err(escape(user));
        }
        std::fs::create_dir_all(parent).map_err(|e| super::io_error(user, e))?;
        let parent = parent
            .canonicalize()
            .map_err(|e| super::io_error(user, e))?;
        if !parent.starts_with(&self.root) {
            return Err(escape(user));
        }
        let name = lex.file_name().ok_or_else(|| escape(user))?;
        Ok(parent.join(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws() -> (tempfile::TempDir, Workspace) {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(&dir.path().join("ws")).unwrap();
        (dir, ws)
    }

    fn forbidden(r: Result<PathBuf, ToolError>) -> bool {
        matches!(r, Err(ToolError::Forbidden(_)))
    }

    #[test]
    fn relative_and_inside_absolute_paths_resolve() {
        let (_d, ws) = ws();
        std::fs::write(ws.root().join("a.txt"), "x").unwrap();
        assert_eq!(ws.existing("a.txt").unwrap(), ws.root().join("a.txt"));
        assert_eq!(
            ws.existing("./sub/../a.txt").unwrap(),
            ws.root().join("a.txt")
        );
        let abs = ws.root().join("a.txt");
        assert_eq!(ws.existing(abs.to_str().unwrap()).unwrap(), abs);
        let new = ws.writable("deep/er/b.txt").unwrap();
        assert_eq!(new, ws.root().join("deep/er/b.txt"));
        assert!(ws.root().join("deep/er").is_dir());
    }

    #[test]
    fn escapes_are_refused() {
        let (d, ws) = ws();
        std::fs::write(d.path().join("secret"), "s").unwrap();
        assert!(forbidden(ws.existing("../secret")));
        assert!(forbidden(ws.writable("../secret")));
        assert!(forbidden(ws.writable("a/../../secret")));
        let outside = d.path().join("secret");
        assert!(forbidden(ws.existing(outside.to_str().unwrap())));
        assert!(forbidden(ws.writable("/etc/passwd")));
        assert!(matches!(ws.existing(""), Err(ToolError::InvalidInput(_))));
    }

    #[test]
    fn symlinks_out_of_the_workspace_are_refused() {
        let (d, ws) = ws();
        let outside = d.path().join("out");
        std::fs::create_dir(&outside).unwrap();
        std::fs::write(outside.join("f"), "s").unwrap();
        std::os::unix::fs::symlink(&outside, ws.root().join("link")).unwrap();
        std::os::unix::fs::symlink(outside.join("f"), ws.root().join("file")).unwrap();
        std::os::unix::fs::symlink(outside.join("nope"), ws.root().join("dangling")).unwrap();
        assert!(forbidden(ws.existing("link/f")));
        assert!(forbidden(ws.existing("file")));
        assert!(forbidden(ws.writable("file")));
        assert!(forbidden(ws.writable("link/new.txt")));
        assert!(forbidden(ws.writable("link/sub/new.txt")));
        assert!(forbidden(ws.writable("dangling")));
        assert!(!outside.join("sub").exists());
    }
}
