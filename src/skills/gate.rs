//! Gating: whether a skill can run here. `os` is a hard filter; `always` skips the binary,
//! env and config checks (not `os`); binaries are looked up on `PATH`; an env var counts when
//! the process has it or the skill's `skills.entries` block provides it (`env`, or `apiKey`
//! for its `primaryEnv`); config paths must be truthy.

use super::discover::Skill;
use crate::config::{SkillEntry, SkillsConfig};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// What keeps a skill from being eligible (all empty = eligible).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Missing {
    /// Required binaries not on `PATH`.
    pub bins: Vec<String>,
    /// `anyBins` when none of them is on `PATH`.
    pub any_bins: Vec<String>,
    /// Env vars neither set nor configured.
    pub env: Vec<String>,
    /// Config paths that are not truthy.
    pub config: Vec<String>,
    /// The skill's `os` list when this OS is not in it.
    pub os: Vec<String>,
}

impl Missing {
    /// Whether nothing is missing.
    pub fn is_empty(&self) -> bool {
        self.bins.is_empty()
            && self.any_bins.is_empty()
            && self.env.is_empty()
            && self.config.is_empty()
            && self.os.is_empty()
    }

    /// One line saying what is missing (`bins: jq; env: API_KEY`).
    pub fn describe(&self) -> String {
        let parts: Vec<String> = [
            ("bins", &self.bins),
            ("anyBins", &self.any_bins),
            ("env", &self.env),
            ("config", &self.config),
            ("os", &self.os),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}: {}", v.join(", ")))
        .collect();
        parts.join("; ")
    }
}

/// This platform under Node's names, as skills spell it (`darwin`, `linux`, `win32`).
pub fn platform() -> &'static str {
    match std::env::consts::OS {
        "macos" => "darwin",
        "windows" => "win32",
        other => other,
    }
}

fn os_matches(wanted: &str) -> bool {
    let w = wanted.trim().to_ascii_lowercase();
    w == platform() || w == std::env::consts::OS || (w == "windows" && platform() == "win32")
}

/// Whether an executable named `bin` is on `path` (a `PATH` value).
pub fn on_path(bin: &str, path: Option<&std::ffi::OsStr>) -> bool {
    if bin.contains('/') {
        return is_executable(Path::new(bin));
    }
    path.is_some_and(|p| std::env::split_paths(p).any(|d| is_executable(&d.join(bin))))
}

fn is_executable(p: &Path) -> bool {
    let Ok(m) = std::fs::metadata(p) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        m.is_file() && m.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        m.is_file()
    }
}

/// The env vars a skill's entry gives its runs: `env` and `apiKey` as `primaryEnv`, each only
/// when the process has no value of its own.
pub fn injected_env(skill: &Skill, entry: Option<&SkillEntry>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(entry) = entry else { return out };
    for (k, v) in &entry.env {
        if std::env::var_os(k).is_none_or(|x| x.is_empty()) {
            out.insert(k.clone(), v.expose().to_string());
        }
    }
    if let (Some(key), Some(var)) = (&entry.api_key, &skill.meta.openclaw.primary_env) {
        if std::env::var_os(var).is_none_or(|x| x.is_empty()) {
            out.insert(var.clone(), key.expose().to_string());
        }
    }
    out
}

/// What `skill` is missing here, given its config entry.
pub fn check(skill: &Skill, cfg: &SkillsConfig) -> Missing {
    let oc = &skill.meta.openclaw;
    let mut m = Missing::default();
    if !oc.os.is_empty() && !oc.os.iter().any(|o| os_matches(o)) {
        m.os = oc.os.clone();
    }
    if oc.always {
        return m;
    }
    let path = std::env::var_os("PATH");
    m.bins = oc
        .requires
        .bins
        .iter()
        .filter(|b| !on_path(b, path.as_deref()))
        .cloned()
        .collect();
    if !oc.requires.any_bins.is_empty()
        && !oc
            .requires
            .any_bins
            .iter()
            .any(|b| on_path(b, path.as_deref()))
    {
        m.any_bins = oc.requires.any_bins.clone();
    }
    let entry = cfg.entries.get(skill.key());
    m.env = oc
        .requires
        .env
        .iter()
        .filter(|var| {
            let in_process = std::env::var_os(var).is_some_and(|v| !v.is_empty());
            let configured = entry.is_some_and(|e| {
                e.env
                    .get(var.as_str())
                    .is_some_and(|v| !v.expose().is_empty())
                    || (e.api_key.is_some() && oc.primary_env.as_deref() == Some(var.as_str()))
            });
            !in_process && !configured
        })
        .cloned()
        .collect();
    m.config = oc
        .requires
        .config
        .iter()
        .filter(|p| !cfg.config_truthy(p))
        .cloned()
        .collect();
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;
    use crate::skills::discover::SkillSource;
    use crate::skills::frontmatter::parse;
    use std::sync::Arc;

    fn skill(meta: &str) -> Skill {
        let md = format!("---\nname: s\ndescription: d\nmetadata: {meta}\n---\n");
        Skill {
            meta: parse(&md, Path::new("/x/s")).unwrap(),
            dir: "/x/s".into(),
            location: "/x/s/SKILL.md".into(),
            source: SkillSource::Workspace,
        }
    }

    #[test]
    fn each_requirement_is_reported_and_config_entries_count() {
        let mut cfg = SkillsConfig::default();
        let s = skill(
            r#"{"openclaw": {"requires": {"bins": ["sh", "no-such-bin-xyz"], "anyBins": ["nope-1", "nope-2"], "env": ["CLAWGATE_TEST_UNSET_VAR", "PATH"], "config": ["browser.enabled", "a.b"]}, "primaryEnv": "CLAWGATE_TEST_UNSET_VAR"}}"#,
        );
        cfg.root = crate::config::ConfigRoot(Arc::new(serde_json::json!({"a": {"b": 1}})));
        let m = check(&s, &cfg);
        assert_eq!(m.bins, ["no-such-bin-xyz"]);
        assert_eq!(m.any_bins, ["nope-1", "nope-2"]);
        assert_eq!(m.env, ["CLAWGATE_TEST_UNSET_VAR"]);
        assert_eq!(m.config, ["browser.enabled"]);
        assert!(m.os.is_empty());
        assert_eq!(
            m.describe(),
            "bins: no-such-bin-xyz; anyBins: nope-1, nope-2; env: CLAWGATE_TEST_UNSET_VAR; config: browser.enabled"
        );
        cfg.entries.insert(
            "s".into(),
            SkillEntry {
                enabled: true,
                api_key: Some(Secret::new("k")),
                ..Default::default()
            },
        );
        assert!(check(&s, &cfg).env.is_empty(), "apiKey fills primaryEnv");
        let env = injected_env(&s, cfg.entries.get("s"));
        assert_eq!(
            env.get("CLAWGATE_TEST_UNSET_VAR").map(String::as_str),
            Some("k")
        );
    }

    #[test]
    fn os_is_a_hard_filter_even_for_always() {
        let other = if platform() == "linux" {
            "darwin"
        } else {
            "linux"
        };
        let s = skill(&format!(
            r#"{{"openclaw": {{"always": true, "os": ["{other}"], "requires": {{"bins": ["no-such-bin-xyz"]}}}}}}"#
        ));
        let m = check(&s, &SkillsConfig::default());
        assert_eq!(m.os, [other]);
        assert!(m.bins.is_empty(), "always skips the binary check");
        let s = skill(&format!(r#"{{"openclaw": {{"os": ["{}"]}}}}"#, platform()));
        assert!(check(&s, &SkillsConfig::default()).is_empty());
    }
}
