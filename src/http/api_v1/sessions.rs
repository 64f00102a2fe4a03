//! `GET /api/v1/sessions`, `POST /api/v1/sessions {label?, model?}`,
//! `DELETE /api/v1/sessions/{id}`: the default agent's sessions, named by the part of their key
//! after `agent:<id>:` (`default`, `session_…`, `openai-user:alice`).

use super::{iso, ok, ApiError, MAX_BODY};
use crate::app::select::scoped_session_key;
use crate::core::ids::split;
use crate::error::GatewayError;
use crate::http::body;
use crate::http::routes::Authenticated;
use crate::state::AppState;
use crate::storage::{SessionPatch, SessionRow};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

/// Sessions listed when `limit` is absent.
pub const DEFAULT_LIMIT: usize = 50;
/// Largest `limit`.
pub const MAX_LIMIT: usize = 1000;

fn id_of(row: &SessionRow) -> &str {
    split(&row.key).map(|(_, rest)| rest).unwrap_or(&row.key)
}

fn row_json(row: &SessionRow) -> Value {
    json!({"id": id_of(row), "sessionKey": row.key, "label": row.label,
           "createdAt": iso(row.created_at), "updatedAt": iso(row.updated_at),
           "messageCount": row.message_count, "model": row.model})
}

/// `GET /api/v1/sessions?limit=`.
pub async fn list(
    auth: Authenticated,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let q = web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default();
    let limit = match q.get("limit") {
        None => DEFAULT_LIMIT,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                GatewayError::bad_param(format!("`limit` must be 1..{MAX_LIMIT}"), "limit")
            })?,
    };
    let agent = state.config().default_agent.clone();
    let (rows, total) = match &auth.0.key {
        None => (
            state.app.list_sessions(Some(&agent), limit).await?,
            state.app.count_sessions(Some(&agent)).await?,
        ),
        Some(g) => {
            let q = crate::storage::SessionQuery {
                agent_id: Some(agent),
                limit,
                key_prefixes: state
                    .app
                    .key_prefixes(g, crate::http::run::end_user(&req, None))?,
                ..Default::default()
            };
            state.app.query_sessions(&q).await?
        }
    };
    let sessions: Vec<Value> = rows.iter().map(row_json).collect();
    Ok(ok(json!({"sessions": sessions, "total": total})))
}

/// `POST /api/v1/sessions {label?, model?}`: a new session; its model applies to its turns.
pub async fn create(
    auth: Authenticated,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let v = body::read_json(payload, MAX_BODY).await?;
    let obj = v
        .as_object()
        .ok_or_else(|| GatewayError::bad_request("the body must be a JSON object"))?;
    let string = |k: &'static str| -> Result<Option<String>, GatewayError> {
        match obj.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(GatewayError::bad_param(
                format!("`{k}` must be a string"),
                k,
            )),
        }
    };
    let label = string("label")?;
    let model = string("model")?;
    let agent = state.config().default_agent.clone();
    let id = crate::core::ids::new_run_id("session_");
    let mut key = scoped_session_key(&state.config(), &agent, Some(&id))?;
    if let Some(g) = &auth.0.key {
        let user = crate::http::run::end_user(&req, None);
        key = state.app.key_confine(g, user, &agent, &key)?;
    }
    // A bare model id is accepted as the seeds write it (`qwen3.5-plus`); it is stored as the
    // `provider/model` it resolves to.
    let model = match model {
        None => None,
        Some(m) => {
            let cfg = state.config();
            let a = cfg
                .agent(&agent)
                .ok_or_else(|| GatewayError::Internal("default agent missing".into()))?;
            match cfg.resolve_model_override(a, &m) {
                Ok(Some(r)) => Some(r.to_string()),
                _ => {
                    return Err(GatewayError::bad_param(
                        format!("Model '{m}' is not available."),
                        "model",
                    )
                    .into())
                }
            }
        }
    };
    let patch = SessionPatch {
        label: label.map(Some),
        model: model.map(Some),
        thinking_level: None,
    };
    let row = state.app.create_session(&key, &agent, patch).await?;
    Ok(ok(
        json!({"sessionId": id_of(&row), "sessionKey": row.key, "label": row.label,
                 "createdAt": iso(row.created_at), "model": row.model}),
    ))
}

/// `DELETE /api/v1/sessions/{id}`: 404 when there is no such session.
pub async fn delete(
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let agent = state.config().default_agent.clone();
    let mut key = scoped_session_key(&state.config(), &agent, Some(&path))?;
    if let Some(g) = &auth.0.key {
        let user = crate::http::run::end_user(&req, None);
        if !state.app.key_owns(g, user, &key)? {
            return Err(
                GatewayError::NotFound(format!("session not found: {}", path.as_str())).into(),
            );
        }
        key = state.app.key_confine(g, user, &agent, &key)?;
    }
    if key == state.config().main_session_key(&agent) {
        return Err(
            GatewayError::Forbidden(format!("Cannot delete the main session ({key}).")).into(),
        );
    }
    let deleted = state.app.delete_session(&key, &agent).await?.deleted;
    if !deleted {
        return Err(GatewayError::NotFound(format!("session not found: {}", path.as_str())).into());
    }
    Ok(ok(json!({"deleted": true})))
}
