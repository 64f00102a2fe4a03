//! Channel ingress for the phone messengers: WhatsApp Cloud API webhooks
//! (`GET /channels/whatsapp/webhook`, the subscription handshake; `POST`, signed deliveries)
//! and BlueBubbles webhooks for iMessage (`POST /channels/imessage/webhook`).
//! No gateway auth: the WhatsApp handshake needs the account's `verifyToken` (else 403),
//! deliveries an `X-Hub-Signature-256` under its `appSecret` (else 401); BlueBubbles webhooks
//! need the server password (`?password=` or `X-Password`, else 401). Verified messages go to
//! the channel registry; the answer comes once they are in the durable inbox (503 otherwise,
//! so the platform retries).

use crate::actors::channels::whatsapp::WhatsAppDelivery;
use crate::actors::channels::Inbound;
use crate::channels::{bluebubbles, whatsapp};
use crate::config::ChannelKind;
use crate::error::GatewayError;
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

type Query = web::Query<HashMap<String, String>>;

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

/// `GET /channels/whatsapp/webhook?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`:
/// the challenge as plain text when an account's `verifyToken` matches, else 403.
pub async fn whatsapp_verify(
    q: Query,
    state: web::Data<AppState>,
) -> Result<HttpResponse, GatewayError> {
    let config = state.config();
    let get = |k: &str| q.get(k).map(String::as_str);
    let challenge = config
        .channels
        .of_kind(ChannelKind::WhatsApp)
        .filter(|a| a.configured && a.enabled)
        .find_map(|a| {
            let token = a.secret.as_ref().map(|s| s.expose()).unwrap_or_default();
            whatsapp::verify_challenge(
                get("hub.mode"),
                get("hub.verify_token"),
                get("hub.challenge"),
                token,
            )
        });
    match challenge {
        Some(c) => Ok(HttpResponse::Ok()
            .content_type("text/plain")
            .body(c.to_string())),
        None => Err(GatewayError::Forbidden(
            "verification token mismatch".into(),
        )),
    }
}

/// `POST /channels/whatsapp/webhook`: a signed Graph API delivery; messages go to the account
/// whose `phoneNumberId` they were sent to (among those whose `appSecret` signs the body).
pub async fn whatsapp_deliver(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, GatewayError> {
    let config = state.config();
    let sig = header(&req, whatsapp::SIGNATURE_HEADER);
    let signed: Vec<_> = config
        .channels
        .of_kind(ChannelKind::WhatsApp)
        .filter(|a| a.configured && a.enabled)
        .filter(|a| {
            let secret = a
                .signing_secret
                .as_ref()
                .map(|s| s.expose())
                .unwrap_or_default();
            whatsapp::verify_signature(secret, sig, &body)
        })
        .collect();
    let Some(first) = signed.first() else {
        return Err(GatewayError::Unauthorized);
    };
    super::body::value_budget(&body).map_err(|e| bad(format!("invalid body: {e}")))?;
    let v: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| bad(format!("invalid body: {e}")))?;
    let mut by_account: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for d in whatsapp::parse_delivery(&v) {
        let acct = signed
            .iter()
            .find(|a| a.phone.as_deref() == Some(d.phone_number_id.as_str()))
            .unwrap_or(first);
        by_account.entry(acct.id.clone()).or_default().push(d.msg);
    }
    for (account, messages) in by_account {
        super::channels::persisted(
            state
                .channels
                .send(WhatsAppDelivery { account, messages })
                .await,
        )?;
    }
    Ok(HttpResponse::Ok().json(json!({"ok": true})))
}

/// `POST /channels/imessage/webhook?password=…`: a BlueBubbles event; `new-message` events from
/// others become inbound messages of the account whose password the request carries.
pub async fn imessage_webhook(
    req: HttpRequest,
    q: Query,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, GatewayError> {
    let config = state.config();
    let given = q.get("password").map(String::as_str);
    let account = config
        .channels
        .of_kind(ChannelKind::IMessage)
        .filter(|a| a.configured && a.enabled)
        .find(|a| {
            let pw = a.token.as_ref().map(|s| s.expose()).unwrap_or_default();
            bluebubbles::authenticate(pw, given, header(&req, bluebubbles::PASSWORD_HEADER))
        })
        .ok_or(GatewayError::Unauthorized)?;
    super::body::value_budget(&body).map_err(|e| bad(format!("invalid body: {e}")))?;
    let v: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| bad(format!("invalid body: {e}")))?;
    if let Some(mut msg) = bluebubbles::parse_webhook(&v, account.name.as_deref()) {
        msg.account = account.id.clone();
        super::channels::persisted(state.channels.send(Inbound { msg }).await)?;
    }
    Ok(HttpResponse::Ok().json(json!({"ok": true})))
}
