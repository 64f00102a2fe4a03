//! What clients are told about a configured model beyond its id: display name, context
//! window, and the thinking levels it accepts (OpenClaw's `thinkingLevels` shape).

use crate::config::{Config, ModelInfo, ModelRef};
use serde_json::{json, Value};

/// Levels a reasoning model accepts, in OpenClaw's order; other models only accept `off`.
const REASONING_LEVELS: &[&str] = &["off", "minimal", "low", "medium", "high"];

/// The configured entry for `model`, if its provider lists it.
pub fn model_info<'a>(cfg: &'a Config, model: &ModelRef) -> Option<&'a ModelInfo> {
    cfg.providers
        .get(&model.provider)?
        .models
        .iter()
        .find(|m| m.id == model.model)
}

/// Level ids for a model (`["off"]` unless it reasons).
pub fn thinking_options(info: Option<&ModelInfo>) -> Vec<&'static str> {
    if info.is_some_and(|m| m.reasoning) {
        REASONING_LEVELS.to_vec()
    } else {
        vec!["off"]
    }
}

/// `thinkingLevels`: `[{id, label}]`.
pub fn thinking_levels(info: Option<&ModelInfo>) -> Value {
    Value::Array(
        thinking_options(info)
            .into_iter()
            .map(|l| json!({"id": l, "label": l}))
            .collect(),
    )
}

/// The context window clients are told, when configured (`contextWindow`).
pub fn context_tokens(cfg: &Config, model: Option<&ModelRef>) -> Option<u64> {
    model_info(cfg, model?)?.context_window
}

/// One `models.list` entry: `{id, name, provider, contextWindow?, reasoning, input, tags,
/// thinkingLevels, thinkingDefault, available}` (display name defaults to the id).
pub fn model_entry(provider: &str, m: &ModelInfo, is_default: bool) -> Value {
    let mut v = json!({
        "id": m.id, "name": m.name.as_deref().unwrap_or(&m.id), "provider": provider,
        "reasoning": m.reasoning,
        "input": if m.images { json!(["text", "image"]) } else { json!(["text"]) },
        "tags": if is_default { json!(["default"]) } else { json!([]) },
        "thinkingLevels": thinking_levels(Some(m)), "thinkingDefault": "off",
        "available": true,
    });
    if let Some(w) = m.context_window {
        v["contextWindow"] = json!(w);
    }
    v
}
