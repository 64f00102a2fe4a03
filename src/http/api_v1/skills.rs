//! `GET /api/v1/skills[?agentId=]`: the agent's skills with their eligibility;
//! `POST /api/v1/skills/{name}/execute {args, session, agentId?}`: run one in a session →
//! `{result, executionTime}` (seconds). Unknown skill 404; disabled or ineligible 409 with
//! `error.details.missing`.

use super::{ok, ApiError, MAX_BODY};
use crate::app::skills::{raw_args, SkillOutput, SkillRequest};
use crate::error::GatewayError;
use crate::http::routes::Authenticated;
use crate::http::{body, run};
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

/// `GET /api/v1/skills`.
pub async fn list(
    _auth: Authenticated,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let q = web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default();
    let status = state
        .app
        .skills_status(q.get("agentId").map(String::as_str))?;
    Ok(ok(json!({"skills": status["skills"]})))
}

fn optional_str<'a>(
    obj: &'a serde_json::Map<String, Value>,
    key: &str,
) -> Result<Option<&'a str>, GatewayError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.as_str())),
        Some(_) => Err(GatewayError::bad_param(
            format!("`{key}` must be a non-empty string"),
            key,
        )),
    }
}

/// `POST /api/v1/skills/{name}/execute`.
pub async fn execute(
    _auth: Authenticated,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let v = body::read_json(payload, MAX_BODY).await?;
    let obj = v
        .as_object()
        .ok_or_else(|| GatewayError::bad_request("the body must be a JSON object"))?;
    let req = SkillRequest {
        name: path.into_inner(),
        args: raw_args(obj.get("args")),
        agent_id: optional_str(obj, "agentId")?.map(str::to_string),
        session: Some(
            optional_str(obj, "session")?
                .unwrap_or(super::message::DEFAULT_SESSION)
                .to_string(),
        ),
        // Every /api/v1 caller holds the gateway secret (or a key standing in for it).
        owner: true,
    };
    let done = state.app.execute_skill(req).await?;
    let (result, kind) = match done.output {
        SkillOutput::Tool(v) => (crate::tools::result_text(&v), "tool"),
        SkillOutput::Turn(o) => {
            if let Some(f) = &o.failure {
                return Err(run::failure_error(f).into());
            }
            (o.text, "agent")
        }
    };
    let secs = (done.elapsed.as_secs_f64() * 1000.0).round() / 1000.0;
    Ok(ok(
        json!({"result": result, "executionTime": secs, "dispatch": kind}),
    ))
}
