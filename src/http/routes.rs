//! The route table: every HTTP route with its access rule, registered from one list.
//!
//! A route is either [`Access::Gateway`] (the gateway credential is checked by the
//! [`require_auth`] middleware wrapped around each of its methods, before the handler runs;
//! the handler receives the [`Principal`] through the [`Authenticated`] extractor) or
//! [`Access::Public`] with the reason it needs no gateway credential (probes, inbound channel
//! webhooks that carry their own signatures). A wrong method is answered `405` before any
//! authentication, as OpenClaw does. An endpoint switched off in the config does not match at
//! all (the JSON 404). `tests/api/routes.rs` walks [`ROUTES`] and checks that every gateway
//! route refuses a request without credentials.

use super::responses_ws;
use super::tools_invoke;
use super::{
    agent_run, api_v1, channels, channels_mobile, chat_completions, embeddings, models, probes,
    responses, rest,
};
use crate::auth::Principal;
use crate::config::Config;
use crate::error::GatewayError;
use crate::state::AppState;
use actix_web::body::BoxBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::guard::{fn_guard, GuardContext};
use actix_web::http::Method;
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Gateway credentials required (errors in the OpenAI shape).
    Gateway,
    /// Gateway credentials required; errors, 405 included, in the `/api/v1` envelope.
    ApiV1,
    /// Gateway credentials required (errors in the OpenAI shape), except from a loopback peer
    /// when `gateway.metrics.allowUnauthenticatedLoopback` is on (the Prometheus scrape).
    Scrape,
    /// Gateway credentials required; errors in seed 003's `{"error": {code, message, type,
    /// param}}` shape (`/v1/sessions`, `/sessions/{key}/…`).
    Rest,
    /// No gateway credential; the reason (the route authenticates its caller another way, or
    /// reveals nothing).
    Public(&'static str),
}

/// One registered route.
#[derive(Debug, Clone, Copy)]
pub struct RouteInfo {
    /// Path pattern.
    pub path: &'static str,
    /// Access rule.
    pub access: Access,
    /// Methods served (others get `405`).
    pub methods: &'static [&'static str],
}

/// Whether an endpoint is switched on in the config.
type Gate = fn(&Config) -> bool;

fn always(_: &Config) -> bool {
    true
}
fn chat_completions_on(c: &Config) -> bool {
    c.chat_completions.enabled
}
fn responses_on(c: &Config) -> bool {
    c.responses.enabled
}
fn models_on(c: &Config) -> bool {
    c.chat_completions.enabled || c.responses.enabled
}

fn gate_open(ctx: &GuardContext<'_>, gate: Gate) -> bool {
    ctx.app_data::<web::Data<AppState>>()
        .is_some_and(|s| gate(&s.config()))
}

