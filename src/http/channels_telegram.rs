//! Telegram webhook mode ingress: `POST <webhookPath>` (default `/telegram-webhook`) for
//! accounts configured with `webhookUrl`. Not behind gateway auth: the request must carry the
//! account's `webhookSecret` in `X-Telegram-Bot-Api-Secret-Token` (compared in constant time;
//! wrong or missing → 401). The update is handed to the channel registry and answered at once,
//! as Telegram expects; the reply goes out through the Bot API.

use crate::actors::channels::telegram::TelegramUpdate;
use crate::channels::telegram::{self as wire, Update};
use crate::config::{ChannelKind, Config, Ingress};
use crate::error::GatewayError;
use crate::state::AppState;
use actix_web::guard::GuardContext;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

/// Webhook-mode Telegram accounts (enabled, configured) served on `path`, with their secrets.
fn accounts_on<'a>(config: &'a Config, path: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> {
    config
        .channels
        .of_kind(ChannelKind::Telegram)
        .filter(|a| a.configured && a.enabled)
        .filter_map(move |a| match &a.ingress {
            Ingress::TelegramWebhook {
                path: p, secret, ..
            } if p == path => Some((a.id.as_str(), secret.expose())),
            _ => None,
        })
}

/// Route guard: the request's path is a configured Telegram `webhookPath`.
pub fn is_webhook_path(ctx: &GuardContext<'_>) -> bool {
    let path = ctx.head().uri.path().trim_end_matches('/');
    ctx.app_data::<web::Data<AppState>>()
        .is_some_and(|s| accounts_on(&s.config(), path).next().is_some())
}

/// `POST <webhookPath>`: secret check, then the update goes to the registry.
pub async fn webhook(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, GatewayError> {
    if req.method() != actix_web::http::Method::POST {
        return Err(GatewayError::MethodNotAllowed { allow: "POST" });
    }
    let header = req
        .headers()
        .get(wire::SECRET_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok());
    let config = state.config();
    let path = req.path().trim_end_matches('/');
    // Every candidate is compared, so the time taken does not say which secret came close.
    let mut account = None;
    for (id, secret) in accounts_on(&config, path) {
        if wire::webhook_secret_ok(header, secret) && account.is_none() {
            account = Some(id.to_string());
        }
    }
    let account = account.ok_or(GatewayError::Unauthorized)?;
    let update: Update = serde_json::from_slice(&body).map_err(|e| GatewayError::BadRequest {
        message: format!("invalid update: {e}"),
        param: None,
        code: None,
    })?;
    // Acknowledged only once the message is stored: otherwise Telegram delivers it again.
    match state
        .channels
        .send(TelegramUpdate { account, update })
        .await
    {
        Ok(Ok(())) => Ok(HttpResponse::Ok().json(json!({"ok": true}))),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "telegram webhook update not stored");
            Ok(HttpResponse::ServiceUnavailable().json(json!({"ok": false})))
        }
        Err(_) => Ok(HttpResponse::ServiceUnavailable().json(json!({"ok": false}))),
    }
}
