//! `agents.defaults.subagents` and an agent's own `subagents` block: who `sessions_spawn` may
//! target, how deep sub-agents may nest and how many may run at once.

use serde_json::Value;

/// Sub-agent limits of one agent (its own block over the defaults' block).
#[derive(Debug, Clone, PartialEq)]
pub struct SubagentPolicy {
    /// Agents a spawn may target besides the spawning agent itself (`*`: any).
    pub allow_agents: Vec<String>,
    /// How deep spawns may nest (1: a sub-agent cannot spawn; OpenClaw's default).
    pub max_spawn_depth: u32,
    /// Sub-agents of this agent running at once, gateway-wide.
    pub max_concurrent: usize,
    /// Model for sub-agents when the spawn names none (`provider/model` or an alias).
    pub model: Option<String>,
}

impl Default for SubagentPolicy {
    fn default() -> Self {
        SubagentPolicy {
            allow_agents: vec![],
            max_spawn_depth: 1,
            max_concurrent: 8,
            model: None,
        }
    }
}

impl SubagentPolicy {
    /// Whether this agent may spawn a sub-agent running as `target`.
    pub fn may_target(&self, own: &str, target: &str) -> bool {
        target == own || self.allow_agents.iter().any(|a| a == "*" || a == target)
    }
}

/// Reads one block over `base`; the error names the key (relative to the block) and why.
pub(super) fn merge(
    base: &SubagentPolicy,
    block: Option<&Value>,
) -> Result<SubagentPolicy, (String, String)> {
    let mut p = base.clone();
    let Some(block) = block.filter(|v| !v.is_null()) else {
        return Ok(p);
    };
    let Some(o) = block.as_object() else {
        return Err((String::new(), "must be an object".into()));
    };
    if let Some(v) = o.get("allowAgents") {
        p.allow_agents = v
            .as_array()
            .and_then(|a| a.iter().map(|x| x.as_str().map(str::to_string)).collect())
            .ok_or_else(|| {
                (
                    "allowAgents".to_string(),
                    "must be a list of agent ids".to_string(),
                )
            })?;
    }
    let int = |key: &str, min: u64, max: u64| -> Result<Option<u64>, (String, String)> {
        match o.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .filter(|n| (min..=max).contains(n))
                .map(Some)
                .ok_or_else(|| {
                    (
                        key.to_string(),
                        format!("must be an integer from {min} to {max}"),
                    )
                }),
        }
    };
    if let Some(n) = int("maxSpawnDepth", 1, 5)? {
        p.max_spawn_depth = n as u32;
    }
    if let Some(n) = int("maxConcurrent", 1, 64)? {
        p.max_concurrent = n as usize;
    }
    match o.get("model") {
        None | Some(Value::Null) => {}
        Some(Value::String(m)) if !m.trim().is_empty() => p.model = Some(m.trim().to_string()),
        Some(Value::Object(m)) => {
            p.model = m.get("primary").and_then(Value::as_str).map(str::to_string)
        }
        Some(_) => return Err(("model".into(), "must be a model name".into())),
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn blocks_merge_over_defaults_and_bad_values_name_the_key() {
        let d = merge(
            &SubagentPolicy::default(),
            Some(&json!({"maxConcurrent": 2})),
        )
        .unwrap();
        assert_eq!((d.max_spawn_depth, d.max_concurrent), (1, 2));
        let a = merge(
            &d,
            Some(&json!({"allowAgents": ["ops"], "maxSpawnDepth": 2})),
        )
        .unwrap();
        assert_eq!((a.max_spawn_depth, a.max_concurrent), (2, 2));
        assert!(a.may_target("main", "ops") && a.may_target("main", "main"));
        assert!(!a.may_target("main", "other"));
        let err = merge(&d, Some(&json!({"maxSpawnDepth": 0}))).unwrap_err();
        assert_eq!(err.0, "maxSpawnDepth");
        let err = merge(&d, Some(&json!({"allowAgents": "ops"}))).unwrap_err();
        assert_eq!(err.0, "allowAgents");
    }
}
