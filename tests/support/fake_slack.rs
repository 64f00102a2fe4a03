//! A local fake of the Slack Web API for connector tests: `auth.test` answers as a bot user and
//! `chat.postMessage` accepts any message (each request is recorded by [`FakeHttp`]).

use crate::fake_http::FakeHttp;
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
