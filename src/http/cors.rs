//! CORS for browser callers (seed 001's chat page calls `/api/v1` from a page). Only origins
//! listed in `gateway.http.cors.allowedOrigins` get CORS headers; a preflight (`OPTIONS` with
//! `Access-Control-Request-Method`) from such an origin is answered `204` before routing and
//! authentication (a preflight carries no credentials). `*` allows any origin, and then
//! credentials are never allowed; clawgate sends no `Access-Control-Allow-Credentials` at all
//! (callers authenticate with a bearer token, not cookies).

use crate::state::AppState;
use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};

/// Methods a preflight may ask for.
const METHODS: &str = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
/// Request headers a page may send.
const HEADERS: &str = "authorization, content-type, x-openclaw-agent-id, x-openclaw-model, \
x-openclaw-session-key, x-openclaw-message-channel, x-openclaw-password, idempotency-key";
/// Response headers a page may read.
const EXPOSE: &str = "retry-after, x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset";

/// The `Access-Control-Allow-Origin` value for `origin`, if it is allowed.
pub fn allowed(origins: &[String], origin: &str) -> Option<String> {
    if origins.iter().any(|o| o == "*") {
        return Some("*".into());
    }
    origins
        .iter()
        .any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(origin))
        .then(|| origin.to_string())
}

fn set(h: &mut actix_web::http::header::HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(HeaderName::from_static(name), v);
    }
}

/// The middleware (installed on the whole app).
pub async fn cors(
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let origin = req
        .headers()
        .get("origin")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let allow = match (&origin, req.app_data::<web::Data<AppState>>()) {
        (Some(o), Some(state)) => allowed(&state.config().cors_origins, o),
        _ => None,
    };
    let Some(allow) = allow else {
        return next.call(req).await;
    };
    let preflight = req.method() == Method::OPTIONS
        && req.headers().contains_key("access-control-request-method");
    if preflight {
        let mut resp = HttpResponse::NoContent().finish();
        let h = resp.headers_mut();
        set(h, "access-control-allow-origin", &allow);
        set(h, "access-control-allow-methods", METHODS);
        set(h, "access-control-allow-headers", HEADERS);
        set(h, "access-control-max-age", "600");
        set(h, "vary", "Origin");
        return Ok(req.into_response(resp));
    }
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    set(h, "access-control-allow-origin", &allow);
    set(h, "access-control-expose-headers", EXPOSE);
    set(h, "vary", "Origin");
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_origins_are_allowed() {
        let list = vec!["https://app.example.com".to_string()];
        assert_eq!(
            allowed(&list, "https://app.example.com").as_deref(),
            Some("https://app.example.com")
        );
        assert_eq!(allowed(&list, "https://evil.example.com"), None);
        assert_eq!(allowed(&[], "https://app.example.com"), None);
        assert_eq!(allowed(&["*".into()], "https://x").as_deref(), Some("*"));
    }
}
