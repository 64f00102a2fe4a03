//! The `agents` section: each agent's id, model, thinking level, prompt, workspace and tool
//! policy, and which one is the default.

use super::build::{expand_home, invalid, model_choice};
use super::normalize_agent_id;
use super::raw::RawConfig;
use super::subagents::SubagentPolicy;
use super::types::*;
use crate::providers::types::ThinkingLevel;
use std::path::{Path, PathBuf};

/// The agents (at least one), the default agent's id, and the global tool policy.
pub(super) fn agents(
    raw: &RawConfig,
    state_dir: &Path,
    file: &Option<PathBuf>,
    source: &str,
) -> Result<(Vec<AgentConfig>, String, ToolPolicy), ConfigError> {
    let d = &raw.agents.defaults;
    let thinking_of = |s: &Option<String>,
                       key: &str|
     -> Result<Option<ThinkingLevel>, ConfigError> {
        s.as_deref()
            .map(|t| {
                ThinkingLevel::parse(t).ok_or_else(|| {
                    invalid(
                        file,
                        source,
                        key,
                        format!("unknown thinking level `{t}` (off, minimal, low, medium, high)"),
                    )
                })
            })
            .transpose()
    };
    let default_thinking = thinking_of(&d.thinking_default, "agents.defaults.thinkingDefault")?;
    let default_workspace = d
        .workspace
        .as_deref()
        .map(expand_home)
        .unwrap_or_else(|| state_dir.join("workspace"));
    let sub_block = |base: &SubagentPolicy, v: Option<&serde_json::Value>, key: &str| {
        super::subagents::merge(base, v).map_err(|(k, m)| {
            let key = if k.is_empty() {
                key.to_string()
            } else {
                format!("{key}.{k}")
            };
            invalid(file, source, &key, m)
        })
    };
    let default_subagents = sub_block(
        &SubagentPolicy::default(),
        d.subagents.as_ref(),
        "agents.defaults.subagents",
    )?;
    let global_tools = ToolPolicy {
        global: ToolRules::from_raw(&raw.tools),
        agent: ToolRules::default(),
    };

    let mut agents = Vec::new();
    let mut default_agent = None;
    // `agents.list[]` and its newer spelling `agents.entries.<id>` (the key is the id).
    for (key, raw_id, a) in raw.agents.each() {
        let id = normalize_agent_id(raw_id).ok_or_else(|| {
            invalid(
                file,
                source,
                &format!("{key}.id"),
                format!("invalid agent id `{raw_id}`"),
            )
        })?;
        if agents.iter().any(|x: &AgentConfig| x.id == id) {
            return Err(invalid(
                file,
                source,
                &format!("{key}.id"),
                format!("duplicate agent id `{id}`"),
            ));
        }
        if a.default == Some(true) && default_agent.is_none() {
            default_agent = Some(id.clone());
        }
        let tools = ToolPolicy {
            global: global_tools.global.clone(),
            agent: a
                .tools
                .as_ref()
                .map(ToolRules::from_raw)
                .unwrap_or_default(),
        };
        agents.push(AgentConfig {
            model: model_choice(&a.model, file, source, &format!("{key}.model"))?,
            thinking: thinking_of(&a.thinking_default, &format!("{key}.thinkingDefault"))?
                .or(default_thinking),
            system_prompt: a.system_prompt.clone().or_else(|| d.system_prompt.clone()),
            workspace: a
                .workspace
                .as_deref()
                .map(expand_home)
                .unwrap_or_else(|| default_workspace.clone()),
            name: a.name.clone(),
            subagents: sub_block(
                &default_subagents,
                a.subagents.as_ref(),
                &format!("{key}.subagents"),
            )?,
            id,
            tools,
        });
    }
    if agents.is_empty() {
        agents.push(AgentConfig {
            id: DEFAULT_AGENT.into(),
            name: None,
            workspace: default_workspace,
            model: ModelChoice::default(),
            thinking: default_thinking,
            system_prompt: d.system_prompt.clone(),
            tools: global_tools.clone(),
            subagents: default_subagents,
        });
    }
    let default_agent = default_agent.unwrap_or_else(|| agents[0].id.clone());

    Ok((agents, default_agent, global_tools))
}

/// Memory search settings: `memory.search`, then `agents.defaults.memorySearch` (old
/// spelling), then per agent `memorySearch` and `memory.search`, deep-merged in that order.
pub(super) fn memory(
    raw: &RawConfig,
    file: &Option<PathBuf>,
    source: &str,
) -> Result<super::MemoryConfig, ConfigError> {
    use super::memory::{merge, parse};
    use serde_json::Value;
    let search_of = |v: &Option<Value>| v.as_ref().and_then(|m| m.get("search")).cloned();
    let mut base = Value::Object(Default::default());
    if let Some(v) = search_of(&raw.memory) {
        merge(&mut base, &v);
    }
    if let Some(v) = &raw.agents.defaults.memory_search {
        merge(&mut base, v);
    }
    let defaults = parse(&base).map_err(|e| invalid(file, source, "memory.search", e))?;
    let mut agents = std::collections::BTreeMap::new();
    for (_, raw_id, a) in raw.agents.each() {
        let own = search_of(&a.memory);
        if a.memory_search.is_none() && own.is_none() {
            continue;
        }
        let Some(id) = super::normalize_agent_id(raw_id) else {
            continue;
        };
        let mut v = base.clone();
        for over in [a.memory_search.clone(), own].into_iter().flatten() {
            merge(&mut v, &over);
        }
        let cfg = parse(&v)
            .map_err(|e| invalid(file, source, &format!("agents.{id}.memory.search"), e))?;
        agents.insert(id, cfg);
    }
    Ok(super::MemoryConfig { defaults, agents })
}
