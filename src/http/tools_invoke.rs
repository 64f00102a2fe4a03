//! `POST /tools/invoke`: run one agent tool directly, without a model turn (always enabled,
//! authenticated, under the agent's tool policy plus an HTTP deny list of dangerous tools).
//! The tool is named by `tool` (or its alias `name`); `agentId` picks the agent, else the
//! agent of `sessionKey`, else the default agent.

use super::{body, select};
use crate::app::idempotency::Begun;
use crate::app::tools::InvokeError;
use crate::error::GatewayError;
use crate::http::routes::Authenticated;
use crate::state::AppState;
use crate::tools::ToolError;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

/// Body limit (OpenClaw: 2 MiB).
pub const MAX_BODY: usize = 2 * 1024 * 1024;
/// Tools never callable over HTTP unless `gateway.tools.allow` names them (OpenClaw's list as
/// of 2026.9; `whatsapp_login` left it).
pub const HTTP_DENY: [&str; 12] = [
    "exec",
    "spawn",
    "shell",
    "fs_write",
    "fs_delete",
    "fs_move",
    "apply_patch",
    "sessions_spawn",
    "sessions_send",
    "cron",
    "gateway",
    "nodes",
];

fn reply(status: u16, v: Value) -> HttpResponse {
    HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status)
            .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR),
    )
    .insert_header(("content-type", "application/json; charset=utf-8"))
    .body(v.to_string())
}

fn not_available(name: &str) -> HttpResponse {
    reply(
        404,
        json!({"ok": false, "error": {"type": "not_found", "message": format!("Tool not available: {name}")}}),
    )
}

fn names(v: Option<&Value>, key: &str) -> Vec<String> {
    v.and_then(|t| t.get(key))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `gateway.tools` and the default deny list let HTTP callers use `name`.
pub fn http_allowed(state: &AppState, name: &str) -> bool {
    let config = state.config();
    let cfg = config.gateway_tools.as_ref();
    if names(cfg, "deny").iter().any(|d| d == name) {
        return false;
    }
    !HTTP_DENY.contains(&name) || names(cfg, "allow").iter().any(|a| a == name)
}

/// Handler.
pub async fn invoke(
    auth: Authenticated,
    _req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, GatewayError> {
    let v = body::read_json(payload, MAX_BODY).await?;
    let named = |key| {
        v.get(key)
            .and_then(Value::as_str)
            .filter(|t| !t.trim().is_empty())
    };
    let Some(name) = named("tool").or_else(|| named("name")) else {
        return Err(GatewayError::bad_param(
            "tools.invoke requires body.tool",
            "tool",
        ));
    };
    let cfg = &state.config();
    let raw_key = v.get("sessionKey").and_then(Value::as_str);
    let agent_id = match (
        named("agentId"),
        raw_key.and_then(crate::core::ids::agent_of),
    ) {
        (Some(a), _) => crate::config::normalize_agent_id(a)
            .filter(|id| cfg.agent(id).is_some())
            .ok_or_else(|| GatewayError::bad_param(format!("unknown agent: {a}"), "agentId"))?,
        (None, Some(a)) if cfg.agent(a).is_some() => a.to_string(),
        _ => cfg.default_agent.clone(),
    };
    let session_key = select::scoped_session_key(cfg, &agent_id, raw_key)?;
    if !http_allowed(&state, name) {
        return Ok(not_available(name));
    }
    let mut args = match v.get("args") {
        None | Some(Value::Null) => json!({}),
        Some(a @ Value::Object(_)) => a.clone(),
        Some(_) => return Err(GatewayError::bad_param("`args` must be an object", "args")),
    };
    if let (Some(action), Some(obj)) = (v.get("action"), args.as_object_mut()) {
        obj.entry("action").or_insert_with(|| action.clone());
    }
    let owner = auth.0.is_owner();
    let app = &state.app;
    let run = || {
        app.invoke_tool(
            name,
            args.clone(),
            session_key.clone(),
            agent_id.clone(),
            owner,
        )
    };
    let Some(key) = named("idempotencyKey") else {
        let (status, body) = answer(name, run().await);
        return Ok(reply(status, body));
    };
    // A retry with the same key gets the first call's answer instead of a second call.
    let cred = &auth.0.credential;
    let record = match app.begin_idempotent(cred, "tool", key).await? {
        Begun::Done(v) => v,
        Begun::InFlight { .. } => match app.wait_idempotent(cred, "tool", key).await {
            Some(v) => v,
            None => {
                return Err(GatewayError::Unavailable(
                    "the first call with this idempotencyKey did not finish".into(),
                ))
            }
        },
        Begun::New { .. } | Begun::Orphaned { .. } => {
            let (status, body) = answer(name, run().await);
            let record = json!({"status": status, "body": body});
            app.finish_idempotent(cred, "tool", key, record.clone())
                .await;
            record
        }
    };
    let status = record["status"]
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())
        .unwrap_or(500);
    Ok(reply(status, record["body"].clone()))
}

/// The HTTP status and body of a tool call's result.
fn answer(name: &str, res: Result<Value, InvokeError>) -> (u16, Value) {
    let tool_error = |m: &str| json!({"ok": false, "error": {"type": "tool_error", "message": m}});
    match res {
        Ok(result) => (200, json!({"ok": true, "result": result})),
        Err(InvokeError::NotAvailable(n)) => (
            404,
            json!({"ok": false, "error": {"type": "not_found", "message": format!("Tool not available: {n}")}}),
        ),
        Err(InvokeError::Tool(ToolError::InvalidInput(m))) => (400, tool_error(&m)),
        Err(InvokeError::Tool(ToolError::Forbidden(m))) => (403, tool_error(&m)),
        Err(InvokeError::Tool(ToolError::Failed(m))) => {
            tracing::error!(tool = name, error = %m, "tool failed");
            (500, tool_error("tool execution failed"))
        }
    }
}
