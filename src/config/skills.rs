//! The validated `skills` section ([`SkillsConfig`]) and its checks: extra folders, limits,
//! per-skill entries, per-agent allowlists (`agents.defaults.skills`,
//! `agents.entries.<id>.skills`, `agents.list[].skills`).

use super::build::{expand_home, invalid};
use super::raw::RawConfig;
use super::types::ConfigError;
use super::Secret;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// Default `skills.limits.maxSkillsPromptChars` (OpenClaw's).
pub const DEFAULT_MAX_SKILLS_PROMPT_CHARS: usize = 30_000;
/// Default `skills.limits.maxSkillsInPrompt` (OpenClaw's).
pub const DEFAULT_MAX_SKILLS_IN_PROMPT: usize = 150;
/// Default `skills.limits.maxSkillFileBytes` (OpenClaw's).
pub const DEFAULT_MAX_SKILL_FILE_BYTES: u64 = 256_000;

/// The configuration file as parsed (it holds secrets: its `Debug` shows nothing).
#[derive(Clone)]
pub struct ConfigRoot(pub Arc<Value>);

impl std::fmt::Debug for ConfigRoot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConfigRoot(..)")
    }
}

/// `skills.entries.<key>`.
#[derive(Debug, Clone, Default)]
pub struct SkillEntry {
    /// `enabled` (default true).
    pub enabled: bool,
    /// `apiKey`, given to the run as the skill's `primaryEnv`.
    pub api_key: Option<Secret>,
    /// `env`: given to the run when the process has no value of its own.
    pub env: BTreeMap<String, Secret>,
    /// `config`.
    pub config: Option<Value>,
}

/// Validated `skills` configuration.
#[derive(Debug, Clone)]
pub struct SkillsConfig {
    /// `skills.load.extraDirs`, `~` expanded.
    pub extra_dirs: Vec<PathBuf>,
    /// `~/.agents/skills` when `skills.load.includeUserDir` is not false and `HOME` is set.
    pub user_dir: Option<PathBuf>,
    /// `skills.load.watch` (default true).
    pub watch: bool,
    /// `skills.limits.maxSkillsPromptChars`.
    pub max_prompt_chars: usize,
    /// `skills.limits.maxSkillsInPrompt`.
    pub max_in_prompt: usize,
    /// `skills.limits.maxSkillFileBytes`.
    pub max_file_bytes: u64,
    /// `skills.entries`.
    pub entries: BTreeMap<String, SkillEntry>,
    /// `agents.defaults.skills`: the skills every agent may use (`None` = all).
    pub default_allow: Option<Vec<String>>,
    /// `agents.entries.<id>.skills` / `agents.list[].skills`, by normalised agent id.
    pub agent_allow: BTreeMap<String, Vec<String>>,
    /// The configuration file as parsed, for `requires.config` checks.
    pub root: ConfigRoot,
}

impl Default for SkillsConfig {
    fn default() -> Self {
        SkillsConfig {
            extra_dirs: vec![],
            user_dir: None,
            watch: true,
            max_prompt_chars: DEFAULT_MAX_SKILLS_PROMPT_CHARS,
            max_in_prompt: DEFAULT_MAX_SKILLS_IN_PROMPT,
            max_file_bytes: DEFAULT_MAX_SKILL_FILE_BYTES,
            entries: BTreeMap::new(),
            default_allow: None,
            agent_allow: BTreeMap::new(),
            root: ConfigRoot(Arc::new(Value::Null)),
        }
    }
}

impl SkillsConfig {
    /// The skills agent `agent_id` may use (`None` = all): its own list, else the defaults'.
    pub fn allowlist(&self, agent_id: &str) -> Option<&[String]> {
        self.agent_allow
            .get(agent_id)
            .or(self.default_allow.as_ref())
            .map(Vec::as_slice)
    }

    /// Whether configuration path `path` (`a.b.c`) holds a truthy value.
    pub fn config_truthy(&self, path: &str) -> bool {
        let mut v = self.root.0.as_ref();
        for part in path.split('.') {
            match v.get(part) {
                Some(next) => v = next,
                None => return false,
            }
        }
        match v {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
            Value::String(s) => !s.is_empty(),
            Value::Array(_) | Value::Object(_) => true,
        }
    }
}

fn allowlist(
    v: &Option<Value>,
    key: &str,
    err: &dyn Fn(&str, String) -> ConfigError,
) -> Result<Option<Vec<String>>, ConfigError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(|s| s.trim().to_string())
                    .ok_or_else(|| err(key, "must list skill names (strings)".into()))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(err(key, "must be a list of skill names".into())),
    }
}

/// `skills.entries.<key>.apiKey`: a string, or `{source: "env", id}` read from the
/// environment (unset = no key). Other secret sources are not supported.
fn api_key(
    v: Option<&Value>,
    key: &str,
    err: &dyn Fn(&str, String) -> ConfigError,
) -> Result<Option<Secret>, ConfigError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone()).filter(|s| !s.is_empty()).map(Secret::new)),
        Some(Value::Object(o)) if o.get("source").and_then(Value::as_str) == Some("env") => {
            let var = o.get("id").and_then(Value::as_str).unwrap_or_default();
            Ok(std::env::var(var)
                .ok()
                .filter(|s| !s.is_empty())
                .map(Secret::new))
        }
        Some(_) => Err(err(
            &format!("skills.entries.{key}.apiKey"),
            "must be a string or {source: \"env\", id: \"VAR\"}".into(),
        )),
    }
}

