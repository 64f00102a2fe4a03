//! Configuration: loading the JSON5 file, applying the environment and CLI overrides, and
//! validating everything once into [`Config`].
//!
//! Key names follow OpenClaw's (`gateway.auth.token`, `models.providers.<id>.baseUrl`, …) so an
//! `openclaw.json` can be read. Unknown keys are errors that name the key and its line.

mod automation;
mod bindings;
mod browser;
mod build;
mod build_agents;
mod build_limits;
mod build_models;
mod channel_queue;
mod channel_retry;
mod channel_types;
mod channels;
pub mod cluster;
pub mod edit;
mod env;
mod exec;
pub mod heartbeat;
mod ignored;
pub mod live;
mod memory;
pub mod raw;
pub mod raw_agents;
pub mod raw_browser;
pub mod raw_channels;
pub mod raw_skills;
pub mod raw_web;
mod skills;
mod storage;
mod subagents;
mod types;
mod web;

pub use bindings::{Binding, BindingAccount, BindingPeer};
pub use browser::{
    BrowserConfig, BrowserProfile, BrowserSsrfPolicy, DEFAULT_PROFILE as DEFAULT_BROWSER_PROFILE,
};
pub use channel_retry::DeliveryRetry;
pub use channel_types::*;
pub use channels::normalize_allow_entry;
pub use exec::{
    ExecAsk, ExecConfig, ExecSecurity, ExecSettings, MAX_TIMEOUT_SECS as MAX_EXEC_TIMEOUT_SECS,
};
pub mod raw_automation;
pub mod raw_exec;

pub use automation::{
    gmail_preset, CronConfig, HookActionKind, HookMapping, HooksConfig, WakeMode,
    DEFAULT_HOOKS_MAX_BODY, DEFAULT_HOOKS_PATH,
};
pub use cluster::ClusterConfig;
pub use live::ConfigHandle;
pub use memory::{ExtraPath, MemoryConfig, MemorySearchConfig, RemoteEmbeddings};
pub use skills::{ConfigRoot, SkillEntry, SkillsConfig};
pub use storage::StorageConfig;
pub use subagents::SubagentPolicy;
pub use types::*;
pub use web::{
    SearchProvider, WebSearchConfig, BRAVE_BASE_URL, DEFAULT_MAX_RESULTS, MAX_RESULTS_CAP,
};

use raw::RawConfig;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Creates a directory that holds state (the state dir, a config file's folder): every folder
/// it creates is owner-only (0700), whoever creates it first; an existing folder is left as is.
pub fn create_private_dir(path: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(path)
}

/// Default state directory: `$CLAWGATE_STATE_DIR`, else `~/.clawgate`.
pub fn default_state_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("CLAWGATE_STATE_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".clawgate")
}

/// Loads configuration from `path` (or `<state dir>/clawgate.json5` when it exists; or
/// nothing) and applies `overrides`.
pub fn load(path: Option<&Path>, overrides: &Overrides) -> Result<Config, ConfigError> {
    let state_dir = overrides
        .state_dir
        .clone()
        .unwrap_or_else(default_state_dir);
    let candidate = match path {
        Some(p) => Some(p.to_path_buf()),
        None => std::env::var_os("CLAWGATE_CONFIG")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                let p = state_dir.join("clawgate.json5");
                p.exists().then_some(p)
            }),
    };
    let (raw, source, file) = match candidate {
        Some(p) => {
            let text = std::fs::read_to_string(&p).map_err(|source| ConfigError::Read {
                path: p.clone(),
                source,
            })?;
            let raw = parse_raw(&text, &p)?;
            (raw, text, Some(p))
        }
        None => (RawConfig::default(), String::new(), None),
    };
    build::build(raw, &source, file, state_dir, overrides)
}

