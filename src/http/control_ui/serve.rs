//! The answer for one UI path: the page (`Cache-Control: no-cache`), a versioned asset
//! (`immutable`), or the slash redirect; gzip when the client accepts it, `304` for a matching
//! `If-None-Match`, and the page's Content-Security-Policy on every answer.

use super::{bundle, resolve, Asset, Target};
use crate::http::not_found;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

/// The Content-Security-Policy of the page: its own scripts, styles and sockets only.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self' data: blob:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; \
form-action 'none'; frame-ancestors 'none'";

fn accepts_gzip(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
}

fn not_modified(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| {
            let t = t.trim();
            t == "*" || t.trim_start_matches("W/") == etag
        })
}

fn respond(req: &HttpRequest, asset: &Asset, cache: &'static str) -> HttpResponse {
    let mut res = if not_modified(req, &asset.etag) {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, asset.etag.clone()))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"));
    if not_modified(req, &asset.etag) {
        return res.finish();
    }
    res.insert_header((header::CONTENT_TYPE, asset.content_type));
    match (&asset.gzip, accepts_gzip(req)) {
        (Some(gz), true) => res
            .insert_header((header::CONTENT_ENCODING, "gzip"))
            .body(gz.clone()),
        _ => res.body(asset.body.clone()),
    }
}

/// Serves a UI path (the route's guard already checked that it is one).
pub async fn serve(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let cfg = state.config();
    match resolve(&cfg.control_ui_base_path, req.path()) {
        Some(Target::Index) => {
            respond(&req, &bundle().index(&cfg.control_ui_base_path), "no-cache")
        }
        Some(Target::Asset(a)) => respond(&req, a, "public, max-age=31536000, immutable"),
        Some(Target::AddSlash) => {
            let last = cfg.control_ui_base_path.rsplit('/').next().unwrap_or("");
            HttpResponse::PermanentRedirect()
                .insert_header((header::LOCATION, format!("{last}/")))
                .finish()
        }
        None => match not_found().await {
            Ok(r) => r,
            Err(e) => actix_web::ResponseError::error_response(&e),
        },
    }
}
