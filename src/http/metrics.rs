//! `GET /metrics` and OpenClaw's `GET /api/diagnostics/prometheus`: the Prometheus text
//! format (authenticated like every gateway route, unless
//! `gateway.metrics.allowUnauthenticatedLoopback` lets a loopback peer scrape without the
//! token: the route's `Access::Scrape` middleware decides), and the middleware that counts requests by
//! route family and status.

use crate::state::AppState;
use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};

/// `GET /metrics` (the route's middleware has already admitted the caller).
pub async fn scrape(state: web::Data<AppState>) -> HttpResponse {
    let stats = state.app.stats().await;
    let m = &state.metrics;
    m.live_sessions.set(stats.live_sessions as i64);
    m.active_runs.set(stats.active_runs as i64);
    let clients = state
        .ws
        .hub
        .send(crate::actors::ws_hub::ClientCount)
        .await
        .unwrap_or(0);
    m.ws_clients.set(clients as i64);
    let accounts = state.app.channel_accounts().await;
    m.channel_states(
        accounts
            .iter()
            .map(|a| (a.channel, a.account_id.as_str(), a.state.as_str())),
    );
    HttpResponse::Ok()
        .insert_header(("content-type", "text/plain; version=0.0.4; charset=utf-8"))
        .body(m.render())
}

/// Counts every request by route family and status (installed on the whole app).
pub async fn count(
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let family = crate::metrics::family(req.path());
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.metrics.clone());
    let res = next.call(req).await?;
    let Some(m) = metrics else {
        return Ok(res);
    };
    m.http_requests
        .with_label_values(&[family, res.status().as_str()])
        .inc();
    let streaming = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    if !streaming {
        return Ok(res);
    }
    // An SSE response counts as a live stream until its body is dropped.
    let guard = crate::metrics::StreamGuard::new(&m.sse_streams);
    Ok(res.map_body(|_, body| {
        BoxBody::new(Guarded {
            body,
            _guard: guard,
        })
    }))
}

/// A response body that holds a [`crate::metrics::StreamGuard`] while it streams.
struct Guarded {
    body: BoxBody,
    _guard: crate::metrics::StreamGuard,
}

impl actix_web::body::MessageBody for Guarded {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> actix_web::body::BodySize {
        self.body.size()
    }

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<bytes::Bytes, Self::Error>>> {
        std::pin::Pin::new(&mut self.body).poll_next(cx)
    }
}
