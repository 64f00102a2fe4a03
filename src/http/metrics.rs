//! `GET /metrics` and OpenClaw's `GET /api/diagnostics/prometheus`: the Prometheus text
//! format (authenticated like every gateway route), and the middleware that counts requests by
//! route family and status.

use crate::http::routes::Authenticated;
use crate::state::AppState;
use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};

/// `GET /metrics`.
pub async fn scrape(_auth: Authenticated, state: web::Data<AppState>) -> HttpResponse {
    let stats = state.app.stats().await;
    let m = &state.metrics;
    m.live_sessions.set(stats.live_sessions as i64);
    m.active_runs.set(stats.active_runs as i64);
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
    if let Some(m) = metrics {
        m.http_requests
            .with_label_values(&[family, res.status().as_str()])
            .inc();
    }
    Ok(res)
}
