//! A local fake of the Slack Web API for connector tests: `auth.test` answers as a bot user and
//! `chat.postMessage` accepts any message (each request is recorded by [`FakeHttp`]); the
//! faults below script Slack's own failure answers for [`FakeHttp::fail_next`].

use crate::fake_http::{FakeHttp, Fault};
use serde_json::json;

/// Starts the fake; point a Slack account's `apiRoot` at its base URL.
pub async fn start() -> FakeHttp {
    FakeHttp::start(|path, body| {
        if path.ends_with("/auth.test") {
            (
                200,
                json!({"ok": true, "user_id": "UBOT", "user": "clawbot", "team": "T1"}),
            )
        } else if path.ends_with("/chat.postMessage") {
            (
                200,
                json!({"ok": true, "channel": body["channel"], "ts": "1700000000.000100"}),
            )
        } else {
            (404, json!({"ok": false, "error": "unknown_method"}))
        }
    })
    .await
}

/// Slack's rate limit: HTTP 429 with `Retry-After` (seconds).
#[allow(dead_code)]
pub fn rate_limited(secs: u64) -> Fault {
    Fault::Answer(
        429,
        json!({"ok": false, "error": "ratelimited"}),
        vec![("retry-after", secs.to_string())],
    )
}

/// A Web API 5xx.
#[allow(dead_code)]
pub fn server_error() -> Fault {
    Fault::status(500, json!({"ok": false, "error": "internal_error"}))
}

/// A permanent refusal (`channel_not_found`).
#[allow(dead_code)]
pub fn channel_not_found() -> Fault {
    Fault::status(404, json!({"ok": false, "error": "channel_not_found"}))
}
