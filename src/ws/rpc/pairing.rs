//! DM pairing methods (`operator.pairing`): `pairing.list {channel?, accountId?}` →
//! `{requests: [{channel, accountId, id, code, createdAt, expiresAt, username?, name?}]}`;
//! `pairing.approve {channel?, code, accountId?, notify?}` (no channel: the one configured) → `{ok, approved: request}`;
//! `pairing.reject {channel, code, accountId?}` → `{ok, rejected: request}`. Adapters over
//! `App::pairing_*`; `clawgate pairing list|approve|deny` calls them.

use super::{bad_param, Call};
use serde_json::{json, Value};

/// `pairing.list`.
pub async fn list(call: Call) {
    let channel = call.str_param("channel").map(str::to_string);
    let account = call.str_param("accountId").map(str::to_string);
    match call.app.app.pairing_list(channel, account).await {
        Ok(r) => call.reply.ok(json!({ "requests": r })),
        Err(e) => call.reply.err(e.into()),
    }
}

/// `pairing.approve` / `pairing.reject`.
pub async fn resolve(call: Call, approve: bool) {
    let Some(code) = call.str_param("code") else {
        return call.reply.err(bad_param("code is required"));
    };
    let channel = call.str_param("channel");
    let account = call.str_param("accountId").map(str::to_string);
    let notify = call.params.get("notify").and_then(Value::as_bool) == Some(true);
    let res = call
        .app
        .app
        .pairing_resolve(channel, code, account, approve, notify)
        .await;
    match res {
        Ok(r) if approve => call.reply.ok(json!({ "ok": true, "approved": r })),
        Ok(r) => call.reply.ok(json!({ "ok": true, "rejected": r })),
        Err(e) => call.reply.err(e.into()),
    }
}
