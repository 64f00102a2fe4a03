//! `sessions.*`: list, get, create, patch, reset, delete (the main session is protected),
//! subscribe/unsubscribe (`sessions.changed` events).

use super::agent::turn;
use super::{bad_param, Call};
use crate::actors::ws_hub::{SessionsChanged, SubscribeSessions};
use crate::app::select::{agent_by_id, scoped_session_key};
use crate::app::session_view::{extend_gateway_row, list_defaults, SessionContext};
use crate::app::Placement;
use crate::config::Config;
use crate::storage::{SessionPatch, SessionQuery, SessionRow};
use crate::ws::frames::ErrorShape;
use serde_json::{json, Value};

/// Default `sessions.list` limit.
pub const LIST_DEFAULT_LIMIT: usize = 100;
/// Maximum `sessions.list` limit.
pub const LIST_MAX_LIMIT: usize = 1000;

/// A session in OpenClaw's `GatewaySessionRow` shape. As OpenClaw does, `label` is omitted
/// when unset and `model`/`modelProvider` fall back to the agent's resolved model (never
/// `null`: the published schema allows a string or absence).
pub fn session_row(r: &SessionRow, cfg: &Config) -> Value {
    let kind = if r.key == "global" {
        "global"
    } else {
        "direct"
    };
    let resolved = cfg.agent(&r.agent_id).map(|a| cfg.model_for(a).primary);
    let fallback = resolved
        .flatten()
        .or_else(|| cfg.default_model.primary.clone());
    let (provider, model) = match r.model.as_deref() {
        Some(m) => match m.split_once('/') {
            Some((p, m)) => (Some(p.to_string()), Some(m.to_string())),
            None => (fallback.map(|f| f.provider), Some(m.to_string())),
        },
        None => fallback
            .map(|f| (Some(f.provider), Some(f.model)))
            .unwrap_or_default(),
    };
    let mut row = json!({
        "key": r.key, "kind": kind, "agentId": r.agent_id,
        "isMain": r.key == cfg.main_session_key(&r.agent_id), "sessionId": r.session_id,
        "createdAt": r.created_at, "updatedAt": r.updated_at, "messageCount": r.message_count,
        "inputTokens": r.input_tokens, "outputTokens": r.output_tokens, "totalTokens": r.total_tokens,
        "thinkingLevel": r.thinking_level,
    });
    let optional = [
        ("label", r.label.clone()),
        ("modelProvider", provider),
        ("model", model),
    ];
    for (k, v) in optional {
        if let Some(v) = v {
            row[k] = json!(v);
        }
    }
    row
}

/// The session key named by `key` (or `sessionKey`), scoped to its agent.
fn key_param(call: &Call) -> Result<(String, String), ErrorShape> {
    let raw = call
        .str_param("key")
        .or_else(|| call.str_param("sessionKey"))
        .ok_or_else(|| bad_param("invalid params: must have required property 'key'"))?;
    let cfg = &*call.app.config();
    let owner = crate::core::ids::agent_of(raw);
    let agent = agent_by_id(cfg, owner.or(call.str_param("agentId")))
        .map_err(|e| bad_param(e.to_string()))?;
    let key = scoped_session_key(cfg, &agent, Some(raw)).map_err(|e| bad_param(e.to_string()))?;
    Ok((agent, key))
}

fn changed(call: &Call, key: &str, reason: &'static str) {
    call.app.ws.hub.do_send(SessionsChanged {
        session_key: key.to_string(),
        reason,
    });
}

/// A row as clients see it: the stored fields plus the live and OpenClaw-compatible keys.
pub(super) fn full_row(call: &Call, r: &SessionRow, live: &SessionContext) -> Value {
    let cfg = call.app.app.config();
    let main = cfg.main_session_key(&r.agent_id);
    let mut row = session_row(r, &cfg);
    extend_gateway_row(&cfg, r, &main, live, &mut row);
    row
}

/// `sessions.list {limit?, offset?, agentId?, label?, search?}`: a page, most recent first,
/// with `totalCount`, `hasMore` and `nextOffset`.
pub async fn list(call: Call) {
    let limit = call
        .u64_param("limit")
        .map(|n| (n as usize).clamp(1, LIST_MAX_LIMIT))
        .unwrap_or(LIST_DEFAULT_LIMIT);
    let offset = call.u64_param("offset").unwrap_or(0) as usize;
    let app = &call.app.app;
    let cfg = app.config();
    let agent = match call.str_param("agentId") {
        Some(a) => match agent_by_id(&cfg, Some(a)) {
            Ok(a) => Some(a),
            Err(e) => return call.reply.err(bad_param(e.to_string())),
        },
        None => None,
    };
    let label = call.str_param("label");
    let search = call.str_param("search").map(str::to_lowercase);
    let page = if label.is_none() && search.is_none() {
        let q = SessionQuery {
            agent_id: agent.clone(),
            limit,
            offset,
            ..Default::default()
        };
        app.query_sessions(&q)
            .await
            .map(|(rows, total)| (rows, total as usize))
    } else {
        app.list_sessions(agent.as_deref(), LIST_MAX_LIMIT)
            .await
            .map(|rows| {
                let all: Vec<SessionRow> = rows
                    .into_iter()
                    .filter(|r| label.is_none_or(|l| r.label.as_deref() == Some(l)))
                    .filter(|r| {
                        search.as_deref().is_none_or(|s| {
                            r.key.to_lowercase().contains(s)
                                || r.label
                                    .as_deref()
                                    .is_some_and(|l| l.to_lowercase().contains(s))
                        })
                    })
                    .collect();
                let total = all.len();
                (all.into_iter().skip(offset).take(limit).collect(), total)
            })
    };
    let (rows, total) = match page {
        Ok(p) => p,
        Err(e) => return call.reply.err(e.into()),
    };
    let live = app.session_context().await;
    let sessions: Vec<Value> = rows.iter().map(|r| full_row(&call, r, &live)).collect();
    let end = offset + sessions.len();
    let mut out = json!({
        "ts": live.at, "path": app.store_name(),
        "count": sessions.len(), "totalCount": total, "limitApplied": limit,
        "hasMore": end < total, "owners": [],
        "defaults": list_defaults(&cfg),
        "sessions": sessions,
    });
    if end < total {
        out["nextOffset"] = json!(end);
    }
    call.reply.ok(out)
}

