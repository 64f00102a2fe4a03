//! The `skills` section as written on disk (OpenClaw key names).

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// `skills`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawSkills {
    /// Accepted for OpenClaw compatibility (clawgate bundles no skills).
    pub allow_bundled: Option<Value>,
    /// Where skills are loaded from and whether the folders are watched.
    #[serde(default)]
    pub load: RawSkillsLoad,
    /// Prompt and size limits.
    #[serde(default)]
    pub limits: RawSkillsLimits,
    /// Per-skill switches, env, API key and config (key: the skill's name or `skillKey`).
    #[serde(default)]
    pub entries: BTreeMap<String, RawSkillEntry>,
    /// Accepted for OpenClaw compatibility (installation is out of scope).
    pub install: Option<Value>,
}

/// `skills.load`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawSkillsLoad {
    /// Extra skill folders, lowest precedence.
    #[serde(default)]
    pub extra_dirs: Vec<String>,
    /// Watch the skill folders and refresh on a `SKILL.md` change (default true; 250 ms
    /// debounce).
    pub watch: Option<bool>,
    /// clawgate: whether `~/.agents/skills` is searched (default true).
    pub include_user_dir: Option<bool>,
}

/// `skills.limits`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawSkillsLimits {
    /// Characters of the `<available_skills>` block (default 30 000).
    pub max_skills_prompt_chars: Option<usize>,
    /// Skills listed in the prompt at most (default 150).
    pub max_skills_in_prompt: Option<usize>,
    /// `SKILL.md` files larger than this are skipped (default 256 000 bytes).
    pub max_skill_file_bytes: Option<u64>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub max_candidates_per_root: Option<Value>,
    /// Accepted for OpenClaw compatibility; not interpreted.
    pub max_skills_loaded_per_source: Option<Value>,
}

/// `skills.entries.<key>`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawSkillEntry {
    /// `false` turns the skill off.
    pub enabled: Option<bool>,
    /// Given to the run as the skill's `primaryEnv`: a string, or a secret reference
    /// `{source: "env", id: "VAR"}`.
    pub api_key: Option<Value>,
    /// Env vars given to the run (when the process has no value of its own).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// The skill's own settings (shown by `skills info`).
    pub config: Option<Value>,
}