/// Builds [`SkillsConfig`] from the raw file (`source` is its text, `root` the parsed value).
pub(super) fn build(
    raw: &RawConfig,
    source: &str,
    file: &Option<PathBuf>,
) -> Result<SkillsConfig, ConfigError> {
    let err = |key: &str, message: String| invalid(file, source, key, message);
    let mut cfg = SkillsConfig {
        root: ConfigRoot(Arc::new(
            json5::from_str::<Value>(source).unwrap_or(Value::Null),
        )),
        ..SkillsConfig::default()
    };
    let include_user_dir = raw
        .skills
        .as_ref()
        .and_then(|s| s.load.include_user_dir)
        .unwrap_or(true);
    if include_user_dir {
        cfg.user_dir = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(".agents").join("skills"));
    }
    if let Some(s) = &raw.skills {
        cfg.extra_dirs = s
            .load
            .extra_dirs
            .iter()
            .filter(|d| !d.trim().is_empty())
            .map(|d| expand_home(d.trim()))
            .collect();
        cfg.watch = s.load.watch.unwrap_or(true);
        let l = &s.limits;
        if l.max_skills_prompt_chars == Some(0) {
            return Err(err(
                "skills.limits.maxSkillsPromptChars",
                "must be greater than 0".into(),
            ));
        }
        cfg.max_prompt_chars = l
            .max_skills_prompt_chars
            .unwrap_or(DEFAULT_MAX_SKILLS_PROMPT_CHARS);
        cfg.max_in_prompt = l
            .max_skills_in_prompt
            .unwrap_or(DEFAULT_MAX_SKILLS_IN_PROMPT);
        cfg.max_file_bytes = l
            .max_skill_file_bytes
            .unwrap_or(DEFAULT_MAX_SKILL_FILE_BYTES);
        for (key, e) in &s.entries {
            for name in e.env.keys() {
                if name.is_empty() || name.contains('=') || name.contains('\0') {
                    return Err(err(
                        &format!("skills.entries.{key}.env"),
                        format!("`{name}` is not a valid environment variable name"),
                    ));
                }
            }
            cfg.entries.insert(
                key.clone(),
                SkillEntry {
                    enabled: e.enabled.unwrap_or(true),
                    api_key: api_key(e.api_key.as_ref(), key, &err)?,
                    env: e
                        .env
                        .iter()
                        .map(|(k, v)| (k.clone(), Secret::new(v.clone())))
                        .collect(),
                    config: e.config.clone(),
                },
            );
        }
    }
    cfg.default_allow = allowlist(&raw.agents.defaults.skills, "agents.defaults.skills", &err)?;
    for (key, id, a) in raw.agents.each() {
        if let (Some(list), Some(id)) = (
            allowlist(&a.skills, &format!("{key}.skills"), &err)?,
            super::normalize_agent_id(id),
        ) {
            cfg.agent_allow.insert(id, list);
        }
    }
    Ok(cfg)
}

#[cfg(test)]
mod tests {
    use super::super::{build::build, parse_raw, Overrides};
    use std::path::{Path, PathBuf};

    fn load(text: &str) -> Result<super::super::Config, super::super::ConfigError> {
        let raw = parse_raw(text, Path::new("t.json5"))?;
        build(
            raw,
            text,
            None,
            PathBuf::from("/tmp/cg"),
            &Overrides::default(),
        )
    }

    #[test]
    fn skills_section_entries_limits_and_allowlists() {
        let c = load(
            r#"{
  skills: { load: { extraDirs: ["/opt/skills"], watch: false, includeUserDir: false },
            limits: { maxSkillsPromptChars: 500 },
            entries: { weather: { enabled: false, apiKey: "k", env: { A: "1" }, config: { unit: "C" } } } },
  browser: { enabled: true },
  agents: { defaults: { skills: ["weather"] }, entries: { ops: { skills: [] } } },
}"#,
        )
        .unwrap();
        let s = &c.skills;
        assert_eq!(s.extra_dirs, [PathBuf::from("/opt/skills")]);
        assert!(!s.watch && s.user_dir.is_none());
        assert_eq!(s.max_prompt_chars, 500);
        let e = &s.entries["weather"];
        assert!(!e.enabled);
        assert_eq!(e.api_key.as_ref().unwrap().expose(), "k");
        assert_eq!(e.env["A"].expose(), "1");
        assert_eq!(s.allowlist("main"), Some(&["weather".to_string()][..]));
        assert_eq!(s.allowlist("ops"), Some(&[][..]));
        assert!(s.config_truthy("browser.enabled"));
        assert!(!s.config_truthy("browser.missing"));
        assert!(
            !format!("{s:?}").contains("\"k\""),
            "secrets stay out of Debug"
        );
    }

    #[test]
    fn bad_values_name_their_key() {
        let e = load("{ skills: { limits: { maxSkillsPromptChars: 0 } } }").unwrap_err();
        assert!(
            e.to_string().contains("skills.limits.maxSkillsPromptChars"),
            "{e}"
        );
        let e = load("{ agents: { defaults: { skills: \"weather\" } } }").unwrap_err();
        assert!(e.to_string().contains("agents.defaults.skills"), "{e}");
        let c =
            load("{ skills: { entries: { w: { apiKey: { source: \"env\", id: \"PATH\" } } } } }")
                .unwrap();
        let key = c.skills.entries["w"]
            .api_key
            .as_ref()
            .unwrap()
            .expose()
            .to_string();
        assert_eq!(
            Some(key),
            std::env::var("PATH").ok(),
            "an env secret ref is read"
        );
        let e = load("{ skills: { entries: { w: { apiKey: 5 } } } }").unwrap_err();
        assert!(e.to_string().contains("skills.entries.w.apiKey"), "{e}");
        let e = load("{ skills: { entries: { w: { enabeld: true } } } }").unwrap_err();
        assert!(e.to_string().contains("enabeld"), "{e}");
    }
}
