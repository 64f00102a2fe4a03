//! Channel ingress over HTTP: `POST /channels/webhook/{account}` (the generic webhook channel)
//! and `POST /channels/slack/events` (Slack Events API; the signing secret that verifies the
//! request picks the account).
//! These endpoints do not use gateway auth: each checks its own channel secret in constant
//! time, then hands the normalised message to the channel registry and answers once it is in
//! the durable inbox (503 if it could not be stored; the reply is delivered asynchronously
//! through the channel).

use crate::actors::channels::slack::SlackEvent;
use crate::actors::channels::Inbound;
use crate::channels::slack;
use crate::channels::webhook::{authenticate, InboundBody, SIGNATURE_HEADER};
use crate::config::ChannelKind;
use crate::error::GatewayError;
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

fn bad(message: impl Into<String>) -> GatewayError {
    GatewayError::BadRequest {
        message: message.into(),
        param: None,
        code: None,
    }
}

/// The registry's answer to an inbound message: `Ok` once it is in the durable inbox; else
/// 503, so the platform delivers it again.
pub(super) fn persisted(
    answer: Result<Result<(), String>, actix::MailboxError>,
) -> Result<(), GatewayError> {
    match answer {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(GatewayError::Unavailable(e)),
        Err(e) => Err(GatewayError::Unavailable(format!("channels: {e}"))),
    }
}

/// `POST /channels/webhook/{account}`.
pub async fn webhook_inbound(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, GatewayError> {
    let id = path.into_inner().to_ascii_lowercase();
    let config = state.config();
    let account = config
        .channels
        .account(ChannelKind::Webhook, &id)
        .filter(|a| a.configured && a.enabled)
        .ok_or_else(|| GatewayError::NotFound(format!("unknown webhook account: {id}")))?;
    let secret = account
        .secret
        .as_ref()
        .map(|s| s.expose())
        .unwrap_or_default();
    if !authenticate(
        secret,
        header(&req, "authorization"),
        header(&req, SIGNATURE_HEADER),
        &body,
    ) {
        return Err(GatewayError::Unauthorized);
    }
    let parsed: InboundBody =
        serde_json::from_slice(&body).map_err(|e| bad(format!("invalid body: {e}")))?;
    let msg = parsed.into_message(&account.id).map_err(bad)?;
    persisted(state.channels.send(Inbound { msg }).await)?;
    Ok(HttpResponse::Accepted().json(json!({"ok": true, "accepted": true})))
}

/// `POST /channels/slack/events`: signature check (`v0:<ts>:<body>`), `url_verification`
/// challenge, events handed to the registry; answered once the message is stored (Slack
/// wants < 3 s).
pub async fn slack_events(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, GatewayError> {
    let now = chrono::Utc::now().timestamp();
    let (ts, sig) = (
        header(&req, slack::TIMESTAMP_HEADER),
        header(&req, slack::SIGNATURE_HEADER),
    );
    let config = state.config();
    let account = config
        .channels
        .of_kind(ChannelKind::Slack)
        .filter(|a| a.configured && a.enabled && a.unsupported.is_none())
        .find(|a| {
            let secret = a
                .signing_secret
                .as_ref()
                .map(|s| s.expose())
                .unwrap_or_default();
            !secret.is_empty() && slack::verify(secret, ts, sig, &body, now).is_ok()
        })
        .ok_or(GatewayError::Unauthorized)?;
    super::body::value_budget(&body).map_err(|e| bad(format!("invalid body: {e}")))?;
    let v: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| bad(format!("invalid body: {e}")))?;
    match slack::parse(&v) {
        slack::Payload::UrlVerification { challenge } => {
            Ok(HttpResponse::Ok().json(json!({ "challenge": challenge })))
        }
        slack::Payload::Event(event) => {
            persisted(
                state
                    .channels
                    .send(SlackEvent {
                        account: account.id.clone(),
                        event,
                    })
                    .await,
            )?;
            Ok(HttpResponse::Ok().json(json!({"ok": true})))
        }
        slack::Payload::Other => Ok(HttpResponse::Ok().json(json!({"ok": true}))),
    }
}
