//! The bodies of `/v1/browser/*` for `/openapi.json` (see `docs/browser.md`); the handlers
//! build the same JSON, these types only describe it.

#![allow(dead_code)]

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `GET /v1/browser/status`.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BrowserStatus {
    /// `browser.enabled`.
    pub enabled: bool,
    /// Any profile's browser is running.
    pub running: bool,
    /// Headless mode.
    pub headless: bool,
    /// The Chromium binary, if found.
    pub executable_path: Option<String>,
    /// `browser.evaluateEnabled`.
    pub evaluate_enabled: bool,
    /// Browser version of a running profile.
    pub version: Option<String>,
    /// Each profile: `{profile, running, pid, version, tabs, blockedRequests}`.
    pub profiles: Vec<Value>,
}

/// `POST /v1/browser/navigate` request.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BrowserNavigate {
    /// `http(s)` URL.
    pub url: String,
    /// Profile (default `default`).
    pub profile: Option<String>,
    /// Tab (default: the current one).
    pub tab_id: Option<String>,
}

/// `POST /v1/browser/navigate` answer.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BrowserNavigated {
    /// Always `true`.
    pub success: bool,
    /// The loaded URL.
    pub url: String,
    /// The page title.
    pub title: String,
    /// The tab.
    pub tab_id: String,
}

/// `POST /v1/browser/screenshot` request.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BrowserScreenshot {
    /// CSS selector of the element to capture.
    pub selector: Option<String>,
    /// Snapshot ref of the element to capture.
    #[serde(rename = "ref")]
    pub element_ref: Option<String>,
    /// The whole page.
    pub full_page: Option<bool>,
    /// `png` (default) or `jpeg`.
    #[serde(rename = "type")]
    pub image_type: Option<String>,
    /// `base64`: answer JSON instead of the image bytes.
    pub format: Option<String>,
    /// Profile.
    pub profile: Option<String>,
    /// Tab.
    pub tab_id: Option<String>,
}

/// `POST /v1/browser/screenshot` answer as JSON (`Accept: application/json`); otherwise the
/// image bytes with their content type.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BrowserShot {
    /// `image/png` or `image/jpeg`.
    pub mime_type: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Base64 image.
    pub data: String,
    /// The tab.
    pub tab_id: String,
}

/// `POST /v1/browser/act` request.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BrowserAct {
    /// `click`, `type`, `press`, `hover`, `select`, `fill`, `scrollIntoView`, `wait`,
    /// `resize`, `evaluate`, `close`.
    pub kind: String,
    /// Snapshot ref.
    #[serde(rename = "ref")]
    pub element_ref: Option<String>,
    /// CSS selector.
    pub selector: Option<String>,
    /// Text to type / wait for.
    pub text: Option<String>,
    /// Key to press.
    pub key: Option<String>,
    /// Options to select.
    pub values: Option<Vec<String>>,
    /// Fields to fill: `[{ref|selector, value}]`.
    pub fields: Option<Vec<Value>>,
    /// Profile.
    pub profile: Option<String>,
    /// Tab.
    pub tab_id: Option<String>,
}

/// `POST /v1/browser/act` answer.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BrowserActed {
    /// Always `true`.
    pub ok: bool,
    /// The kind done.
    pub kind: String,
    /// The tab.
    pub tab_id: String,
    /// URL after the action.
    pub url: Option<String>,
    /// Title after the action.
    pub title: Option<String>,
}

/// `GET /v1/browser/snapshot` answer.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BrowserSnapshot {
    /// One line per element; interactive ones carry `[ref=eN]`.
    pub snapshot: String,
    /// Number of refs.
    pub refs: u64,
    /// The outline was cut at `maxChars`.
    pub truncated: bool,
    /// Page URL.
    pub url: String,
    /// Page title.
    pub title: String,
    /// The tab.
    pub tab_id: String,
}
