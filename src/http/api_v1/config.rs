//! `GET /api/v1/config/{path}`: one part of the running configuration by dot path
//! (`gateway`, `gateway.port`, `agents.list`), secrets redacted; 404 for a path that does
//! not exist.

use super::{ok, ApiError};
use crate::error::GatewayError;
use crate::http::routes::Authenticated;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use serde_json::Value;

/// `GET /api/v1/config/{path}`.
pub async fn get(
    _auth: Authenticated,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let view = crate::app::config_view::effective(&state.config(), state.port);
    let mut node = &view;
    for part in path.split(['.', '/']).filter(|p| !p.is_empty()) {
        node = match node {
            Value::Object(m) => m.get(part),
            Value::Array(a) => part.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        }
        .ok_or_else(|| GatewayError::NotFound(format!("no config at `{}`", path.as_str())))?;
    }
    Ok(ok(node.clone()))
}
