//! `keys.*` methods (operator.admin): `create`, `list`, `revoke`, `rotate`, `usage`, `audit`
//! — thin adapters over the application layer's key operations (`src/app/keys.rs`), what
//! `clawgate keys …` and `clawgate usage` call. A created or rotated key is in the answer once.

use super::Call;
use crate::app::AppError;
use crate::keys::KeyPolicy;
use crate::storage::UsageQuery;
use serde_json::{json, Value};

fn answer(call: &Call, r: Result<Value, AppError>) {
    match r {
        Ok(v) => call.reply.ok(v),
        Err(e) => call.reply.err(e.into()),
    }
}

fn actor(call: &Call) -> String {
    format!("operator:{}", call.credential)
}

fn id_param(call: &Call) -> Result<String, AppError> {
    call.str_param("id")
        .map(str::to_string)
        .ok_or_else(|| AppError::invalid("`id` is required", "id"))
}

/// `keys.create {name, app, scopes, agents, endUsers?, origins?, expiresAt?, quotas?}`.
pub async fn create(call: Call) {
    let r = async {
        let policy: KeyPolicy =
            serde_json::from_value(call.params.clone()).map_err(|e| AppError::Invalid {
                message: format!("invalid key: {e}"),
                param: None,
            })?;
        let (key, secret) = call.app.app.create_key(&actor(&call), policy).await?;
        Ok(json!({"apiKey": key, "key": secret}))
    }
    .await;
    answer(&call, r);
}

/// `keys.list`.
pub async fn list(call: Call) {
    let r = call.app.app.list_keys().await.map(|k| json!({"keys": k}));
    answer(&call, r);
}

/// `keys.revoke {id}`.
pub async fn revoke(call: Call) {
    let r = async {
        let id = id_param(&call)?;
        call.app.app.revoke_key(&actor(&call), &id).await?;
        Ok(json!({"revoked": true, "id": id}))
    }
    .await;
    answer(&call, r);
}

/// `keys.rotate {id}`.
pub async fn rotate(call: Call) {
    let r = async {
        let id = id_param(&call)?;
        let (key, secret) = call.app.app.rotate_key(&actor(&call), &id).await?;
        Ok(json!({"apiKey": key, "key": secret}))
    }
    .await;
    answer(&call, r);
}

/// `keys.usage {keyId?, user?, since?, until?}` (days as `YYYY-MM-DD`).
pub async fn usage(call: Call) {
    let q = UsageQuery {
        key_id: call.str_param("keyId").map(str::to_string),
        user: call.str_param("user").map(str::to_string),
        since: call.str_param("since").map(str::to_string),
        until: call.str_param("until").map(str::to_string),
    };
    let r = call
        .app
        .app
        .key_usage(&q)
        .await
        .map(|rows| json!({"usage": rows}));
    answer(&call, r);
}

/// `keys.audit {since?, limit?}`: newest first.
pub async fn audit(call: Call) {
    let since = call.u64_param("since").unwrap_or(0) as i64;
    let limit = call.u64_param("limit").unwrap_or(100).clamp(1, 1000) as usize;
    let r = call
        .app
        .app
        .audit_log(since, limit)
        .await
        .map(|e| json!({"entries": e}));
    answer(&call, r);
}
