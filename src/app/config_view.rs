//! The running configuration as clients may see it: effective values (after CLI, env and
//! defaults), in OpenClaw's key names, with every secret replaced by a marker.

use crate::config::Config;
use serde_json::{json, Map, Value};

/// What replaces a secret.
pub const REDACTED: &str = "__OPENCLAW_REDACTED__";

fn bind_name(cfg: &Config) -> Value {
    if cfg.bind.iter().all(|ip| ip.is_loopback()) {
        json!("loopback")
    } else if cfg.bind.iter().any(|ip| ip.is_unspecified()) {
        json!("lan")
    } else {
        json!(cfg.bind.iter().map(|ip| ip.to_string()).collect::<Vec<_>>())
    }
}

/// The effective configuration (`port` is the port actually bound).
pub fn effective(cfg: &Config, port: u16) -> Value {
    let secret = |present: bool| {
        if present {
            json!(REDACTED)
        } else {
            Value::Null
        }
    };
    let mut providers = Map::new();
    for (id, p) in &cfg.providers {
        providers.insert(
            id.clone(),
            json!({"baseUrl": p.base_url, "api": p.api.as_str(), "apiKey": secret(p.api_key.is_some()),
                   "models": p.models.iter().map(|m| json!({"id": m.id})).collect::<Vec<_>>()}),
        );
    }
    let agents: Vec<Value> = cfg
        .agents
        .iter()
        .map(|a| {
            json!({"id": a.id, "name": a.name, "default": a.id == cfg.default_agent,
                   "model": a.model.primary.as_ref().map(|m| m.to_string()),
                   "workspace": a.workspace.display().to_string()})
        })
        .collect();
    json!({
        "gateway": {
            "port": port, "mode": "local", "bind": bind_name(cfg),
            "auth": {"mode": cfg.auth.mode.as_str(), "token": secret(cfg.auth.token.is_some()),
                     "password": secret(cfg.auth.password.is_some())},
            "http": {"endpoints": {
                "chatCompletions": {"enabled": cfg.chat_completions.enabled},
                "responses": {"enabled": cfg.responses.enabled}}},
        },
        "models": {"providers": providers},
        "agents": {
            "defaults": {"model": {"primary": cfg.default_model.primary.as_ref().map(|m| m.to_string()),
                                   "fallbacks": cfg.default_model.fallbacks.iter().map(|m| m.to_string()).collect::<Vec<_>>()},
                         "timeoutSeconds": cfg.run_timeout.as_secs()},
            "list": agents,
        },
        "session": {"mainKey": cfg.main_key, "scope": if cfg.global_scope { "global" } else { "per-sender" }},
        "hooks": {"enabled": cfg.hooks.enabled, "path": cfg.hooks.path, "token": secret(cfg.hooks.token.is_some())},
        "cron": {"enabled": cfg.cron.enabled},
    })
}
