//! `GET /api/v1/status`: gateway, models and sessions at a glance.

use super::{ok, ApiError};
use crate::http::routes::Authenticated;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use serde_json::json;

/// `GET /api/v1/status`.
pub async fn status(
    _auth: Authenticated,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let s = state.app.status(false).await;
    let cfg = &state.config();
    let available: usize = cfg.providers.values().map(|p| p.models.len()).sum();
    let mut body = json!({
        "gateway": {"status": "running", "version": crate::state::VERSION,
                    "uptime": state.uptime_ms() / 1000},
        "models": {"available": available,
                   "default": cfg.default_model.primary.as_ref().map(|m| m.to_string())},
        "sessions": {"active": s.live.live_sessions, "total": s.sessions_total},
        "runs": {"active": s.live.active_runs},
    });
    if let Some(c) = &s.cluster {
        body["cluster"] = json!(c);
    }
    Ok(ok(body))
}