fn websocket_upgrade(ctx: &GuardContext<'_>) -> bool {
    ctx.head()
        .headers()
        .get("upgrade")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

fn method_route(name: &str) -> actix_web::Route {
    web::route().method(Method::from_bytes(name.as_bytes()).expect("a valid method name"))
}

const SIGNED_INBOUND: &str = "inbound channel webhook, verified by the channel's own signature";
const PROBE: &str = "health probe; details only for local or authenticated callers";

macro_rules! route_table {
    ($( $path:literal, $access:expr, allow $allow:literal, $gate:expr => {
        $( $method:ident $(if $guard:path)? => $handler:path ),+ $(,)?
    } )*) => {
        /// Every HTTP route (the WebSocket upgrade on any path and the webhooks under
        /// `hooks.path` are registered before these, with their own authentication).
        pub const ROUTES: &[RouteInfo] = &[
            $( RouteInfo { path: $path, access: $access, methods: &[ $( stringify!($method) ),+ ] } ),*
        ];

        /// Registers [`ROUTES`].
        pub fn register(cfg: &mut web::ServiceConfig) {
            $(
                let gate: Gate = $gate;
                let access: Access = $access;
                let mut res = web::resource($path)
                    .guard(fn_guard(move |ctx| gate_open(ctx, gate)));
                $(
                    let route = method_route(stringify!($method))
                        $( .guard(fn_guard($guard)) )?
                        .to($handler);
                    res = res.route(protect(access, $path, route));
                )+
                cfg.service(res.default_service(wrong_method(access, $allow)));
            )*
        }
    };
}

route_table! {
    "/v1/chat/completions", Access::Gateway, allow "POST", chat_completions_on => {
        POST => chat_completions::create,
    }
    "/v1/responses", Access::Gateway, allow "POST", responses_on => {
        POST => responses::create,
        GET if websocket_upgrade => responses_ws::upgrade,
    }
    "/v1/responses/compact", Access::Gateway, allow "POST", responses_on => {
        POST => responses::compact,
    }
    "/v1/responses/{id}", Access::Gateway, allow "GET", responses_on => {
        GET => responses::get,
    }
    "/tools/invoke", Access::Gateway, allow "POST", always => {
        POST => tools_invoke::invoke,
    }
    "/v1/embeddings", Access::Gateway, allow "POST", models_on => {
        POST => embeddings::create,
    }
    "/v1/models", Access::Gateway, allow "GET", models_on => {
        GET => models::list,
    }
    "/v1/models/{id:.*}", Access::Gateway, allow "GET", models_on => {
        GET => models::get,
    }
    "/v1/agent/run", Access::Gateway, allow "POST", always => {
        POST => agent_run::run_json,
    }
    "/v1/agent/run/stream", Access::Gateway, allow "POST", always => {
        POST => agent_run::run_stream,
    }
    "/status", Access::Gateway, allow "GET", always => {
        GET => agent_run::status,
    }
    "/api/v1/message", Access::ApiV1, allow "POST", always => {
        POST => api_v1::message::send,
    }
    "/api/v1/message/stream", Access::ApiV1, allow "POST", always => {
        POST => api_v1::message::stream,
    }
    "/api/v1/sessions", Access::ApiV1, allow "GET, POST", always => {
        GET => api_v1::sessions::list,
        POST => api_v1::sessions::create,
    }
    "/api/v1/sessions/{id}", Access::ApiV1, allow "DELETE", always => {
        DELETE => api_v1::sessions::delete,
    }
    "/api/v1/keys", Access::ApiV1, allow "GET, POST", always => {
        GET => api_v1::keys::list,
        POST => api_v1::keys::create,
    }
    "/api/v1/keys/{id}", Access::ApiV1, allow "DELETE", always => {
        DELETE => api_v1::keys::revoke,
    }
    "/api/v1/keys/{id}/rotate", Access::ApiV1, allow "POST", always => {
        POST => api_v1::keys::rotate,
    }
    "/api/v1/usage", Access::ApiV1, allow "GET", always => {
        GET => api_v1::keys::usage,
    }
    "/api/v1/audit", Access::ApiV1, allow "GET", always => {
        GET => api_v1::keys::audit,
    }
    "/api/v1/status", Access::ApiV1, allow "GET", always => {
        GET => api_v1::status::status,
    }
    "/api/v1/config/{path:.*}", Access::ApiV1, allow "GET", always => {
        GET => api_v1::config::get,
    }
    "/api/v1/skills", Access::ApiV1, allow "GET", always => {
        GET => api_v1::skills::list,
    }
    "/api/v1/skills/{name}/execute", Access::ApiV1, allow "POST", always => {
        POST => api_v1::skills::execute,
    }
    "/api/v1/memory/search", Access::ApiV1, allow "GET, POST", always => {
        GET => api_v1::memory::search,
        POST => api_v1::memory::search,
    }
    "/api/v1/memory", Access::ApiV1, allow "POST", always => {
        POST => api_v1::memory::add,
    }
    "/v1/sessions", Access::Rest, allow "GET", always => {
        GET => rest::sessions::list,
    }
    "/v1/sessions/{key}", Access::Rest, allow "GET, DELETE", always => {
        GET => rest::sessions::get,
        DELETE => rest::sessions::delete,
    }
    "/sessions/{key}/history", Access::Rest, allow "GET", always => {
        GET => rest::sessions::history,
    }
    "/sessions/{key}/kill", Access::Rest, allow "POST", always => {
        POST => rest::sessions::kill,
    }
    "/v1/channels", Access::Rest, allow "GET", always => {
        GET => rest::channels::list,
    }
    "/v1/channels/{id}/status", Access::Rest, allow "GET", always => {
        GET => rest::channels::status,
    }
    "/v1/channels/{id}/enable", Access::Rest, allow "POST", always => {
        POST => rest::channels::enable,
    }
    "/v1/channels/{id}/disable", Access::Rest, allow "POST", always => {
        POST => rest::channels::disable,
    }
    "/v1/browser/status", Access::Rest, allow "GET", always => {
        GET => super::browser::status,
    }
    "/v1/browser/navigate", Access::Rest, allow "POST", always => {
        POST => super::browser::navigate,
    }
    "/v1/browser/screenshot", Access::Rest, allow "POST", always => {
        POST => super::browser::screenshot,
    }
    "/v1/browser/act", Access::Rest, allow "POST", always => {
        POST => super::browser::act,
    }
    "/v1/browser/snapshot", Access::Rest, allow "GET", always => {
        GET => super::browser::snapshot,
    }
    "/metrics", Access::Scrape, allow "GET", always => {
        GET => super::metrics::scrape,
    }
    "/api/diagnostics/prometheus", Access::Scrape, allow "GET", always => {
        GET => super::metrics::scrape,
    }
    "/openapi.json", Access::Public("the API's description, no data"), allow "GET", always => {
        GET => super::openapi::serve,
    }
    "/channels/webhook/{account}", Access::Public(SIGNED_INBOUND), allow "POST", always => {
        POST => channels::webhook_inbound,
    }
    "/channels/slack/events", Access::Public(SIGNED_INBOUND), allow "POST", always => {
        POST => channels::slack_events,
    }
    "/channels/whatsapp/webhook", Access::Public(SIGNED_INBOUND), allow "GET, POST", always => {
        GET => channels_mobile::whatsapp_verify,
        POST => channels_mobile::whatsapp_deliver,
    }
    "/channels/imessage/webhook", Access::Public(SIGNED_INBOUND), allow "POST", always => {
        POST => channels_mobile::imessage_webhook,
    }
    "/health", Access::Public(PROBE), allow "GET, HEAD", always => {
        GET => probes::live,
        HEAD => probes::live,
    }
    "/healthz", Access::Public(PROBE), allow "GET, HEAD", always => {
        GET => probes::live,
        HEAD => probes::live,
    }
    "/ready", Access::Public(PROBE), allow "GET, HEAD", always => {
        GET => probes::ready,
        HEAD => probes::ready,
    }
    "/readyz", Access::Public(PROBE), allow "GET, HEAD", always => {
        GET => probes::ready,
        HEAD => probes::ready,
    }
}

/// Wraps a gateway route in its family's authentication (and, for a family that
/// `gateway.http.limits` can limit, the request limits, checked after authentication).
fn protect(access: Access, path: &str, route: actix_web::Route) -> actix_web::Route {
    let route = match crate::http::limits::family_of(path) {
        Some(family) => limited(access, family, route),
        None => route,
    };
    match access {
        Access::Public(_) => route,
        _ => route.wrap(from_fn(move |req: ServiceRequest, next: Next<BoxBody>| {
            require_auth(access, req, next)
        })),
    }
}

/// The 405 for a wrong method, in the route family's error shape.
fn wrong_method(access: Access, allow: &'static str) -> actix_web::Route {
    web::to(move || {
        let e = GatewayError::MethodNotAllowed { allow };
        std::future::ready(render(access, &e))
    })
}

/// The error response in the route family's shape.
pub(crate) fn render(access: Access, e: &GatewayError) -> HttpResponse {
    match access {
        Access::ApiV1 => e.render(api_v1::envelope(e)),
        Access::Rest => e.render(rest::body(e)),
        _ => e.render(e.body()),
    }
}

/// Wraps `route` in the request limits of `family`.
pub fn limited(access: Access, family: &'static str, route: actix_web::Route) -> actix_web::Route {
    route.wrap(from_fn(move |req: ServiceRequest, next: Next<BoxBody>| {
        rate_limit(access, family, req, next)
    }))
}

/// Applies the family's per-credential request limits (see [`crate::http::limits`]).
async fn rate_limit(
    access: Access,
    family: &'static str,
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await;
    };
    let Some(limits) = state.limits.family(family).copied() else {
        return next.call(req).await;
    };
    let declared = req
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let (Some(max), Some(len)) = (limits.max_body_bytes, declared) {
        if len > max {
            return Ok(req.into_response(render(access, &GatewayError::PayloadTooLarge)));
        }
    }
    let credential = req
        .extensions()
        .get::<Principal>()
        .map(|p| p.credential.to_string())
        .unwrap_or_default();
    let admitted = match state.limits.admit(family, &credential) {
        Err((e, headers)) => {
            let mut resp = render(access, &e);
            crate::http::limits::add_headers(resp.headers_mut(), headers);
            return Ok(req.into_response(resp));
        }
        Ok(admitted) => admitted,
    };
    let headers = admitted.headers;
    let http_req = req.request().clone();
    let res = match limits.timeout {
        None => next.call(req).await?,
        Some(t) => match tokio::time::timeout(t, next.call(req)).await {
            Ok(r) => r?,
            Err(_) => ServiceResponse::new(http_req, render(access, &GatewayError::RunTimeout)),
        },
    };
    let mut res = res.map_body(|_, body| admitted.hold(body));
    crate::http::limits::add_headers(res.headers_mut(), headers);
    Ok(res)
}

