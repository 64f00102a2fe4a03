//! How a stored session is shown to OpenClaw clients beyond its stored fields: the effective
//! model and its context window, run status (from the router's live runs), the channel the key
//! names, and OpenClaw's neutral values for concepts clawgate does not have (archiving,
//! pinning, unread marks, sharing, placement). One place, so `sessions.list`/`sessions.get`
//! and the `sessions_list` tool agree. Keys clawgate cannot fill honestly are left out; the
//! list is in docs/websocket.md ("Deliberate deviations").

use super::model_meta::{context_tokens, model_info, thinking_levels, thinking_options};
use super::App;
use crate::config::{Config, ModelRef};
use crate::storage::{now_ms, SessionRow};
use serde_json::{json, Map, Value};

/// Channels whose sessions have their own key segment (`agent:<id>:<channel>:…`).
const CHANNELS: &[&str] = &["telegram", "discord", "slack", "webhook"];

/// OpenClaw's default `fastAutoOnSeconds` (clawgate has no fast mode; the value is inert).
const FAST_AUTO_ON_SECONDS: u64 = 60;

/// What is live right now, fetched once per listing.
pub struct SessionContext {
    /// `(run id, session key)` of every queued or running turn.
    active: Vec<(String, String)>,
    /// When the snapshot was taken (ms since epoch).
    pub at: i64,
}

impl App {
    /// The live state session rows are shown with.
    pub async fn session_context(&self) -> SessionContext {
        SessionContext {
            active: self.active_runs().await,
            at: now_ms(),
        }
    }
}

impl SessionContext {
    /// A snapshot that knows only these `(run id, session key)` runs (for callers without the
    /// router, e.g. a tool that knows its own run).
    pub fn with_runs(active: Vec<(String, String)>) -> SessionContext {
        SessionContext {
            active,
            at: now_ms(),
        }
    }

    /// Run ids active on `key`.
    pub fn runs_of(&self, key: &str) -> Vec<&str> {
        self.active
            .iter()
            .filter(|(_, k)| k == key)
            .map(|(id, _)| id.as_str())
            .collect()
    }
}

/// The model a session's next turn uses: its override, else its agent's, else the default.
pub fn effective_model(cfg: &Config, r: &SessionRow) -> Option<ModelRef> {
    if let Some(m) = r.model.as_deref().and_then(ModelRef::parse) {
        return Some(m);
    }
    let agent = cfg.agents.iter().find(|a| a.id == r.agent_id);
    agent
        .map(|a| cfg.model_for(a))
        .unwrap_or_else(|| cfg.default_model.clone())
        .primary
}

/// The channel a key belongs to (`unknown` for HTTP, WebSocket and internal sessions).
pub fn channel_of(key: &str) -> &'static str {
    let segment = key.split(':').nth(2).unwrap_or("");
    CHANNELS
        .iter()
        .find(|c| **c == segment)
        .copied()
        .unwrap_or("unknown")
}

/// `done` after a finished turn, `running` while one is active; absent for a fresh session.
fn status(r: &SessionRow, active: bool) -> Option<&'static str> {
    if active {
        Some("running")
    } else if r.message_count > 0 {
        Some("done")
    } else {
        None
    }
}

fn put(row: &mut Map<String, Value>, k: &str, v: Value) {
    row.insert(k.to_string(), v);
}