/// `sessions.get {key}`.
pub async fn get(call: Call) {
    let (_, key) = match key_param(&call) {
        Ok(k) => k,
        Err(e) => return call.reply.err(e),
    };
    match call.app.app.get_session(&key).await {
        Ok(Some(r)) => {
            let live = call.app.app.session_context().await;
            call.reply
                .ok(json!({"ok": true, "key": key, "entry": full_row(&call, &r, &live)}))
        }
        Ok(None) => call
            .reply
            .err(bad_param(format!("session not found: {key}"))),
        Err(e) => call.reply.err(e.into()),
    }
}

/// `sessions.create {key?, agentId?, label?, model?, message?}`.
pub async fn create(call: Call) {
    let app = call.app.app.clone();
    let agent = match agent_by_id(&app.config(), call.str_param("agentId")) {
        Ok(a) => a,
        Err(e) => return call.reply.err(bad_param(e.to_string())),
    };
    let key = match call.str_param("key") {
        Some(_) => match key_param(&call) {
            Ok((_, k)) => k,
            Err(e) => return call.reply.err(e),
        },
        None => crate::core::SessionKey::fresh(&agent, "dashboard").into_string(),
    };
    let patch = SessionPatch {
        label: call.str_param("label").map(|l| Some(l.to_string())),
        model: call.str_param("model").map(|m| Some(m.to_string())),
        thinking_level: None,
    };
    let row = match app.create_session(&key, &agent, patch).await {
        Ok(r) => r,
        Err(e) => return call.reply.err(e.into()),
    };
    let mut run_id = Value::Null;
    if let Some(message) = call.str_param("message").map(str::to_string) {
        let id = crate::core::ids::new_run_id("run_");
        match turn(&call, &id, &agent, &key, &message) {
            Ok(req) => {
                app.spawn_turn(req, Placement::Here);
                run_id = json!(id);
            }
            Err(e) => return call.reply.err(e),
        }
    }
    changed(&call, &key, "create");
    call.reply
        .ok(json!({"ok": true, "key": key, "sessionId": row.session_id,
                         "entry": session_row(&row, &app.config()), "runId": run_id}))
}

fn nullable(call: &Call, k: &str) -> Option<Option<String>> {
    match call.params.get(k) {
        None => None,
        Some(Value::Null) => Some(None),
        Some(v) => Some(v.as_str().map(str::to_string)),
    }
}

/// `sessions.patch {key, label?, thinkingLevel?, model?}` (`null` clears). The model and
/// thinking level apply from the session's next turn.
pub async fn patch(call: Call) {
    let (agent, key) = match key_param(&call) {
        Ok(k) => k,
        Err(e) => return call.reply.err(e),
    };
    let patch = SessionPatch {
        label: nullable(&call, "label"),
        model: nullable(&call, "model"),
        thinking_level: nullable(&call, "thinkingLevel"),
    };
    match call.app.app.patch_session(&key, &agent, patch).await {
        Ok(r) => {
            changed(&call, &key, "patch");
            call.reply.ok(
                json!({"ok": true, "path": call.app.app.store_name(), "key": key,
                                 "entry": session_row(&r, &call.app.config())}),
            )
        }
        Err(e) => call.reply.err(e.into()),
    }
}

/// `sessions.reset {key}`: aborts its runs and starts a new transcript.
pub async fn reset(call: Call) {
    let (agent, key) = match key_param(&call) {
        Ok(k) => k,
        Err(e) => return call.reply.err(e),
    };
    match call.app.app.reset_session(&key, &agent).await {
        Ok(m) => match m.row {
            Some(r) => {
                changed(&call, &key, "reset");
                call.reply.ok(
                    json!({"ok": true, "key": key, "entry": session_row(&r, &call.app.config())}),
                )
            }
            None => call
                .reply
                .err(bad_param(format!("session not found: {key}"))),
        },
        Err(e) => call.reply.err(e.into()),
    }
}

/// `sessions.delete {key}`: refuses any agent's main session; aborts runs, deletes.
pub async fn delete(call: Call) {
    let (agent, key) = match key_param(&call) {
        Ok(k) => k,
        Err(e) => return call.reply.err(e),
    };
    let main = call.app.config().main_session_key(&agent);
    if key == main {
        return call.reply.err(bad_param(format!(
            "Cannot delete the main session ({main})."
        )));
    }
    match call.app.app.delete_session(&key, &agent).await {
        Ok(m) => {
            if m.deleted {
                changed(&call, &key, "delete");
            }
            call.reply
                .ok(json!({"ok": true, "key": key, "deleted": m.deleted, "archived": []}))
        }
        Err(e) => call.reply.err(e.into()),
    }
}

/// `sessions.subscribe` / `sessions.unsubscribe`.
pub async fn subscribe(call: Call, on: bool) {
    call.app.ws.hub.do_send(SubscribeSessions {
        conn_id: call.conn_id.clone(),
        on,
    });
    call.reply.ok(json!({"subscribed": on}))
}