fn authenticate(req: &ServiceRequest) -> Result<Principal, GatewayError> {
    match req.app_data::<web::Data<AppState>>() {
        Some(state) => state.auth.authenticate(req.request()),
        None => Err(GatewayError::Internal("gateway state missing".into())),
    }
}

/// Whether a WebSocket upgrade's `Origin` is allowed (requests that are not upgrades pass).
fn upgrade_origin_allowed(req: &ServiceRequest) -> bool {
    let h = req.headers();
    let upgrade = h
        .get("upgrade")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if !upgrade {
        return true;
    }
    let text = |name: &str| h.get(name).and_then(|v| v.to_str().ok());
    let control_ui = req
        .app_data::<web::Data<AppState>>()
        .and_then(|s| s.config().control_ui.clone());
    crate::ws::origin::origin_allowed(text("origin"), text("host"), control_ui.as_ref())
}

/// Whether an unauthenticated scrape is allowed: switched on, the peer is loopback, and the
/// request was not forwarded by a proxy on this host (which would make everyone loopback).
fn loopback_scrape(req: &ServiceRequest) -> bool {
    let allowed = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.config().metrics_loopback_scrape);
    let h = req.headers();
    let forwarded = ["forwarded", "x-forwarded-for", "x-real-ip"]
        .iter()
        .any(|n| h.contains_key(*n));
    allowed && !forwarded && req.peer_addr().is_some_and(|a| a.ip().is_loopback())
}

