//! Gateway-level methods: `health`, `status`, `models.list`, `config.get` (secrets redacted;
//! writes are in `config`),
//! `last-heartbeat`, `logs.tail`, `wake`, `system-event`, `system-presence`.

use super::{bad_param, Call};
use crate::actors::ws_hub::{BroadcastEvent, LastHeartbeat, Presence};
use crate::agent::system_events::MainSession;
use crate::app::model_meta;
use crate::storage::now_ms;
use crate::ws::logs::ring;
use serde_json::{json, Value};

/// What replaces a secret in `config.get`.
pub const REDACTED: &str = "__OPENCLAW_REDACTED__";

async fn recent_sessions(call: &Call, agent: Option<&str>) -> Value {
    let now = now_ms();
    let rows = call
        .app
        .app
        .list_sessions(agent, 5)
        .await
        .unwrap_or_default();
    Value::Array(
        rows.iter()
            .map(|r| json!({"key": r.key, "updatedAt": r.updated_at, "age": now - r.updated_at}))
            .collect(),
    )
}

/// `health`: liveness plus per-agent session summaries. A snapshot younger than
/// [`crate::ws::health::HEALTH_REFRESH_MS`] is served as it is; a fresh one is also broadcast
/// as the `health` event before the answer. `{probe: true}` forces a fresh snapshot.
pub async fn health(call: Call) {
    let probe = call.params.get("probe").and_then(Value::as_bool) == Some(true);
    if let Some(cached) = call.app.ws.health.fresh(now_ms()).filter(|_| !probe) {
        return call.reply.ok(cached);
    }
    let snapshot = health_snapshot(&call).await;
    call.app.ws.health.store(now_ms(), snapshot.clone());
    // The event carries the snapshot without the answer-only `modelRuntime`, as OpenClaw's.
    let mut event = snapshot.clone();
    if let Some(o) = event.as_object_mut() {
        o.remove("modelRuntime");
    }
    let _ = call
        .app
        .ws
        .hub
        .send(BroadcastEvent {
            event: "health",
            payload: event,
        })
        .await;
    call.reply.ok(snapshot)
}

/// A fresh health snapshot. `heartbeatSeconds` is the configured heartbeat pace (0: none).
async fn health_snapshot(call: &Call) -> Value {
    let started = now_ms();
    let cfg = &call.app.config();
    let path = call.app.app.store_name();
    let count = call.app.app.count_sessions(None).await.unwrap_or(0);
    let mut agents = Vec::with_capacity(cfg.agents.len());
    for a in &cfg.agents {
        let recent = recent_sessions(call, Some(&a.id)).await;
        let n = call.app.app.count_sessions(Some(&a.id)).await.unwrap_or(0);
        agents.push(
            json!({"agentId": a.id, "isDefault": a.id == cfg.default_agent,
                           "sessions": {"path": path, "count": n, "recent": recent}}),
        );
    }
    let recent = recent_sessions(call, None).await;
    let heartbeat_secs = cfg.heartbeat.as_ref().map_or(0, |h| h.every.as_secs());
    json!({
        "ok": true, "ts": started, "durationMs": now_ms() - started,
        "channels": {}, "channelOrder": [], "channelLabels": {},
        "heartbeatSeconds": heartbeat_secs, "defaultAgentId": cfg.default_agent, "agents": agents,
        "sessions": {"path": path, "count": count, "recent": recent},
        "modelRuntime": {"degraded": false, "pendingAgents": []},
    })
}

fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// `status`: version, uptime, sessions, runs, memory.
pub async fn status(call: Call) {
    let cfg = &call.app.config();
    let status = call.app.app.status(true).await;
    let (stats, total) = (status.live, status.sessions_total);
    let queued = call.app.system_events.peek();
    let mut by_agent = Vec::with_capacity(status.sessions_by_agent.len());
    for (agent, n) in &status.sessions_by_agent {
        let recent = recent_sessions(&call, Some(agent)).await;
        by_agent.push(json!({"agentId": agent, "count": n, "recent": recent}));
    }
    let recent = recent_sessions(&call, None).await;
    let model = cfg.default_model.primary.as_ref().map(|m| m.to_string());
    let mut body = json!({
        "runtimeVersion": crate::state::VERSION,
        "uptimeMs": call.app.uptime_ms(),
        "heartbeat": {"defaultAgentId": cfg.default_agent, "agents": []},
        "channelSummary": [], "queuedSystemEvents": queued,
        "sessions": {"count": total, "live": stats.live_sessions,
                     "defaults": {"model": model, "contextTokens": null},
                     "recent": recent, "byAgent": by_agent},
        "runs": {"active": stats.active_runs},
        "processMemory": {"rssBytes": rss_bytes()},
        "pid": std::process::id(),
    });
    if let Some(c) = &status.cluster {
        body["cluster"] = json!(c);
    }
    call.reply.ok(body)
}

/// `models.list`: every configured backend model (display name, context window, levels).
pub async fn models_list(call: Call) {
    let cfg = &call.app.config();
    let default = cfg.default_model.primary.clone();
    let mut models = Vec::new();
    for p in cfg.providers.values() {
        for m in &p.models {
            let is_default = default
                .as_ref()
                .is_some_and(|d| d.provider == p.id && d.model == m.id);
            models.push(model_meta::model_entry(&p.id, m, is_default));
        }
    }
    call.reply.ok(json!({"models": models}))
}

