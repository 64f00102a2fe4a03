//! `GET /v1/sessions` (filters and paging), `GET|DELETE /v1/sessions/{key}`,
//! `GET /sessions/{key}/history` (paged transcript) and `POST /sessions/{key}/kill` (abort the
//! session's runs). A key is given whole (`agent:main:telegram:direct:42`, percent-encoded as
//! needed) or scoped to the default agent like every other caller-given key.

use super::{json_ok, RestError};
use crate::app::select::scoped_session_key;
use crate::core::ids::split;
use crate::core::run::{EventRef, RunEvent};
use crate::error::GatewayError;
use crate::http::api_v1::iso;
use crate::http::routes::Authenticated;
use crate::state::AppState;
use crate::storage::{SessionQuery, SessionRow, StoredMessage};
use actix_web::{web, HttpRequest, HttpResponse};
use bytes::Bytes;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::mpsc;

/// Default page size.
pub const DEFAULT_LIMIT: usize = 50;
/// Largest page.
pub const MAX_LIMIT: usize = 1000;
/// Largest history page.
pub const MAX_HISTORY: usize = 1000;
/// How often follow mode sends a keep-alive comment.
pub const KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(15);

fn query(req: &HttpRequest) -> HashMap<String, String> {
    web::Query::<HashMap<String, String>>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default()
}

fn number(
    q: &HashMap<String, String>,
    k: &'static str,
    max: usize,
) -> Result<Option<usize>, GatewayError> {
    q.get(k)
        .map(|v| {
            v.parse::<usize>()
                .ok()
                .filter(|n| *n <= max)
                .ok_or_else(|| GatewayError::bad_param(format!("`{k}` must be 0..{max}"), k))
        })
        .transpose()
}

/// The channel a key belongs to (`agent:<id>:<channel>:…`), when it names one.
fn channel_of(key: &str) -> Value {
    let first = split(key).and_then(|(_, rest)| rest.split(':').next());
    match first {
        Some(c) if crate::channels::KNOWN_CHANNELS.contains(&c) && c != "last" => json!(c),
        _ => json!("webchat"),
    }
}

fn row_json(r: &SessionRow) -> Value {
    json!({"sessionKey": r.key, "agentId": r.agent_id, "channel": channel_of(&r.key),
           "label": r.label, "sessionId": r.session_id,
           "createdAt": iso(r.created_at), "updatedAt": iso(r.updated_at),
           "messageCount": r.message_count, "model": r.model, "thinkingLevel": r.thinking_level,
           "usage": {"inputTokens": r.input_tokens, "outputTokens": r.output_tokens,
                     "totalTokens": r.total_tokens}})
}