/// Parses JSON5 text into the raw shape, with `${ENV}` applied.
pub fn parse_raw(text: &str, path: &Path) -> Result<RawConfig, ConfigError> {
    let mut value: Value = json5::from_str(text).map_err(|e| ConfigError::Syntax {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let overlay: BTreeMap<String, String> = value
        .get("env")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| match v {
                    Value::String(s) => Some((k.clone(), s.clone())),
                    Value::Number(n) => Some((k.clone(), n.to_string())),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    env::substitute(&mut value, &overlay, "")?;
    serde_path_to_error::deserialize::<_, RawConfig>(value).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.into_inner().to_string();
        // serde names the unknown field in the message; point at it rather than its parent.
        let full_key = match unknown_field_name(&inner) {
            Some(field) if key == "." || key.is_empty() => field.to_string(),
            Some(field) => format!("{key}.{field}"),
            None => key,
        };
        ConfigError::Invalid {
            path: path.to_path_buf(),
            line: env::line_of(text, &full_key),
            key: full_key,
            message: inner,
        }
    })
}

/// Loads a config from JSON5 text with defaults for everything else (unit tests only).
#[cfg(test)]
pub(crate) fn load_str_for_tests(text: &str) -> Config {
    let raw = parse_raw(text, Path::new("test.json5")).expect("config parses");
    build::build(
        raw,
        text,
        None,
        PathBuf::from("/tmp/cg"),
        &Overrides::default(),
    )
    .expect("config is valid")
}

fn unknown_field_name(msg: &str) -> Option<&str> {
    let rest = msg.strip_prefix("unknown field `")?;
    rest.split('`').next()
}

pub fn normalize_agent_id(id: &str) -> Option<String> {
    let id = id.trim().to_ascii_lowercase();
    let ok = !id.is_empty()
        && id.len() <= 64
        && id.as_bytes()[0].is_ascii_alphanumeric()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    ok.then_some(id)
}

/// A configured path with a leading `~/` expanded to the home directory.
pub fn expand_user_path(p: &str) -> PathBuf {
    build::expand_home(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_str(text: &str) -> Result<Config, ConfigError> {
        let raw = parse_raw(text, Path::new("test.json5"))?;
        build::build(
            raw,
            text,
            Some("test.json5".into()),
            PathBuf::from("/tmp/cg"),
            &Overrides::default(),
        )
    }

    #[test]
    fn unknown_keys_are_named_with_their_line() {
        let err = load_str("{\n  gateway: {\n    auth: {\n      tokn: 'x',\n    },\n  },\n}")
            .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("gateway.auth.tokn"), "{msg}");
        assert!(msg.contains("test.json5:4"), "{msg}");
    }

    #[test]
    fn mistyped_values_are_named() {
        let err = load_str("{ gateway: { port: 'eighty' } }")
            .unwrap_err()
            .to_string();
        assert!(err.contains("gateway.port"), "{err}");
    }

    #[test]
    fn openclaw_sections_are_accepted() {
        let cfg = load_str(
            "{ gateway: { port: 1234, tailscale: { mode: 'off' } }, channels: { telegram: {} }, agents: { defaults: { heartbeat: { every: '30m' } }, list: [{ id: 'Main', default: true }, { id: 'beta' }] } }",
        )
        .unwrap();
        assert_eq!(cfg.port, 1234);
        assert_eq!(cfg.default_agent, "main");
        assert_eq!(cfg.agents.len(), 2);
    }

    #[test]
    fn no_auth_on_a_public_bind_is_refused() {
        let err = load_str("{ gateway: { bind: 'lan', auth: { mode: 'none' } } }")
            .unwrap_err()
            .to_string();
        assert!(err.contains("refusing to bind"), "{err}");
    }

    #[test]
    fn model_refs_split_at_the_first_slash() {
        let r = ModelRef::parse("openrouter/anthropic/claude").unwrap();
        assert_eq!(r.provider, "openrouter");
        assert_eq!(r.model, "anthropic/claude");
        assert!(ModelRef::parse("openai/").is_none());
    }
}
