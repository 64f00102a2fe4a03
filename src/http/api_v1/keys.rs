//! The owner's API-key administration: `GET/POST /api/v1/keys`, `DELETE /api/v1/keys/{id}`,
//! `POST /api/v1/keys/{id}/rotate`, and the reports `GET /api/v1/usage` and
//! `GET /api/v1/audit`. Only the gateway credential may call them (an API key never can); a
//! created or rotated key is in the answer once and never again.

use super::{ok, ApiError, MAX_BODY};
use crate::error::GatewayError;
use crate::http::body;
use crate::http::routes::Authenticated;
use crate::keys::KeyPolicy;
use crate::state::AppState;
use crate::storage::UsageQuery;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;
use std::collections::HashMap;

/// The actor the audit log records for the owner credential.
const OWNER: &str = "owner";

fn owner_only(auth: &Authenticated) -> Result<(), ApiError> {
    if auth.0.key.is_some() || !auth.0.is_owner() {
        return Err(GatewayError::Forbidden("Only the gateway owner may do this.".into()).into());
    }
    Ok(())
}

fn query(req: &HttpRequest) -> HashMap<String, String> {
    web::Query::<HashMap<String, String>>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default()
}

/// `GET /api/v1/keys`.
pub async fn list(
    auth: Authenticated,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    owner_only(&auth)?;
    Ok(ok(json!({"keys": state.app.list_keys().await?})))
}

/// `POST /api/v1/keys {name, app, scopes, agents, endUsers?, origins?, expiresAt?, quotas?}`.
pub async fn create(
    auth: Authenticated,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    owner_only(&auth)?;
    let v = body::read_json(payload, MAX_BODY).await?;
    let policy: KeyPolicy = serde_json::from_value(v)
        .map_err(|e| GatewayError::bad_request(format!("invalid key: {e}")))?;
    let (key, secret) = state.app.create_key(OWNER, policy).await?;
    Ok(ok(json!({"apiKey": key, "key": secret})))
}

/// `DELETE /api/v1/keys/{id}`: revoked at once (open connections are closed).
pub async fn revoke(
    auth: Authenticated,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    owner_only(&auth)?;
    state.app.revoke_key(OWNER, &path).await?;
    Ok(ok(json!({"revoked": true, "id": path.as_str()})))
}

/// `POST /api/v1/keys/{id}/rotate`: a new secret for the same key.
pub async fn rotate(
    auth: Authenticated,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    owner_only(&auth)?;
    let (key, secret) = state.app.rotate_key(OWNER, &path).await?;
    Ok(ok(json!({"apiKey": key, "key": secret})))
}

/// `GET /api/v1/usage?keyId=&user=&since=YYYY-MM-DD&until=YYYY-MM-DD`.
pub async fn usage(
    auth: Authenticated,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    owner_only(&auth)?;
    let q = query(&req);
    let day = |k: &'static str| -> Result<Option<String>, GatewayError> {
        match q.get(k) {
            None => Ok(None),
            Some(d) if chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok() => {
                Ok(Some(d.clone()))
            }
            Some(_) => Err(GatewayError::bad_param(
                format!("`{k}` must be YYYY-MM-DD"),
                k,
            )),
        }
    };
    let uq = UsageQuery {
        key_id: q.get("keyId").cloned(),
        user: q.get("user").cloned(),
        since: day("since")?,
        until: day("until")?,
    };
    let rows = state.app.key_usage(&uq).await?;
    let total = rows.iter().fold(
        json!({"requests": 0, "turns": 0, "errors": 0, "tokensIn": 0, "tokensOut": 0}),
        |mut t, r| {
            for (k, n) in [
                ("requests", r.requests),
                ("turns", r.turns),
                ("errors", r.errors),
                ("tokensIn", r.tokens_in),
                ("tokensOut", r.tokens_out),
            ] {
                t[k] = json!(t[k].as_u64().unwrap_or(0) + n);
            }
            t
        },
    );
    Ok(ok(json!({"usage": rows, "total": total})))
}

/// `GET /api/v1/audit?since=<ms>&limit=`: newest first.
pub async fn audit(
    auth: Authenticated,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    owner_only(&auth)?;
    let q = query(&req);
    let since = q.get("since").and_then(|s| s.parse().ok()).unwrap_or(0);
    let limit = q
        .get("limit")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(100)
        .clamp(1, 1000);
    let entries = state.app.audit_log(since, limit).await?;
    Ok(ok(json!({"entries": entries})))
}