/// `GET /v1/sessions?agentId=&channel=&activeSince=&limit=&offset=`.
pub async fn list(
    auth: Authenticated,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, RestError> {
    let q = query(&req);
    let agent_id = match q.get("agentId").or_else(|| q.get("agent")) {
        Some(a) => Some(crate::app::select::agent_by_id(&state.config(), Some(a))?),
        None => None,
    };
    let updated_since = match q.get("activeSince") {
        None => None,
        Some(v) => Some(
            v.parse::<i64>()
                .ok()
                .or_else(|| {
                    chrono::DateTime::parse_from_rfc3339(v)
                        .ok()
                        .map(|t| t.timestamp_millis())
                })
                .ok_or_else(|| {
                    GatewayError::bad_param(
                        "`activeSince` must be ms since the epoch or an RFC 3339 time",
                        "activeSince",
                    )
                })?,
        ),
    };
    let sq = SessionQuery {
        agent_id,
        channel: q.get("channel").cloned().filter(|c| !c.is_empty()),
        updated_since,
        limit: number(&q, "limit", MAX_LIMIT)?
            .unwrap_or(DEFAULT_LIMIT)
            .max(1),
        offset: number(&q, "offset", usize::MAX)?.unwrap_or(0),
        key_prefixes: match &auth.0.key {
            Some(g) => state
                .app
                .key_prefixes(g, crate::http::run::end_user(&req, None))?,
            None => vec![],
        },
    };
    let (rows, total) = state.app.query_sessions(&sq).await?;
    let sessions: Vec<Value> = rows.iter().map(row_json).collect();
    let next = (sq.offset + rows.len() < total as usize).then(|| sq.offset + rows.len());
    Ok(json_ok(
        json!({"sessions": sessions, "total": total, "nextOffset": next}),
    ))
}

/// The agent and session key `raw` names; for an API key, only inside its namespace (any
/// other session is "not found", exactly as a missing one).
fn key_of(
    state: &AppState,
    auth: &Authenticated,
    req: &HttpRequest,
    raw: &str,
) -> Result<(String, String), GatewayError> {
    let cfg = &state.config();
    let agent = match crate::core::ids::agent_of(raw) {
        Some(a) => crate::app::select::agent_by_id(cfg, Some(a))?,
        None => cfg.default_agent.clone(),
    };
    let key = scoped_session_key(cfg, &agent, Some(raw))?;
    if let Some(grant) = &auth.0.key {
        let user = crate::http::run::end_user(req, None);
        if !state.app.key_owns(grant, user, &key)? {
            return Err(GatewayError::NotFound(format!("session not found: {key}")));
        }
    }
    Ok((agent, key))
}

/// `GET /v1/sessions/{key}`.
pub async fn get(
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, RestError> {
    let (_, key) = key_of(&state, &auth, &req, &path)?;
    match state.app.get_session(&key).await? {
        Some(r) => Ok(json_ok(row_json(&r))),
        None => Err(GatewayError::NotFound(format!("session not found: {key}")).into()),
    }
}

/// `DELETE /v1/sessions/{key}`: aborts its runs and deletes it; 404 when absent, 403 for an
/// agent's main session.
pub async fn delete(
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, RestError> {
    let (agent, key) = key_of(&state, &auth, &req, &path)?;
    if key == state.config().main_session_key(&agent) {
        return Err(
            GatewayError::Forbidden(format!("Cannot delete the main session ({key}).")).into(),
        );
    }
    if !state.app.delete_session(&key, &agent).await?.deleted {
        return Err(GatewayError::NotFound(format!("session not found: {key}")).into());
    }
    Ok(json_ok(json!({"deleted": true, "sessionKey": key})))
}

fn message_json(m: &StoredMessage) -> Value {
    let mut v = json!({"id": m.id, "role": m.role.as_str(), "content": m.content,
                       "createdAt": iso(m.created_at), "runId": m.run_id});
    if !m.tool_calls.is_empty() {
        v["toolCalls"] = json!(m.tool_calls);
    }
    if let Some(id) = &m.tool_call_id {
        v["toolCallId"] = json!(id);
    }
    v
}

/// `GET /sessions/{key}/history?limit=&follow=`: the last `limit` messages of the current
/// transcript, oldest first. With `follow=1` the answer is SSE: `event: message` per stored
/// message, then every message written afterwards (by a turn from any connection) as it is
/// stored, with `: keep-alive` comments in between, until the client leaves.
pub async fn history(
    auth: Authenticated,
    path: web::Path<String>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, RestError> {
    let (_, key) = key_of(&state, &auth, &req, &path)?;
    let q = query(&req);
    let limit = number(&q, "limit", MAX_HISTORY)?.unwrap_or(100).max(1);
    let follow = matches!(q.get("follow").map(String::as_str), Some("1" | "true"));
    // Watch before reading, so nothing written in between is missed.
    let watch = follow.then(|| state.app.watch_session(&key));
    let found = state.app.history(&key, limit).await?;
    let Some(watch) = watch else {
        let Some((row, messages)) = found else {
            return Err(GatewayError::NotFound(format!("session not found: {key}")).into());
        };
        let messages: Vec<Value> = messages.iter().map(message_json).collect();
        return Ok(json_ok(
            json!({"sessionKey": key, "sessionId": row.session_id, "messages": messages}),
        ));
    };
    let first = found.map(|(_, m)| m).unwrap_or_default();
    Ok(follow_stream(state.into_inner(), key, first, watch))
}

fn message_frame(m: &StoredMessage) -> Bytes {
    Bytes::from(format!("event: message\ndata: {}\n\n", message_json(m)))
}

/// The SSE body of follow mode: `first`, then whatever the session's turns store.
fn follow_stream(
    state: Arc<AppState>,
    key: String,
    first: Vec<StoredMessage>,
    mut watch: mpsc::Receiver<EventRef>,
) -> HttpResponse {
    let (tx, mut rx) = mpsc::channel::<Bytes>(64);
    actix_web::rt::spawn(async move {
        let mut last = first.last().map(|m| m.id).unwrap_or(0);
        for m in &first {
            if tx.send(message_frame(m)).await.is_err() {
                return;
            }
        }
        let mut tick = tokio::time::interval(KEEP_ALIVE);
        tick.tick().await;
        loop {
            tokio::select! {
                ev = watch.recv() => {
                    let Some(ev) = ev else { return };
                    // The input is stored before a turn starts, the output before it ends.
                    if !matches!(&*ev, RunEvent::Start { .. } | RunEvent::Done(_)) {
                        continue;
                    }
                    let Ok(Some((_, msgs))) = state.app.history(&key, MAX_HISTORY).await else {
                        continue;
                    };
                    let seen = last;
                    for m in msgs.iter().filter(|m| m.id > seen) {
                        last = m.id;
                        if tx.send(message_frame(m)).await.is_err() {
                            return;
                        }
                    }
                }
                _ = tick.tick() => {
                    if tx.send(Bytes::from_static(b": keep-alive\n\n")).await.is_err() {
                        return;
                    }
                }
                _ = tx.closed() => return,
            }
        }
    });
    crate::http::sse::response(futures_util::stream::poll_fn(move |cx| {
        rx.poll_recv(cx).map(|b| b.map(Ok::<_, actix_web::Error>))
    }))
}

/// `POST /sessions/{key}/kill`: aborts the session's queued and running turns.
pub async fn kill(
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, RestError> {
    let (_, key) = key_of(&state, &auth, &req, &path)?;
    let (aborted, run_ids) = state.app.abort_session(&key, None).await;
    Ok(json_ok(
        json!({"ok": true, "sessionKey": key, "aborted": aborted, "runIds": run_ids}),
    ))
}
