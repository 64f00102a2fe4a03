//! `GET /v1/models` and `GET /v1/models/{id}`: the agent targets a client can name as `model`
//! (first, as OpenClaw lists them), then the configured backend models as `provider/model`
//! (`owned_by` the provider), which `model` also accepts.

use crate::error::GatewayError;
use crate::http::routes::Authenticated;
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

fn ids(state: &AppState) -> Vec<String> {
    let mut ids = vec![
        "openclaw".to_string(),
        "openclaw/default".to_string(),
        format!("openclaw/{}", state.config().default_agent),
    ];
    for a in &state.config().agents {
        let id = format!("openclaw/{}", a.id);
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

fn model_obj(id: &str) -> Value {
    owned_obj(id, "openclaw")
}

fn owned_obj(id: &str, owner: &str) -> Value {
    json!({"id": id, "object": "model", "created": 0, "owned_by": owner, "permission": []})
}

fn json_ok(v: Value) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("content-type", "application/json; charset=utf-8"))
        .body(v.to_string())
}

/// `GET /v1/models`.
pub async fn list(
    _auth: Authenticated,
    _req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, GatewayError> {
    let targets = ids(&state);
    let mut data: Vec<Value> = targets.iter().map(|i| model_obj(i)).collect();
    for m in state.app.provider_models() {
        let id = m.id();
        if !targets.contains(&id) {
            data.push(owned_obj(&id, &m.provider));
        }
    }
    Ok(json_ok(json!({"object": "list", "data": data})))
}

/// `GET /v1/models/{id}` (the id may be percent-encoded, e.g. `openclaw%2Fmain`).
pub async fn get(
    _auth: Authenticated,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, GatewayError> {
    let raw = req.match_info().query("id");
    let id = percent_decode(raw)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| GatewayError::bad_request("Invalid model id."))?;
    if ids(&state).contains(&id) {
        Ok(json_ok(model_obj(&id)))
    } else if let Some(m) = state.app.provider_model(&id) {
        Ok(json_ok(owned_obj(&id, &m.provider)))
    } else {
        Err(GatewayError::NotFound(format!("Model '{id}' not found.")))
    }
}

/// Decodes `%XX` escapes; `None` on malformed input.
pub fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}