fn is_secret_key(k: &str) -> bool {
    let k = k.to_ascii_lowercase();
    k.contains("token") || k.contains("password") || k.contains("secret") || k.ends_with("apikey")
}

/// `storage.url` may carry the database password, `cluster.bus.url` the bus's: a `url`
/// holding `user:password@`.
fn is_store_url(k: &str, v: &Value) -> bool {
    k == "url"
        && v.as_str().is_some_and(|u| {
            (u.starts_with("postgres://")
                || u.starts_with("postgresql://")
                || u.starts_with("nats://"))
                && u.contains('@')
        })
}

/// Keys whose every value may be a credential (`models.providers.*.headers` holding
/// `x-api-key`, `env` holding `OPENAI_API_KEY`, …): all their values are redacted.
fn is_secret_map(k: &str) -> bool {
    matches!(k.to_ascii_lowercase().as_str(), "headers" | "env")
}

/// Replaces every string under a secret-looking key, and every value of a header or env map,
/// with [`REDACTED`].
pub fn redact(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if (is_secret_key(k) || is_store_url(k, child))
                    && (child.is_string() || child.is_number())
                {
                    *child = json!(REDACTED);
                } else if is_secret_map(k) && child.is_object() {
                    redact_all(child);
                } else {
                    redact(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// Replaces every scalar inside `v` with [`REDACTED`].
fn redact_all(v: &mut Value) {
    match v {
        Value::Object(map) => map.values_mut().for_each(redact_all),
        Value::Array(items) => items.iter_mut().for_each(redact_all),
        Value::String(_) | Value::Number(_) => *v = json!(REDACTED),
        _ => {}
    }
}

/// `config.get`: the running config file, parsed, with secrets redacted (never the raw
/// text), and its `hash` (the `baseHash` of `config.set`/`config.patch`). When the file on
/// disk failed to reload, `valid` is false and `issues` says why (the old one still runs).
pub async fn config_get(call: Call) {
    let cfg = call.app.config();
    let path = cfg.path.as_ref().map(|p| p.display().to_string());
    let running = call.app.app.running_config().await;
    let (mut config, hash, issue) = match running {
        Some(r) if r.hash.is_some() => (r.value, r.hash, r.issue),
        _ => (
            json!({"gateway": {"port": call.app.port, "auth": {"mode": cfg.auth.mode.as_str()}},
                   "agents": {"list": cfg.agents.iter().map(|a| json!({"id": a.id})).collect::<Vec<_>>()}}),
            None,
            None,
        ),
    };
    redact(&mut config);
    let issues: Vec<Value> = issue
        .iter()
        .map(|m| json!({"path": "", "message": m}))
        .collect();
    call.reply.ok(
        json!({"path": path, "exists": hash.is_some(), "valid": issue.is_none(), "config": config,
               "hash": hash, "issues": issues}),
    )
}

/// `last-heartbeat`: the last `heartbeat` event payload, or `null`.
pub async fn last_heartbeat(call: Call) {
    let last = call.app.ws.hub.send(LastHeartbeat).await.ok().flatten();
    call.reply.ok(last.unwrap_or(Value::Null))
}

/// `logs.tail {cursor?, limit?, maxBytes?}` over the in-memory ring.
pub async fn logs_tail(call: Call) {
    let limit = call.u64_param("limit").unwrap_or(200).clamp(1, 5000) as usize;
    let max_bytes = call
        .u64_param("maxBytes")
        .unwrap_or(250_000)
        .clamp(1, 1_000_000) as usize;
    let cursor = call.u64_param("cursor");
    let t = match ring().lock() {
        Ok(r) => r.tail(cursor, limit, max_bytes),
        Err(_) => {
            return call.reply.err(crate::ws::frames::ErrorShape::unavailable(
                "log ring unavailable",
            ))
        }
    };
    call.reply.ok(
        json!({"file": "<memory>", "cursor": t.cursor, "size": t.size, "lines": t.lines,
                         "truncated": t.truncated, "reset": t.reset}),
    )
}

/// `system-event {text}`: queues a system event for the next heartbeat.
pub async fn system_event(call: Call) {
    let Some(text) = call.str_param("text").map(str::to_string) else {
        return call.reply.err(bad_param(
            "invalid system-event params: must have required property 'text'",
        ));
    };
    MainSession::of(&call.app).enqueue(&text, true);
    call.reply.ok(json!({"ok": true}))
}

/// `wake {mode: "now"|"next-heartbeat", text}`: queues `text`; `now` runs a heartbeat turn on
/// the default agent's main session with every queued event and broadcasts `heartbeat`.
pub async fn wake(call: Call) {
    let mode = call.str_param("mode").unwrap_or("now").to_string();
    if mode != "now" && mode != "next-heartbeat" {
        return call.reply.err(bad_param(
            "invalid wake params: mode must be \"now\" or \"next-heartbeat\"",
        ));
    }
    let Some(text) = call.str_param("text").map(str::to_string) else {
        return call.reply.err(bad_param(
            "invalid wake params: must have required property 'text'",
        ));
    };
    let main = MainSession::of(&call.app);
    main.enqueue(&text, true);
    if mode == "now" {
        main.heartbeat_now("wake").await;
    }
    call.reply.ok(json!({"ok": true, "mode": mode}))
}

/// `system-presence`: the presence list.
pub async fn presence(call: Call) {
    let list = call
        .app
        .ws
        .hub
        .send(Presence)
        .await
        .unwrap_or(Value::Array(vec![]));
    call.reply.ok(list)
}
