//! Finding skills: the folders searched for an agent, highest precedence first, and the
//! `SKILL.md` files in them (up to [`MAX_DEPTH`] levels deep). When two folders hold a skill
//! of the same name the earlier folder wins. A file that cannot be read or parsed is reported
//! as a [`LoadError`] (file and line) and skipped.

use super::frontmatter::{self, SkillMeta};
use crate::config::{AgentConfig, Config};
use std::path::{Path, PathBuf};

/// How deep below a folder `SKILL.md` files are looked for.
pub const MAX_DEPTH: usize = 6;

/// Where a skill was found (OpenClaw's source labels).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkillSource {
    /// `<workspace>/skills`.
    Workspace,
    /// `<workspace>/.agents/skills`.
    AgentsProject,
    /// `~/.agents/skills`.
    AgentsPersonal,
    /// `<state dir>/skills`.
    Managed,
    /// `skills.load.extraDirs`.
    Extra,
}

impl SkillSource {
    /// The label shown by the API and the CLI.
    pub fn label(self) -> &'static str {
        match self {
            SkillSource::Workspace => "openclaw-workspace",
            SkillSource::AgentsProject => "agents-skills-project",
            SkillSource::AgentsPersonal => "agents-skills-personal",
            SkillSource::Managed => "openclaw-managed",
            SkillSource::Extra => "openclaw-extra",
        }
    }
}

/// A skill found on disk.
#[derive(Debug, Clone)]
pub struct Skill {
    /// What its `SKILL.md` says.
    pub meta: SkillMeta,
    /// Its folder.
    pub dir: PathBuf,
    /// Its `SKILL.md`.
    pub location: PathBuf,
    /// The folder it was found in.
    pub source: SkillSource,
}

impl Skill {
    /// The key of its `skills.entries` block: `metadata.openclaw.skillKey`, else its name.
    pub fn key(&self) -> &str {
        self.meta
            .openclaw
            .skill_key
            .as_deref()
            .unwrap_or(&self.meta.name)
    }
}

/// A `SKILL.md` that was skipped.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line at fault (1 when the whole file is).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
    }
}

/// The folders searched for `agent`'s skills, highest precedence first.
pub fn roots(config: &Config, agent: &AgentConfig) -> Vec<(PathBuf, SkillSource)> {
    let s = &config.skills;
    let mut out = vec![
        (agent.workspace.join("skills"), SkillSource::Workspace),
        (
            agent.workspace.join(".agents").join("skills"),
            SkillSource::AgentsProject,
        ),
    ];
    if let Some(u) = &s.user_dir {
        out.push((u.clone(), SkillSource::AgentsPersonal));
    }
    out.push((config.state_dir.join("skills"), SkillSource::Managed));
    out.extend(s.extra_dirs.iter().map(|d| (d.clone(), SkillSource::Extra)));
    out
}

/// Every skill in `roots` (earlier roots win a name clash) and the files skipped.
pub fn discover(roots: &[(PathBuf, SkillSource)], max_bytes: u64) -> (Vec<Skill>, Vec<LoadError>) {
    let mut skills: Vec<Skill> = Vec::new();
    let mut errors = Vec::new();
    for (root, source) in roots {
        let mut files = Vec::new();
        find_skill_files(root, 0, &mut files);
        files.sort();
        for path in files {
            match load(&path, max_bytes) {
                Ok(meta) => {
                    if skills.iter().any(|s| s.meta.name == meta.name) {
                        tracing::debug!(skill = %meta.name, path = %path.display(), "shadowed by a skill of higher precedence");
                        continue;
                    }
                    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
                    skills.push(Skill {
                        meta,
                        dir,
                        location: path,
                        source: *source,
                    });
                }
                Err(e) => {
                    tracing::warn!(file = %e.path.display(), line = e.line, error = %e.message, "skipping a malformed SKILL.md");
                    errors.push(e);
                }
            }
        }
    }
    (skills, errors)
}

fn load(path: &Path, max_bytes: u64) -> Result<SkillMeta, LoadError> {
    let fail = |line, message: String| LoadError {
        path: path.to_path_buf(),
        line,
        message,
    };
    let len = std::fs::metadata(path)
        .map_err(|e| fail(1, format!("cannot read: {e}")))?
        .len();
    if len > max_bytes {
        return Err(fail(
            1,
            format!("{len} bytes is over skills.limits.maxSkillFileBytes ({max_bytes})"),
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|e| fail(1, format!("cannot read: {e}")))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    frontmatter::parse(&text, dir).map_err(|e| fail(e.line, e.message))
}

/// Collects `SKILL.md` files under `dir`; a folder holding one is a skill and is not
/// descended into. Hidden folders and `node_modules` are skipped.
fn find_skill_files(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    let candidate = dir.join("SKILL.md");
    if candidate.is_file() {
        out.push(candidate);
        return;
    }
    if depth >= MAX_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == "node_modules" {
            continue;
        }
        let path = e.path();
        if path.is_dir() {
            find_skill_files(&path, depth + 1, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn precedence_depth_and_malformed_files() {
        let t = tempfile::tempdir().unwrap();
        let high = t.path().join("high");
        let low = t.path().join("low");
        write(
            &high.join("a/b/c/d/e/dup/SKILL.md"),
            "---\nname: dup\ndescription: from high\n---\n",
        );
        write(
            &low.join("dup/SKILL.md"),
            "---\nname: dup\ndescription: from low\n---\n",
        );
        write(
            &low.join("folder-named/SKILL.md"),
            "---\ndescription: x\n---\n",
        );
        write(
            &low.join("1/2/3/4/5/6/7/too-deep/SKILL.md"),
            "---\ndescription: deep\n---\n",
        );
        write(&low.join("bad/SKILL.md"), "---\nname: bad\n---\n");
        let roots = vec![
            (high, SkillSource::Workspace),
            (low.clone(), SkillSource::Extra),
        ];
        let (skills, errors) = discover(&roots, 10_000);
        let names: Vec<_> = skills.iter().map(|s| s.meta.name.as_str()).collect();
        assert_eq!(names, ["dup", "folder-named"]);
        assert_eq!(skills[0].meta.description, "from high");
        assert_eq!(skills[0].source, SkillSource::Workspace);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].path, low.join("bad/SKILL.md"));
        assert_eq!(errors[0].line, 2);
    }
}
