//! [`SkillCatalog`]: the skills each agent sees, as cached [`SkillSnapshot`]s. A turn takes
//! the agent's current snapshot (its prompt section and the env its tools get); the snapshot
//! is rebuilt only when the watcher sees a skill folder change (then listeners, e.g. the
//! WebSocket hub's `skills.changed`, are told) — never on a turn's path.

use super::discover::{self, LoadError, Skill, SkillSource};
use super::gate::{self, Missing};
use crate::config::{AgentConfig, Config};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// One skill as an agent sees it.
#[derive(Debug, Clone)]
pub struct SkillStatus {
    /// The skill.
    pub skill: Skill,
    /// `skills.entries.<key>.enabled` (default true).
    pub enabled: bool,
    /// Whether nothing it requires is missing.
    pub eligible: bool,
    /// What it requires and is missing.
    pub missing: Missing,
}

impl SkillStatus {
    /// Whether the model is told about it: enabled, eligible, model-invocable.
    pub fn in_prompt(&self) -> bool {
        self.enabled && self.eligible && !self.skill.meta.disable_model_invocation
    }

    /// Whether it can run now (enabled and eligible).
    pub fn runnable(&self) -> bool {
        self.enabled && self.eligible
    }

    /// The API's shape of it.
    pub fn to_json(&self) -> Value {
        let m = &self.skill.meta;
        let mut v = json!({
            "name": m.name,
            "description": m.description,
            "enabled": self.enabled,
            "version": m.version,
            "eligible": self.eligible,
            "missing": self.missing,
            "source": self.skill.source.label(),
            "location": self.skill.location.to_string_lossy(),
            "userInvocable": m.user_invocable,
            "modelInvocable": !m.disable_model_invocation,
            // OpenClaw's `skills.status` names for the same facts.
            "skillKey": self.skill.key(),
            "filePath": self.skill.location.to_string_lossy(),
            "baseDir": self.skill.dir.to_string_lossy(),
            "disabled": !self.enabled,
            "always": m.openclaw.always,
            "primaryEnv": m.openclaw.primary_env,
        });
        if let Some(e) = &m.openclaw.emoji {
            v["emoji"] = json!(e);
        }
        if let Some(h) = &m.homepage {
            v["homepage"] = json!(h);
        }
        if let Some(d) = &m.dispatch {
            v["commandDispatch"] = json!({"kind": "tool", "tool": d.tool, "argMode": d.arg_mode});
        }
        v
    }
}

/// The skills of one agent at one moment.
#[derive(Debug, Clone)]
pub struct SkillSnapshot {
    /// The catalog's version when it was built (bumped on every change).
    pub version: u64,
    /// Every skill the agent may use, by name.
    pub skills: Vec<SkillStatus>,
    /// `SKILL.md` files skipped as malformed.
    pub errors: Vec<LoadError>,
    /// The system prompt's skills section (`""` when no skill is listed).
    pub prompt: String,
    /// Env vars the skills' config entries give a run (never written into the process env).
    pub env: Arc<BTreeMap<String, String>>,
}

impl SkillSnapshot {
    /// Builds the snapshot of `agent` from disk (`version` is recorded in it).
    pub fn build(config: &Config, agent: &AgentConfig, version: u64) -> SkillSnapshot {
        let cfg = &config.skills;
        let (found, errors) =
            discover::discover(&discover::roots(config, agent), cfg.max_file_bytes);
        let allow = cfg.allowlist(&agent.id);
        let skills: Vec<SkillStatus> = found
            .into_iter()
            .filter(|s| allow.is_none_or(|a| a.iter().any(|n| n == &s.meta.name)))
            .map(|skill| {
                let enabled = cfg.entries.get(skill.key()).is_none_or(|e| e.enabled);
                let missing = gate::check(&skill, cfg);
                SkillStatus {
                    eligible: missing.is_empty(),
                    skill,
                    enabled,
                    missing,
                }
            })
            .collect();
        let listed: Vec<&Skill> = skills
            .iter()
            .filter(|s| s.in_prompt())
            .map(|s| &s.skill)
            .collect();
        let prompt = super::prompt::render(&listed, cfg.max_prompt_chars, cfg.max_in_prompt);
        let mut env = BTreeMap::new();
        for s in skills.iter().filter(|s| s.runnable()) {
            env.extend(gate::injected_env(&s.skill, cfg.entries.get(s.skill.key())));
        }
        SkillSnapshot {
            version,
            skills,
            errors,
            prompt,
            env: Arc::new(env),
        }
    }

    /// A skill by name.
    pub fn get(&self, name: &str) -> Option<&SkillStatus> {
        self.skills.iter().find(|s| s.skill.meta.name == name)
    }

    fn same_as(&self, other: &SkillSnapshot) -> bool {
        self.prompt == other.prompt
            && self.errors == other.errors
            && self.env == other.env
            && self.skills.len() == other.skills.len()
            && self
                .skills
                .iter()
                .zip(&other.skills)
                .all(|(a, b)| a.to_json() == b.to_json() && a.skill.meta == b.skill.meta)
    }
}

type Listener = Box<dyn Fn(u64) + Send + Sync>;

/// The skills of every agent of a gateway, cached; see the module docs.
pub struct SkillCatalog {
    config: Arc<Config>,
    version: AtomicU64,
    cache: Mutex<HashMap<String, Arc<SkillSnapshot>>>,
    listeners: Mutex<Vec<Listener>>,
}