/// Adds the keys OpenClaw's `GatewaySessionRow` carries to `row` (built by
/// `ws::rpc::sessions::session_row`): model, context window, status, live runs, thinking levels,
/// and the neutral values of OpenClaw-only concepts.
pub fn extend_gateway_row(
    cfg: &Config,
    r: &SessionRow,
    main_key: &str,
    live: &SessionContext,
    row: &mut Value,
) {
    let Some(row) = row.as_object_mut() else {
        return;
    };
    let model = effective_model(cfg, r);
    let info = model.as_ref().and_then(|m| model_info(cfg, m));
    let runs = live.runs_of(&r.key);
    for (k, v) in [
        ("visibility", json!("shared")),
        ("permissionModePending", json!(false)),
        (
            "classification",
            json!(if r.key == main_key { "main" } else { "custom" }),
        ),
        ("isBackground", json!(false)),
        ("archived", json!(false)),
        ("pinned", json!(false)),
        ("unread", json!(false)),
        ("lastInteractionAt", json!(r.updated_at)),
        ("lastActivityAt", json!(r.updated_at)),
        ("abortedLastRun", json!(false)),
        ("thinkingLevels", thinking_levels(info)),
        ("thinkingOptions", json!(thinking_options(info))),
        ("thinkingDefault", json!("off")),
        ("effectiveFastMode", json!(false)),
        ("effectiveFastModeSource", json!("default")),
        ("fastAutoOnSeconds", json!(FAST_AUTO_ON_SECONDS)),
        ("totalTokensFresh", json!(true)),
        ("effectiveResponseUsage", json!("off")),
        ("modelOverrideSource", Value::Null),
        ("runtimeSelectionLocked", json!(false)),
        ("snapshotAt", json!(live.at)),
        (
            "placement",
            json!({"state": "local", "generation": 0, "createdAtMs": r.created_at,
                   "updatedAtMs": r.updated_at, "stateChangedAtMs": r.created_at}),
        ),
        ("hasActiveRun", json!(!runs.is_empty())),
        ("activeRunIds", json!(runs)),
        ("sharingRole", json!("owner")),
    ] {
        put(row, k, v);
    }
    if r.model.is_some() {
        // OpenClaw's schema allows "user" (a `sessions.patch` override), "auto" or null.
        put(row, "modelOverrideSource", json!("user"));
    }
    if let Some(m) = &model {
        put(row, "modelProvider", json!(m.provider));
        put(row, "model", json!(m.model));
    }
    if let Some(n) = context_tokens(cfg, model.as_ref()) {
        put(row, "contextTokens", json!(n));
    }
    if let Some(s) = status(r, !runs.is_empty()) {
        put(row, "status", json!(s));
    }
}

/// One row of the `sessions_list` tool, in OpenClaw's shape plus clawgate's counters.
pub fn tool_row(cfg: &Config, r: &SessionRow, main_key: &str, live: &SessionContext) -> Value {
    let model = effective_model(cfg, r);
    let runs = live.runs_of(&r.key);
    let kind = if r.key == main_key {
        "main"
    } else if r.key == "global" {
        "global"
    } else {
        "other"
    };
    let mut row = json!({
        "key": r.key, "sessionId": r.session_id, "agentId": r.agent_id, "kind": kind,
        "channel": channel_of(&r.key), "archived": false, "pinned": false,
        "updatedAt": r.updated_at, "totalTokens": r.total_tokens, "abortedLastRun": false,
        "createdAt": r.created_at, "messageCount": r.message_count,
        "inputTokens": r.input_tokens, "outputTokens": r.output_tokens,
    });
    if let Some(l) = &r.label {
        row["label"] = json!(l);
    }
    if let Some(m) = &model {
        row["model"] = json!(m.model);
    }
    if let Some(n) = context_tokens(cfg, model.as_ref()) {
        row["contextTokens"] = json!(n);
    }
    if let Some(s) = status(r, !runs.is_empty()) {
        row["status"] = json!(s);
    }
    row
}

/// `defaults` of a session listing: the default model, its window and levels.
pub fn list_defaults(cfg: &Config) -> Value {
    let model = cfg.default_model.primary.as_ref();
    let info = model.and_then(|m| model_info(cfg, m));
    let mut d = json!({
        "thinkingLevels": thinking_levels(info), "thinkingOptions": thinking_options(info),
        "thinkingDefault": "off", "modelSelectionTarget": "session",
    });
    if let Some(m) = model {
        d["modelProvider"] = json!(m.provider);
        d["model"] = json!(m.model);
    }
    if let Some(n) = context_tokens(cfg, model) {
        d["contextTokens"] = json!(n);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_comes_from_the_key_segment() {
        assert_eq!(channel_of("agent:main:telegram:dm:42"), "telegram");
        assert_eq!(channel_of("agent:main:openai:abc"), "unknown");
        assert_eq!(channel_of("global"), "unknown");
    }
}
