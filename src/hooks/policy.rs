//! Which agent and session a hook run may use: `hooks.allowedAgentIds`,
//! `hooks.allowRequestSessionKey`, `hooks.defaultSessionKey`, `hooks.allowedSessionKeyPrefixes`
//! and the rebinding of `agent:<other>:<rest>` keys to the target agent.

use super::AgentAction;
use crate::config::{normalize_agent_id, Config, HooksConfig, ModelRef};
use crate::providers::types::ThinkingLevel;

/// An agent action that passed every policy, ready to run.
#[derive(Debug, Clone)]
pub struct PreparedAgent {
    /// The request.
    pub action: AgentAction,
    /// Agent that runs it.
    pub agent_id: String,
    /// Session key before scoping (what the prefix policy saw).
    pub policy_key: String,
    /// Session key the turn runs in (`agent:<id>:…`).
    pub session_key: String,
    /// Resolved model override.
    pub model: Option<ModelRef>,
    /// Resolved thinking level.
    pub thinking: Option<ThinkingLevel>,
}

/// The message for a disabled request session key.
pub const REQUEST_KEY_DISABLED: &str = "sessionKey is disabled for external /hooks/agent payloads; set hooks.allowRequestSessionKey=true to enable";

/// Checks an explicit agent id against `allowedAgentIds`; unknown agents fall back to the
/// default agent (as in OpenClaw).
pub fn resolve_agent(cfg: &Config, requested: Option<&str>) -> Result<String, String> {
    let Some(raw) = requested.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(cfg.default_agent.clone());
    };
    let id = normalize_agent_id(raw).unwrap_or_else(|| raw.to_ascii_lowercase());
    if let Some(allowed) = &cfg.hooks.allowed_agent_ids {
        if !allowed.iter().any(|a| a == "*" || *a == id) {
            return Err("agentId is not allowed by hooks.allowedAgentIds".into());
        }
    }
    Ok(if cfg.agent(&id).is_some() {
        id
    } else {
        cfg.default_agent.clone()
    })
}

/// Rebinds `agent:<other>:<rest>` to `agent:<agent>:<rest>`; other keys are unchanged.
pub fn rebind(key: &str, agent: &str) -> String {
    match crate::core::ids::split(key) {
        Some(_) => crate::core::SessionKey::from_trusted(key)
            .reowned(agent)
            .into_string(),
        None => key.to_string(),
    }
}

/// Checks a key against `allowedSessionKeyPrefixes` (lower-case prefix match).
pub fn check_prefix(h: &HooksConfig, key: &str) -> Result<(), String> {
    let Some(prefixes) = &h.allowed_session_key_prefixes else {
        return Ok(());
    };
    let lower = key.to_ascii_lowercase();
    if prefixes.iter().any(|p| lower.starts_with(p.as_str())) {
        Ok(())
    } else {
        Err(format!(
            "sessionKey must start with one of: {}",
            prefixes.join(", ")
        ))
    }
}

/// Chooses the session key (request/mapping > default > `hook:<uuid>`), rebinds it and
/// applies the prefix policy. Returns the key the policy saw.
pub fn resolve_session_key(
    h: &HooksConfig,
    a: &AgentAction,
    agent: &str,
) -> Result<String, String> {
    let key = match &a.session_key {
        Some(_) if !a.session_key_from_mapping && !h.allow_request_session_key => {
            return Err(REQUEST_KEY_DISABLED.into());
        }
        Some(k) => k.clone(),
        None => h
            .default_session_key
            .clone()
            .unwrap_or_else(|| format!("hook:{}", uuid::Uuid::new_v4())),
    };
    let key = rebind(&key, agent);
    check_prefix(h, &key)?;
    Ok(key)
}

/// Applies every policy to an agent action.
pub fn prepare(cfg: &Config, action: AgentAction) -> Result<PreparedAgent, String> {
    let agent_id = resolve_agent(cfg, action.agent_id.as_deref())?;
    let policy_key = resolve_session_key(&cfg.hooks, &action, &agent_id)?;
    let session_key = crate::app::select::scoped_session_key(cfg, &agent_id, Some(&policy_key))
        .map_err(|e| e.to_string())?;
    let agent = cfg
        .agent(&agent_id)
        .ok_or_else(|| format!("unknown agent `{agent_id}`"))?;
    let model = match action.model.as_deref() {
        None => None,
        Some(m) => Some(
            cfg.resolve_model_override(agent, m)
                .ok()
                .flatten()
                .ok_or_else(|| format!("model `{m}` is not configured"))?,
        ),
    };
    let thinking = match action.thinking.as_deref() {
        None => None,
        Some(t) => Some(ThinkingLevel::parse(t).ok_or_else(|| {
            format!("invalid thinking level `{t}` (use off|minimal|low|medium|high|xhigh)")
        })?),
    };
    Ok(PreparedAgent {
        action,
        agent_id,
        policy_key,
        session_key,
        model,
        thinking,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hooks::parse_agent;
    use serde_json::json;

    fn hooks(extra: &str) -> HooksConfig {
        let mut h = HooksConfig::default();
        if extra.contains("allow") {
            h.allow_request_session_key = true;
        }
        if extra.contains("prefixes") {
            h.allowed_session_key_prefixes = Some(vec!["hook:".into(), "agent:hooks:".into()]);
        }
        h
    }

    fn action(key: Option<&str>) -> AgentAction {
        let mut a = parse_agent(&json!({"message": "x"}), &[]).unwrap();
        a.session_key = key.map(str::to_string);
        a
    }

    #[test]
    fn request_keys_need_allow_request_session_key() {
        let e = resolve_session_key(&hooks(""), &action(Some("hook:x")), "main").unwrap_err();
        assert_eq!(e, REQUEST_KEY_DISABLED);
        let mut mapped = action(Some("hook:mapped:42"));
        mapped.session_key_from_mapping = true;
        assert_eq!(
            resolve_session_key(&hooks(""), &mapped, "main").unwrap(),
            "hook:mapped:42"
        );
    }

    #[test]
    fn default_and_generated_keys() {
        let mut h = hooks("");
        assert!(resolve_session_key(&h, &action(None), "main")
            .unwrap()
            .starts_with("hook:"));
        h.default_session_key = Some("hook:ingress".into());
        assert_eq!(
            resolve_session_key(&h, &action(None), "main").unwrap(),
            "hook:ingress"
        );
    }

    #[test]
    fn agent_keys_are_rebound_before_the_prefix_check() {
        let h = hooks("allow prefixes");
        assert_eq!(
            resolve_session_key(&h, &action(Some("agent:main:x")), "hooks").unwrap(),
            "agent:hooks:x"
        );
        let e = resolve_session_key(&h, &action(Some("agent:hooks:x")), "main").unwrap_err();
        assert_eq!(e, "sessionKey must start with one of: hook:, agent:hooks:");
        assert!(resolve_session_key(&h, &action(Some("other:x")), "main").is_err());
    }
}
