//! Authentication by API key (`Authorization: Bearer cgk_…`), the key half of
//! `routes::require_auth`: the key is verified (cached, constant-time), then its policy is
//! applied before the handler runs — the route's family must be in its scopes, a browser's
//! `Origin` must be one it lists, its body and request-rate quotas must admit the request.
//! Refusals are answered in the route family's error shape, say nothing about other apps, and
//! are written to the audit log.

use super::routes::Access;
use crate::auth::{peer_ip, Presented, Principal};
use crate::error::GatewayError;
use crate::keys::registry::Refusal;
use crate::keys::scope;
use crate::state::AppState;
use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};
use serde_json::json;

/// The presented bearer when it is shaped like an API key.
pub fn presented_key(req: &ServiceRequest) -> Option<String> {
    Presented::from_request(req.request())
        .bearer
        .filter(|b| b.starts_with(crate::keys::token::PREFIX))
}

/// Authenticates `req` by the API key `key` and applies its policy.
pub async fn authenticate(
    access: Access,
    state: web::Data<AppState>,
    key: String,
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let ip = peer_ip(req.request());
    let browser = req.headers().contains_key("origin");
    if let Some(secs) = state.auth.locked(ip, browser) {
        let e = GatewayError::AuthRateLimited { retry_after: secs };
        return Ok(req.into_response(super::routes::render(access, &e)));
    }
    let grant = match state.app.keys().verify(&key).await {
        Ok(g) => g,
        Err(why) => {
            state.auth.record_failure(ip, browser);
            let id = crate::keys::token::parse(&key).map_or("unknown", |(id, _)| id);
            let reason = match why {
                Refusal::Invalid => "invalid_key",
                Refusal::Expired => "expired_key",
            };
            deny(&state, &format!("key:{id}"), req.path(), reason).await;
            let resp = super::routes::render(access, &GatewayError::Unauthorized);
            return Ok(req.into_response(resp));
        }
    };
    state.auth.reset_failures(ip);
    let actor = format!("key:{}", grant.id);
    let allowed = scope::need(req.method().as_str(), req.path())
        .is_some_and(|n| scope::allows(&grant.scopes, n));
    if !allowed {
        deny(&state, &actor, req.path(), "scope").await;
        let e = GatewayError::Forbidden("This API key may not call this endpoint.".into());
        return Ok(req.into_response(super::routes::render(access, &e)));
    }
    if let Some(origin) = req.headers().get("origin").and_then(|v| v.to_str().ok()) {
        if !grant.policy.origins.iter().any(|o| o == origin) {
            deny(&state, &actor, req.path(), "origin").await;
            let e =
                GatewayError::Forbidden("This API key may not be used from this origin.".into());
            return Ok(req.into_response(super::routes::render(access, &e)));
        }
    }
    let quotas = &grant.policy.quotas;
    if let Some(max) = quotas.max_body_bytes {
        let declared = req
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let chunked = req.headers().contains_key("transfer-encoding");
        if declared.is_some_and(|n| n > max) || (chunked && declared.is_none()) {
            deny(&state, &actor, req.path(), "maxBodyBytes").await;
            let e = GatewayError::PayloadTooLarge;
            return Ok(req.into_response(super::routes::render(access, &e)));
        }
    }
    if let Err(d) = grant.counters.admit_request(quotas) {
        deny(&state, &actor, req.path(), d.limit).await;
        let e = GatewayError::RateLimited {
            message: d.message,
            retry_after: d.retry_after,
        };
        return Ok(req.into_response(super::routes::render(access, &e)));
    }
    req.extensions_mut().insert(Principal::api_key(grant));
    next.call(req).await
}

/// Writes a denied request to the audit log.
async fn deny(state: &AppState, actor: &str, path: &str, reason: &str) {
    state
        .app
        .audit(actor, "request.denied", path, json!({"reason": reason}))
        .await;
}