impl SkillCatalog {
    /// A catalog over `config`'s agents; watches their skill folders when
    /// `skills.load.watch` is on.
    pub fn new(config: Arc<Config>) -> Arc<SkillCatalog> {
        let c = Arc::new(SkillCatalog {
            config,
            version: AtomicU64::new(1),
            cache: Mutex::new(HashMap::new()),
            listeners: Mutex::new(Vec::new()),
        });
        if c.config.skills.watch {
            super::watch::register(&c);
        }
        // Scanned once at start-up so no turn waits for it.
        for a in &c.config.agents {
            c.snapshot(&a.id);
        }
        c
    }

    /// The current version (bumped whenever a snapshot changes).
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::SeqCst)
    }

    /// The current snapshot of agent `agent_id` (`None` for an unknown agent).
    pub fn snapshot(&self, agent_id: &str) -> Option<Arc<SkillSnapshot>> {
        let agent = self.config.agent(agent_id)?;
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = cache.get(&agent.id) {
            return Some(s.clone());
        }
        let snap = Arc::new(SkillSnapshot::build(&self.config, agent, self.version()));
        cache.insert(agent.id.clone(), snap.clone());
        Some(snap)
    }

    /// Calls `f` with the new version whenever a snapshot changes.
    pub fn on_change(&self, f: impl Fn(u64) + Send + Sync + 'static) {
        self.listeners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Box::new(f));
    }

    /// The gateway's state directory (busy with store writes: never watched itself).
    pub fn state_dir(&self) -> &Path {
        &self.config.state_dir
    }

    /// Every folder searched, for any agent.
    pub fn roots_all(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = Vec::new();
        for a in &self.config.agents {
            for (p, _) in discover::roots(&self.config, a) {
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        out
    }

    /// The folders searched for one agent, with their source labels.
    pub fn roots(&self, agent: &AgentConfig) -> Vec<(PathBuf, SkillSource)> {
        discover::roots(&self.config, agent)
    }

    /// Rebuilds every agent's snapshot from disk; when one changed, bumps the version and
    /// tells the listeners.
    pub fn refresh(&self) {
        let next = self.version() + 1;
        let fresh: Vec<(String, SkillSnapshot)> = self
            .config
            .agents
            .iter()
            .map(|a| (a.id.clone(), SkillSnapshot::build(&self.config, a, next)))
            .collect();
        let changed = {
            let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            let changed = fresh
                .iter()
                .any(|(id, s)| cache.get(id).is_none_or(|old| !old.same_as(s)));
            if changed {
                self.version.store(next, Ordering::SeqCst);
                for (id, s) in fresh {
                    cache.insert(id, Arc::new(s));
                }
            }
            changed
        };
        if changed {
            tracing::info!(version = next, "skills changed");
            for l in self
                .listeners
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
            {
                l(next);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_agent_allowlists_and_the_prompt_follow_the_config() {
        let t = tempfile::tempdir().unwrap();
        for (name, extra) in [
            ("a", ""),
            ("b", ""),
            ("hidden", "disable-model-invocation: true\n"),
        ] {
            let d = t.path().join("skills").join(name);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(
                d.join("SKILL.md"),
                format!("---\nname: {name}\ndescription: skill {name}\n{extra}---\n"),
            )
            .unwrap();
        }
        let cfg = crate::config::load_str_for_tests(&format!(
            "{{ skills: {{ load: {{ includeUserDir: false }} }}, agents: {{ defaults: {{ workspace: {:?}, skills: [\"a\", \"hidden\"] }}, list: [{{ id: \"main\" }}, {{ id: \"ops\", skills: [\"b\"] }}] }} }}",
            t.path().to_string_lossy()
        ));
        let names = |id: &str| -> Vec<String> {
            let snap = SkillSnapshot::build(&cfg, cfg.agent(id).unwrap(), 1);
            snap.skills
                .iter()
                .map(|s| s.skill.meta.name.clone())
                .collect()
        };
        assert_eq!(names("main"), ["a", "hidden"]);
        assert_eq!(names("ops"), ["b"]);
        let main = SkillSnapshot::build(&cfg, cfg.agent("main").unwrap(), 1);
        assert!(main.prompt.contains("<name>a</name>"));
        assert!(
            !main.prompt.contains("<name>hidden</name>"),
            "disable-model-invocation keeps it out of the prompt"
        );
        assert!(main.get("hidden").unwrap().runnable());
    }

    #[test]
    fn a_runs_env_comes_from_runnable_skills_entries_only() {
        let t = tempfile::tempdir().unwrap();
        for name in ["on", "off"] {
            let d = t.path().join("skills").join(name);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(
                d.join("SKILL.md"),
                format!("---\nname: {name}\ndescription: d\nmetadata: {{\"openclaw\": {{\"primaryEnv\": \"CLAWGATE_TEST_{name}_KEY\"}}}}\n---\n"),
            )
            .unwrap();
        }
        let cfg = crate::config::load_str_for_tests(&format!(
            "{{ skills: {{ load: {{ includeUserDir: false }}, entries: {{ on: {{ apiKey: \"k-on\", env: {{ CLAWGATE_TEST_EXTRA: \"x\" }} }}, off: {{ enabled: false, apiKey: \"k-off\" }} }} }}, agents: {{ defaults: {{ workspace: {:?} }} }} }}",
            t.path().to_string_lossy()
        ));
        let snap = SkillSnapshot::build(&cfg, cfg.agent("main").unwrap(), 1);
        let env: Vec<(&str, &str)> = snap
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            env,
            [
                ("CLAWGATE_TEST_EXTRA", "x"),
                ("CLAWGATE_TEST_on_KEY", "k-on")
            ]
        );
        assert!(
            std::env::var_os("CLAWGATE_TEST_on_KEY").is_none(),
            "the process env is untouched"
        );
    }
}
