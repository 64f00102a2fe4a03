//! A local fake of the WhatsApp Business Cloud API (Graph API) for connector tests: the phone
//! number object, `POST /{phone-number-id}/messages` (messages and read receipts) and
//! `POST /{phone-number-id}/media` (multipart upload), each recorded by [`FakeHttp`]; plus the
//! signing of webhook deliveries the way Meta signs them.

use crate::fake_http::{FakeHttp, Fault};
use clawgate::channels::hmac::{hex, hmac_sha256};
use serde_json::{json, Value};

pub const PHONE_NUMBER_ID: &str = "106540352242922";
pub const DISPLAY_NUMBER: &str = "15550001111";
pub const ACCESS_TOKEN: &str = "EAAG-test-access-token";
pub const APP_SECRET: &str = "whatsapp-app-secret";
pub const VERIFY_TOKEN: &str = "whatsapp-verify-token";
pub const VERSION: &str = "v21.0";

/// The id of the inbound image the fake serves (`GET /{version}/{id}` → its URL).
pub const INBOUND_IMAGE_ID: &str = "1503";
/// Its bytes (a PNG header and payload).
pub const INBOUND_IMAGE: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRwhatsapp-pixels";

fn media_bytes(id: &str) -> Option<&'static [u8]> {
    (id == INBOUND_IMAGE_ID).then_some(INBOUND_IMAGE)
}

/// Starts the fake; point a WhatsApp account's `apiBaseUrl` at its base URL.
pub async fn start() -> FakeHttp {
    FakeHttp::start(|path, body| {
        let root = format!("/{VERSION}/{PHONE_NUMBER_ID}");
        if path == root {
            (
                200,
                json!({"display_phone_number": DISPLAY_NUMBER, "verified_name": "Claw",
                       "id": PHONE_NUMBER_ID}),
            )
        } else if path == format!("{root}/messages") {
            if body["status"] == "read" {
                (200, json!({"success": true}))
            } else {
                (
                    200,
                    json!({"messaging_product": "whatsapp",
                           "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                           "messages": [{"id": "wamid.OUT1"}]}),
                )
            }
        } else if let Some(id) = path.strip_prefix(&format!("/{VERSION}/")).filter(|id| media_bytes(id).is_some()) {
            // The media object of an inbound file: its download URL on this server.
            (
                200,
                json!({"messaging_product": "whatsapp", "id": id, "mime_type": "image/png",
                       "url": format!("{}/download/{id}?hash=x", crate::fake_http::SELF_URL)}),
            )
        } else if let Some(bytes) = path.strip_prefix("/download/").and_then(media_bytes) {
            use base64::Engine as _;
            (
                200,
                json!({crate::fake_http::RAW: base64::engine::general_purpose::STANDARD.encode(bytes),
                       "__content_type": "image/png"}),
            )
        } else if path == format!("{root}/media") {
            (200, json!({"id": "4490709327384033"}))
        } else {
            (
                400,
                json!({"error": {"message": "Unsupported request", "type": "GraphMethodException", "code": 100}}),
            )
        }
    })
    .await
}

/// The `channels.whatsapp` section for a fake at `url` (`extra` is spliced in).
pub fn config(url: &str, extra: &str) -> String {
    format!(
        r#"whatsapp: {{ accessToken: "{ACCESS_TOKEN}", phoneNumberId: "{PHONE_NUMBER_ID}",
            appSecret: "{APP_SECRET}", verifyToken: "{VERIFY_TOKEN}", apiBaseUrl: "{url}",
            apiVersion: "{VERSION}", {extra} }}"#
    )
}

/// `sha256=<hex>` of `body` under `secret`, as in `X-Hub-Signature-256`.
pub fn sign(secret: &str, body: &str) -> String {
    format!(
        "sha256={}",
        hex(&hmac_sha256(secret.as_bytes(), body.as_bytes()))
    )
}

/// A webhook delivery carrying `messages` (Cloud API message objects) from `from`.
pub fn delivery(from: &str, name: &str, messages: Value) -> Value {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
        "field": "messages", "value": {"messaging_product": "whatsapp",
        "metadata": {"display_phone_number": DISPLAY_NUMBER, "phone_number_id": PHONE_NUMBER_ID},
        "contacts": [{"profile": {"name": name}, "wa_id": from}],
        "messages": messages}}]}]})
}

/// One text message object.
pub fn text(from: &str, id: &str, body: &str) -> Value {
    json!({"from": from, "id": id, "timestamp": "1700000000", "type": "text", "text": {"body": body}})
}

/// Cloud API throughput limit: HTTP 429, error code 130429.
pub fn rate_limited() -> Fault {
    Fault::status(
        429,
        json!({"error": {"message": "(#130429) Rate limit hit", "type": "OAuthException", "code": 130429}}),
    )
}

/// A Graph 5xx.
pub fn server_error() -> Fault {
    Fault::status(
        500,
        json!({"error": {"message": "An unknown error occurred", "type": "OAuthException", "code": 1}}),
    )
}

/// A permanent refusal (recipient not allowed).
pub fn bad_request() -> Fault {
    Fault::status(
        400,
        json!({"error": {"message": "(#131030) Recipient phone number not in allowed list", "type": "OAuthException", "code": 131030}}),
    )
}
