//! `POST /v1/embeddings` in OpenAI's shape: `input` a string or an array of strings,
//! `encoding_format` `float` (default) or `base64` (little-endian `f32`s), `dimensions`
//! passed through, `usage` from the provider. `model` is an agent target (`openclaw`,
//! `openclaw/<agentId>`); the embedding model is `x-openclaw-model` or the agent's
//! `memory.search` model, served by the agent's memory embeddings provider. No provider
//! configured: 400 naming the setting; provider down: 503. Errors in OpenAI's shape.

use crate::error::GatewayError;
use crate::http::body;
use crate::http::routes::Authenticated;
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use serde_json::{json, Value};

/// Largest request body.
const MAX_BODY: usize = 8 * 1024 * 1024;
/// Most inputs in one request (OpenAI's limit).
const MAX_INPUTS: usize = 2048;

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

fn agent_of(state: &AppState, req: &HttpRequest, model: &str) -> Result<String, GatewayError> {
    let lower = model.trim().to_ascii_lowercase();
    let named = match header(req, "x-openclaw-agent-id") {
        Some(h) => Some(h.to_string()),
        None if lower.is_empty() || lower == "openclaw" || lower == "openclaw/default" => None,
        None => match lower
            .strip_prefix("openclaw/")
            .or_else(|| lower.strip_prefix("openclaw:"))
        {
            Some(rest) => Some(rest.to_string()),
            None => {
                return Err(GatewayError::bad_param(
                    super::select::INVALID_MODEL,
                    "model",
                ))
            }
        },
    };
    match named {
        None => Ok(state.config().default_agent.clone()),
        Some(raw) => crate::config::normalize_agent_id(&raw)
            .filter(|id| state.config().agent(id).is_some())
            .ok_or_else(|| GatewayError::bad_param(format!("Unknown agent '{raw}'."), "model")),
    }
}

fn inputs(body: &Value) -> Result<Vec<String>, GatewayError> {
    let bad = || {
        GatewayError::bad_param(
            "`input` must be a non-empty string or array of non-empty strings.",
            "input",
        )
    };
    let list: Vec<String> = match body.get("input") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(bad))
            .collect::<Result<_, _>>()?,
        _ => return Err(bad()),
    };
    if list.is_empty() || list.len() > MAX_INPUTS || list.iter().any(|s| s.is_empty()) {
        return Err(bad());
    }
    Ok(list)
}

/// `POST /v1/embeddings`.
pub async fn create(
    _auth: Authenticated,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, GatewayError> {
    let body = body::read_json(payload, MAX_BODY).await?;
    let model = match body.get("model") {
        Some(Value::String(m)) => m.clone(),
        None | Some(Value::Null) => String::new(),
        Some(_) => {
            return Err(GatewayError::bad_param(
                "`model` must be a string.",
                "model",
            ))
        }
    };
    let agent = agent_of(&state, &req, &model)?;
    let input = inputs(&body)?;
    let base64 = match body.get("encoding_format").and_then(Value::as_str) {
        None | Some("float") => false,
        Some("base64") => true,
        Some(_) => {
            return Err(GatewayError::bad_param(
                "`encoding_format` must be \"float\" or \"base64\".",
                "encoding_format",
            ))
        }
    };
    let dimensions = match body.get("dimensions") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_u64().filter(|d| *d > 0).ok_or_else(|| {
            GatewayError::bad_param("`dimensions` must be a positive integer.", "dimensions")
        })?),
    };
    let real_model = header(&req, "x-openclaw-model");
    let Some((used, out)) = state
        .app
        .embeddings(&agent, real_model, &input, dimensions)
        .await?
    else {
        return Err(GatewayError::bad_param(
            format!("Agent '{agent}' has no embeddings provider: set memory.search.provider (openai, openai-compatible, ollama or a models.providers id)."),
            "model",
        ));
    };
    let data: Vec<Value> = out
        .vectors
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let embedding = if base64 {
                let bytes: Vec<u8> = v.iter().flat_map(|f| f.to_le_bytes()).collect();
                json!(base64::engine::general_purpose::STANDARD.encode(bytes))
            } else {
                json!(v)
            };
            json!({"object": "embedding", "index": i, "embedding": embedding})
        })
        .collect();
    let tokens = out.prompt_tokens;
    Ok(HttpResponse::Ok()
        .insert_header(("content-type", "application/json; charset=utf-8"))
        .body(
            json!({
                "object": "list", "data": data, "model": used,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            })
            .to_string(),
        ))
}
