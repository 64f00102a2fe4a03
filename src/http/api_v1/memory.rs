//! `GET /api/v1/memory/search?query=&limit=&minScore=` (the parameters may also come as a JSON
//! body, as seed 001 shows; `POST` is accepted for clients that cannot send a GET body) and
//! `POST /api/v1/memory {content, tags?, type?}`: the default agent's memory (or `agentId`'s).

use super::{ok, ApiError, MAX_BODY};
use crate::error::GatewayError;
use crate::http::body;
use crate::http::routes::Authenticated;
use crate::memory::SearchOptions;
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Map, Value};

/// Largest `limit`.
pub const MAX_LIMIT: usize = 50;

/// The request's parameters: the JSON body's fields, then the query string's over them.
async fn params(req: &HttpRequest, payload: web::Payload) -> Result<Map<String, Value>, ApiError> {
    let v = body::read_json(payload, MAX_BODY).await?;
    let mut m = match v {
        Value::Object(m) => m,
        _ => return Err(GatewayError::bad_request("the body must be a JSON object").into()),
    };
    let q = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map_err(|e| GatewayError::bad_request(format!("bad query string: {e}")))?;
    for (k, v) in q.into_inner() {
        m.insert(k, Value::String(v));
    }
    Ok(m)
}

fn agent_of(m: &Map<String, Value>, state: &AppState) -> Result<String, GatewayError> {
    match m.get("agentId") {
        None | Some(Value::Null) => Ok(state.config().default_agent.clone()),
        Some(Value::String(a)) => crate::config::normalize_agent_id(a)
            .filter(|a| state.config().agent(a).is_some())
            .ok_or_else(|| GatewayError::NotFound(format!("unknown agent `{a}`"))),
        Some(_) => Err(GatewayError::bad_param(
            "`agentId` must be a string",
            "agentId",
        )),
    }
}

fn number(m: &Map<String, Value>, k: &str) -> Result<Option<f64>, GatewayError> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .map(Some)
            .map_err(|_| GatewayError::bad_param(format!("`{k}` must be a number"), k)),
        Some(_) => Err(GatewayError::bad_param(
            format!("`{k}` must be a number"),
            k,
        )),
    }
}

/// `GET /api/v1/memory/search`.
pub async fn search(
    _auth: Authenticated,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let m = params(&req, payload).await?;
    let query = match m.get("query").or_else(|| m.get("q")) {
        Some(Value::String(q)) if !q.trim().is_empty() => q.clone(),
        _ => return Err(GatewayError::bad_param("`query` is required", "query").into()),
    };
    let limit = match number(&m, "limit")?.or(number(&m, "maxResults")?) {
        None => None,
        Some(n) if n >= 1.0 && n <= MAX_LIMIT as f64 && n.fract() == 0.0 => Some(n as usize),
        Some(_) => {
            return Err(
                GatewayError::bad_param(format!("`limit` must be 1..{MAX_LIMIT}"), "limit").into(),
            )
        }
    };
    let min_score = match number(&m, "minScore")? {
        Some(s) if !(0.0..=1.0).contains(&s) => {
            return Err(GatewayError::bad_param("`minScore` must be 0..1", "minScore").into())
        }
        s => s,
    };
    let agent = agent_of(&m, &state)?;
    let reply = state
        .app
        .memory_search(
            &agent,
            &query,
            SearchOptions {
                max_results: limit,
                min_score,
            },
        )
        .await?;
    let results: Vec<Value> = reply
        .results
        .iter()
        .map(|h| {
            json!({"content": h.text, "score": h.score, "source": h.path, "path": h.path,
                   "startLine": h.start_line, "endLine": h.end_line, "kind": h.source})
        })
        .collect();
    Ok(ok(json!({
        "results": results, "mode": reply.mode, "provider": reply.provider,
        "model": reply.model, "warning": reply.warning,
    })))
}

/// `POST /api/v1/memory {content, tags?, type?}`: `type: "long-term"` goes to `MEMORY.md`,
/// anything else to today's `memory/YYYY-MM-DD.md`; indexed before the answer.
pub async fn add(
    _auth: Authenticated,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let m = params(&req, payload).await?;
    let content = match m.get("content") {
        Some(Value::String(c)) if !c.trim().is_empty() => c.clone(),
        _ => return Err(GatewayError::bad_param("`content` is required", "content").into()),
    };
    let tags: Vec<String> = match m.get("tags") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        Some(_) => {
            return Err(
                GatewayError::bad_param("`tags` must be an array of strings", "tags").into(),
            )
        }
    };
    let long_term = match m.get("type") {
        None | Some(Value::Null) => false,
        Some(Value::String(t)) => match t.as_str() {
            "long-term" | "long_term" | "longTerm" => true,
            "short-term" | "short_term" | "daily" | "note" => false,
            _ => {
                return Err(GatewayError::bad_param(
                    "`type` must be \"long-term\" or \"daily\"",
                    "type",
                )
                .into())
            }
        },
        Some(_) => return Err(GatewayError::bad_param("`type` must be a string", "type").into()),
    };
    let agent = agent_of(&m, &state)?;
    let added = state
        .app
        .memory_append(&agent, &content, &tags, long_term)
        .await?;
    Ok(ok(json!({
        "memoryId": added.memory_id, "createdAt": added.created_at, "path": added.path,
    })))
}
