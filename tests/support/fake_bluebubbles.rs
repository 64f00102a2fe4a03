//! A local fake of a BlueBubbles server's REST API (`/api/v1/ping`, `/api/v1/message/text`,
//! `/api/v1/message/attachment`, `/api/v1/attachment/{guid}/download` for
//! [`ATTACHMENT_GUID`]), answering in BlueBubbles' `{status, message, data}` shape;
//! every request (with its `?password=` query) is recorded by [`FakeHttp`].

use crate::fake_http::{FakeHttp, Fault};
use base64::Engine as _;
use serde_json::json;

pub const PASSWORD: &str = "bluebubbles-server-password";
/// The guid of the one attachment the fake serves (`GET /api/v1/attachment/{guid}/download`).
pub const ATTACHMENT_GUID: &str = "at_0_5C1D7E2A-PHOTO";
/// Its bytes (a PNG header and payload).
pub const ATTACHMENT_PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRimessage-photo-pixels";

/// Starts the fake; point an iMessage account's `serverUrl` at its base URL.
pub async fn start() -> FakeHttp {
    FakeHttp::start(|path, body| match path {
        "/api/v1/ping" => (200, json!({"status": 200, "message": "Ping received!", "data": "pong"})),
        p if p == format!("/api/v1/attachment/{ATTACHMENT_GUID}/download") => (
            200,
            json!({crate::fake_http::RAW: base64::engine::general_purpose::STANDARD.encode(ATTACHMENT_PNG),
                   "__content_type": "image/png"}),
        ),
        "/api/v1/message/text" | "/api/v1/message/attachment" => (
            200,
            json!({"status": 200, "message": "Message sent!",
                   "data": {"guid": "p:0/5C1D7E2A-OUT", "tempGuid": body["tempGuid"], "isFromMe": true}}),
        ),
        _ => (
            404,
            json!({"status": 404, "message": "Not Found", "error": {"type": "Not Found", "message": "Route not found"}}),
        ),
    })
    .await
}

/// A 429 from the server (or the proxy in front of it).
pub fn rate_limited() -> Fault {
    Fault::status(429, json!({"status": 429, "message": "Too Many Requests"}))
}

/// A server error.
pub fn server_error() -> Fault {
    Fault::status(
        500,
        json!({"status": 500, "message": "Internal Server Error"}),
    )
}

/// A permanent refusal.
pub fn bad_request() -> Fault {
    Fault::status(
        400,
        json!({"status": 400, "message": "Bad Request",
               "error": {"type": "Validation Error", "message": "Chat does not exist"}}),
    )
}