/// Checks the gateway credential (lockout, constant-time compare, failure accounting) and
/// hands the handler a [`Principal`]; answers 401/429 in the route family's error shape
/// without running the handler.
pub async fn require_auth(
    access: Access,
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // A WebSocket upgrade (`GET /v1/responses`) from a browser page must come from an allowed
    // origin, checked before the credential so a hostile page learns nothing about it.
    if !upgrade_origin_allowed(&req) {
        let e = GatewayError::Forbidden(crate::ws::origin::ORIGIN_NOT_ALLOWED.into());
        return Ok(req.into_response(render(access, &e)));
    }
    if access == Access::Scrape && loopback_scrape(&req) {
        return next.call(req).await;
    }
    if let Some(key) = super::key_auth::presented_key(&req) {
        if let Some(state) = req.app_data::<web::Data<AppState>>().cloned() {
            return super::key_auth::authenticate(access, state, key, req, next).await;
        }
    }
    match authenticate(&req) {
        Ok(principal) => {
            req.extensions_mut().insert(principal);
            next.call(req).await
        }
        Err(e) => {
            let resp = render(access, &e);
            Ok(req.into_response(resp))
        }
    }
}

/// The authenticated caller of a gateway route.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Principal);

impl FromRequest for Authenticated {
    type Error = GatewayError;
    type Future = std::future::Ready<Result<Self, GatewayError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Routes in the table are authenticated by the middleware; anything else that asks
        // for a principal is authenticated here, so a handler can never run unauthenticated.
        let principal = match req.extensions().get::<Principal>() {
            Some(p) => Ok(p.clone()),
            None => match req.app_data::<web::Data<AppState>>() {
                Some(state) => state.auth.authenticate(req),
                None => Err(GatewayError::Internal("gateway state missing".into())),
            },
        };
        std::future::ready(principal.map(Authenticated))
    }
}
