//! System prompt assembly: a short base prompt, the agent's own text, workspace bootstrap files
//! (AGENTS.md, SOUL.md, USER.md, MEMORY.md when present) and the turn's extra system text.
//!
//! Kept lean on purpose (OpenClaw sends ~64 KB per turn). Bootstrap files are cached per
//! workspace and re-read at most every [`BOOTSTRAP_RECHECK`].

use crate::config::AgentConfig;
use dashmap::DashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

/// Files read from an agent's workspace, in prompt order.
pub const BOOTSTRAP_FILES: [&str; 4] = ["AGENTS.md", "SOUL.md", "USER.md", "MEMORY.md"];
/// Characters kept from each bootstrap file.
pub const BOOTSTRAP_MAX_CHARS: usize = 20_000;
/// How often a workspace's files are looked at again.
pub const BOOTSTRAP_RECHECK: Duration = Duration::from_secs(2);

type Cached = (Instant, Arc<String>);

/// Workspace path → rendered bootstrap section. A read-mostly cache shared by all threads.
static BOOTSTRAP_CACHE: LazyLock<DashMap<PathBuf, Cached>> = LazyLock::new(DashMap::new);

fn read_bootstrap(dir: &Path) -> String {
    let mut out = String::new();
    for name in BOOTSTRAP_FILES {
        let Ok(text) = std::fs::read_to_string(dir.join(name)) else {
            continue;
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let clipped: String = text.chars().take(BOOTSTRAP_MAX_CHARS).collect();
        out.push_str(&format!("\n\n## {name}\n{clipped}"));
        if clipped.len() < text.len() {
            out.push_str("\n[…truncated]");
        }
    }
    out
}

/// The rendered bootstrap section of a workspace (possibly empty).
pub fn bootstrap_section(dir: &Path) -> Arc<String> {
    if let Some(hit) = BOOTSTRAP_CACHE.get(dir) {
        if hit.0.elapsed() < BOOTSTRAP_RECHECK {
            return hit.1.clone();
        }
    }
    let fresh = Arc::new(read_bootstrap(dir));
    BOOTSTRAP_CACHE.insert(dir.to_path_buf(), (Instant::now(), fresh.clone()));
    fresh
}

/// Builds the system prompt for one model call; `skills` is the skills section (the
/// `<available_skills>` list, see [`crate::skills::prompt`]) or `""`.
pub fn system_prompt(
    agent: &AgentConfig,
    extra: Option<&str>,
    tool_names: &[String],
    skills: &str,
) -> String {
    let name = agent.name.as_deref().unwrap_or(&agent.id);
    let mut s = format!(
        "You are {name}, a helpful personal assistant running inside clawgate. Answer directly and concisely. Current date: {}.",
        chrono::Utc::now().format("%Y-%m-%d")
    );
    if !tool_names.is_empty() {
        s.push_str("\nTools available: ");
        s.push_str(&tool_names.join(", "));
        s.push_str(". Call a tool only when it helps answer.");
    }
    if let Some(p) = agent
        .system_prompt
        .as_deref()
        .filter(|p| !p.trim().is_empty())
    {
        s.push_str("\n\n");
        s.push_str(p.trim());
    }
    if !skills.is_empty() {
        s.push_str("\n\n");
        s.push_str(skills);
    }
    let boot = bootstrap_section(&agent.workspace);
    if !boot.is_empty() {
        s.push_str("\n\n# Workspace context");
        s.push_str(&boot);
    }
    if let Some(e) = extra.filter(|e| !e.trim().is_empty()) {
        s.push_str("\n\n");
        s.push_str(e);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ToolPolicy;

    #[test]
    fn bootstrap_files_are_included_when_present() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("SOUL.md"), "Be kind.").unwrap();
        let agent = AgentConfig {
            id: "main".into(),
            name: None,
            workspace: dir.path().to_path_buf(),
            model: Default::default(),
            thinking: None,
            system_prompt: Some("Speak French.".into()),
            tools: ToolPolicy::default(),
            subagents: Default::default(),
        };
        let p = system_prompt(
            &agent,
            Some("be brief"),
            &[],
            "## Skills\n<available_skills/>",
        );
        assert!(p.contains("## SOUL.md\nBe kind."), "{p}");
        assert!(p.contains("Speak French.\n\n## Skills\n<available_skills/>\n\n# Workspace"));
        assert!(p.ends_with("be brief"));
        assert!(!p.contains("AGENTS.md"));
    }
}
