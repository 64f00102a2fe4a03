//! Skills: OpenClaw's `SKILL.md` folders. A skill is instructions (and maybe scripts) the
//! model reads with its `read` tool when a task calls for it; the gateway finds the skills,
//! decides which can run here, lists those in the system prompt and runs one on request.
//!
//! - [`frontmatter`]: parsing a `SKILL.md` (YAML frontmatter, `metadata.openclaw`);
//! - [`discover`]: the folders searched, precedence, malformed files skipped with a warning;
//! - [`gate`]: `os`, binaries, env vars and config keys; what is missing;
//! - [`prompt`]: the `<available_skills>` section of the system prompt;
//! - [`catalog`]: cached per-agent snapshots, rebuilt on change;
//! - [`watch`]: the file watcher that triggers the rebuild.
//!
//! The HTTP, WebSocket and CLI surfaces are thin adapters over `App` (`src/app/skills.rs`).

pub mod catalog;
pub mod discover;
pub mod frontmatter;
pub mod gate;
pub mod prompt;
pub mod watch;

pub use catalog::{SkillCatalog, SkillSnapshot, SkillStatus};
pub use discover::{LoadError, Skill, SkillSource};
pub use gate::Missing;
