//! `GET /v1/channels`, `GET /v1/channels/{id}/status`, `POST /v1/channels/{id}/enable|disable`
//! (seed 003): chat-channel accounts, switched on and off at run time. `{id}` is a channel kind
//! (its default account), `kind:account`, or an account id.

use super::{json_ok, RestError};
use crate::actors::channels::AccountStatus;
use crate::error::GatewayError;
use crate::http::routes::Authenticated;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

fn account_json(a: &AccountStatus) -> Value {
    let mut v = json!({
        "id": a.channel, "key": format!("{}:{}", a.channel, a.account_id), "name": a.label,
        "account": a.account_id, "accountName": a.name, "default": a.is_default,
        "enabled": a.enabled, "configured": a.configured, "status": a.state.as_str(),
        "botUsername": a.user, "error": a.error, "restarts": a.restarts,
        "lastInboundAt": a.last_inbound_at, "lastOutboundAt": a.last_outbound_at,
        "delivery": a.delivery, "inbox": a.inbox,
        "lastProgressAt": a.last_progress_at, "lastError": a.last_error,
    });
    if let (Some(node), Some(o)) = (&a.node, v.as_object_mut()) {
        // Several nodes share the store: the node running the account.
        o.insert("node".into(), json!(node));
    }
    v
}

/// `GET /v1/channels`.
pub async fn list(
    _auth: Authenticated,
    state: web::Data<AppState>,
) -> Result<HttpResponse, RestError> {
    let accounts = state.app.channel_accounts().await;
    let channels: Vec<Value> = accounts.iter().map(account_json).collect();
    Ok(json_ok(json!({"channels": channels})))
}

fn find<'a>(accounts: &'a [AccountStatus], id: &str) -> Option<&'a AccountStatus> {
    let id = id.trim().to_ascii_lowercase();
    accounts
        .iter()
        .find(|a| a.channel == id && a.is_default)
        .or_else(|| {
            accounts
                .iter()
                .find(|a| format!("{}:{}", a.channel, a.account_id) == id)
        })
        .or_else(|| accounts.iter().find(|a| a.account_id == id))
}

/// `GET /v1/channels/{id}/status`.
pub async fn status(
    _auth: Authenticated,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, RestError> {
    let accounts = state.app.channel_accounts().await;
    match find(&accounts, &path) {
        Some(a) => Ok(json_ok(account_json(a))),
        None => Err(GatewayError::NotFound(format!("unknown channel: {}", path.as_str())).into()),
    }
}

async fn switch(state: &AppState, id: &str, on: bool) -> Result<HttpResponse, RestError> {
    let a = state.app.set_channel_enabled(id, on).await?;
    Ok(json_ok(account_json(&a)))
}

/// `POST /v1/channels/{id}/enable`.
pub async fn enable(
    _auth: Authenticated,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, RestError> {
    switch(&state, &path, true).await
}

/// `POST /v1/channels/{id}/disable`.
pub async fn disable(
    _auth: Authenticated,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, RestError> {
    switch(&state, &path, false).await
}
