//! `exec.approval.*` methods (scope `operator.approvals`): `list` the commands waiting for an
//! operator, `get` one, `resolve {id, decision}` with `allow-once`, `allow-always` or `deny`.
//! An unknown id is `APPROVAL_NOT_FOUND`.

use super::{bad_param, Call};
use crate::app::AppError;
use crate::tools::approval::ApprovalDecision;
use crate::ws::frames::{ErrorCode, ErrorShape};
use serde_json::json;

fn not_found(e: AppError) -> ErrorShape {
    match e {
        AppError::NotFound(m) => ErrorShape::new(ErrorCode::ApprovalNotFound, m),
        other => ErrorShape::unavailable(other.to_string()),
    }
}

fn id(call: &Call, method: &str) -> Result<String, ErrorShape> {
    call.str_param("id").map(str::to_string).ok_or_else(|| {
        bad_param(format!(
            "invalid {method} params: must have required property 'id'"
        ))
    })
}

/// `exec.approval.list` → `{approvals: [{id, request, createdAtMs, expiresAtMs}]}`.
pub async fn list(call: Call) {
    let approvals = call.app.app.pending_approvals();
    call.reply.ok(json!({ "approvals": approvals }));
}

/// `exec.approval.get {id}` → the waiting request.
pub async fn get(call: Call) {
    let r = id(&call, "exec.approval.get")
        .and_then(|id| call.app.app.pending_approval(&id).map_err(not_found));
    match r {
        Ok(p) => call.reply.ok(p),
        Err(e) => call.reply.err(e),
    }
}

/// `exec.approval.resolve {id, decision}` → `{ok: true, id, decision}`.
pub async fn resolve(call: Call) {
    let method = "exec.approval.resolve";
    let id = match id(&call, method) {
        Ok(id) => id,
        Err(e) => return call.reply.err(e),
    };
    let Some(decision) = call.str_param("decision").and_then(ApprovalDecision::parse) else {
        return call.reply.err(bad_param(format!(
            "invalid {method} params: decision must be allow-once, allow-always or deny"
        )));
    };
    match call.app.app.resolve_approval(&id, decision, &call.conn_id) {
        Ok(()) => call
            .reply
            .ok(json!({"ok": true, "id": id, "decision": decision.as_str()})),
        Err(e) => call.reply.err(not_found(e)),
    }
}
