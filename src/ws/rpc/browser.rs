//! Browser methods: `browser.status` (`operator.read`), `browser.navigate {url, profile?,
//! tabId?}`, `browser.screenshot {selector?, ref?, fullPage?, type?, profile?, tabId?}` (the
//! image as base64 `data` with its `mimeType`), `browser.snapshot`, `browser.act {kind, …}`
//! (`operator.write`). Seed 003 lists `browser.screenshot {selector, fullPage}`; the simple
//! dialect reaches these by the same names. Adapters over `App::browser_*`.

use super::Call;
use base64::Engine as _;
use serde_json::json;

/// `browser.status`.
pub async fn status(call: Call) {
    let v = call.app.app.browser_status().await;
    call.reply.ok(v)
}

async fn run(call: Call, action: &str) {
    let profile = call.str_param("profile").map(str::to_string);
    let params = call.params.clone();
    match call
        .app
        .app
        .browser_run(profile.as_deref(), action, params)
        .await
    {
        Ok(out) => {
            let mut v = out.json;
            if let Some((bytes, _)) = out.file {
                v["data"] = json!(base64::engine::general_purpose::STANDARD.encode(&bytes));
            }
            call.reply.ok(v)
        }
        Err(e) => call.reply.err(e.into()),
    }
}

/// `browser.navigate`.
pub async fn navigate(call: Call) {
    run(call, "navigate").await
}

/// `browser.screenshot`.
pub async fn screenshot(call: Call) {
    run(call, "screenshot").await
}

/// `browser.snapshot`.
pub async fn snapshot(call: Call) {
    run(call, "snapshot").await
}

/// `browser.act`.
pub async fn act(call: Call) {
    run(call, "act").await
}
