//! The on-disk shape of `tools.web` (OpenClaw's key names): `search` is read by clawgate's
//! `web_search`; `fetch` and the blocks of providers clawgate does not implement are accepted
//! so an OpenClaw config loads, and not interpreted. Validated by `config/web.rs`.

use serde::Deserialize;
use serde_json::Value;

/// `tools.web`
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawWebTools {
    /// `web_search` settings.
    pub search: Option<RawWebSearch>,
    /// `web_fetch` settings; accepted for OpenClaw compatibility, not interpreted (its limits are
    /// fixed).
    pub fetch: Option<Value>,
}

/// `tools.web.search`
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawWebSearch {
    /// `false` switches the tool off even when a key is set.
    pub enabled: Option<bool>,
    /// `brave` (default) or `searxng`.
    pub provider: Option<String>,
    /// Brave's subscription token (else the `BRAVE_API_KEY` environment variable); for SearXNG
    /// an optional bearer token.
    pub api_key: Option<String>,
    /// The provider's base URL (required for `searxng`; Brave's default is its public API).
    pub base_url: Option<String>,
    /// Results when the call gives no `count` (default 5, at most 10).
    pub max_results: Option<u64>,
    /// Deadline for one search request (default 30).
    pub timeout_seconds: Option<u64>,
    /// How long results are cached (default 15; 0 = no cache).
    pub cache_ttl_minutes: Option<u64>,
    /// OpenClaw's Perplexity settings; accepted, not implemented.
    pub perplexity: Option<Value>,
    /// OpenClaw's Gemini settings; accepted, not implemented.
    pub gemini: Option<Value>,
    /// OpenClaw's Grok settings; accepted, not implemented.
    pub grok: Option<Value>,
    /// OpenClaw's Kimi settings; accepted, not implemented.
    pub kimi: Option<Value>,
}
