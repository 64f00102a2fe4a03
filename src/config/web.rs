//! Validated `tools.web.search` ([`WebSearchConfig`]): which search API `web_search` calls,
//! with what key, and its limits.
//!
//! The search is off unless configured: no `tools.web.search` block and no `BRAVE_API_KEY`
//! leaves `Config::web_search` at `None`. The base URL is operator configuration, not model
//! input, so it may point anywhere (a SearXNG on the LAN, a local test server); the SSRF guard
//! applies to URLs the model supplies, not to this one.

use super::raw_web::RawWebSearch;
use super::Secret;
use std::time::Duration;

/// Brave Search's API root.
pub const BRAVE_BASE_URL: &str = "https://api.search.brave.com";
/// Results per search when neither the call nor the config says.
pub const DEFAULT_MAX_RESULTS: usize = 5;
/// The most results a search returns.
pub const MAX_RESULTS_CAP: usize = 10;
/// Default deadline for one search.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default cache lifetime.
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(15 * 60);

/// Search providers OpenClaw knows that clawgate does not implement: a config naming one loads,
/// with search off and a warning.
const OTHER_OPENCLAW_PROVIDERS: &[&str] = &["perplexity", "gemini", "grok", "kimi", "tavily"];

/// A search API `web_search` can call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchProvider {
    /// Brave Search API (`GET /res/v1/web/search`, `X-Subscription-Token`).
    Brave,
    /// A SearXNG instance (`GET /search?format=json`).
    Searxng,
}

impl SearchProvider {
    /// The config and result name.
    pub fn as_str(self) -> &'static str {
        match self {
            SearchProvider::Brave => "brave",
            SearchProvider::Searxng => "searxng",
        }
    }
}

/// `tools.web.search`, validated.
#[derive(Debug, Clone)]
pub struct WebSearchConfig {
    /// The API called.
    pub provider: SearchProvider,
    /// Brave's subscription token, or SearXNG's optional bearer token. Never logged or returned.
    pub api_key: Option<Secret>,
    /// API root without a trailing `/`.
    pub base_url: String,
    /// Results when the call gives no `count` (1..=10).
    pub max_results: usize,
    /// Deadline for one search request.
    pub timeout: Duration,
    /// Cache lifetime (zero = no cache).
    pub cache_ttl: Duration,
}

/// Builds the search config from `tools.web.search` and the `BRAVE_API_KEY` value: `Ok(None)`
/// when search is off (switched off, Brave without a key, or a provider of OpenClaw's
/// that clawgate does not implement); `Err((key, message))` for a
/// setting that cannot work.
pub(super) fn search(
    raw: Option<&RawWebSearch>,
    brave_env_key: Option<String>,
) -> Result<Option<WebSearchConfig>, (String, String)> {
    let none = RawWebSearch::default();
    let r = raw.unwrap_or(&none);
    let key = |k: &str| format!("tools.web.search.{k}");
    if r.enabled == Some(false) {
        return Ok(None);
    }
    let provider = match r.provider.as_deref().map(|p| p.trim().to_ascii_lowercase()) {
        None => SearchProvider::Brave,
        Some(p) if p.is_empty() || p == "brave" => SearchProvider::Brave,
        Some(p) if p == "searxng" => SearchProvider::Searxng,
        Some(p) if OTHER_OPENCLAW_PROVIDERS.contains(&p.as_str()) => {
            // An OpenClaw config must still load; search stays off.
            tracing::warn!(
                provider = %p,
                "tools.web.search: this provider is not implemented by clawgate (brave, \
                 searxng); web_search is off"
            );
            return Ok(None);
        }
        Some(p) => {
            return Err((
                key("provider"),
                format!("search provider `{p}` is not supported by clawgate (brave, searxng)"),
            ))
        }
    };
    let api_key = r
        .api_key
        .clone()
        .filter(|k| !k.trim().is_empty())
        .or(match provider {
            SearchProvider::Brave => brave_env_key.filter(|k| !k.trim().is_empty()),
            SearchProvider::Searxng => None,
        })
        .map(|k| Secret::new(k.trim()));
    let base_url = match (provider, r.base_url.as_deref().map(str::trim)) {
        (_, Some(u)) if !u.is_empty() => {
            let ok = (u.starts_with("http://") || u.starts_with("https://"))
                && u.parse::<awc::http::Uri>().is_ok();
            if !ok {
                return Err((key("baseUrl"), format!("`{u}` is not an http(s) URL")));
            }
            u.trim_end_matches('/').to_string()
        }
        (SearchProvider::Brave, _) => BRAVE_BASE_URL.to_string(),
        (SearchProvider::Searxng, _) => {
            return Err((
                key("baseUrl"),
                "the searxng provider needs the instance's baseUrl".into(),
            ))
        }
    };
    if provider == SearchProvider::Brave && api_key.is_none() {
        // OpenClaw's default provider without a key: nothing to call.
        return Ok(None);
    }
    let max_results = match r.max_results {
        None => DEFAULT_MAX_RESULTS,
        Some(0) => return Err((key("maxResults"), "must be at least 1".into())),
        Some(n) => (n as usize).min(MAX_RESULTS_CAP),
    };
    let timeout = match r.timeout_seconds {
        None => DEFAULT_TIMEOUT,
        Some(0) => return Err((key("timeoutSeconds"), "must be at least 1".into())),
        Some(s) => Duration::from_secs(s),
    };
    let cache_ttl = r
        .cache_ttl_minutes
        .map_or(DEFAULT_CACHE_TTL, |m| Duration::from_secs(m * 60));
    Ok(Some(WebSearchConfig {
        provider,
        api_key,
        base_url,
        max_results,
        timeout,
        cache_ttl,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(provider: Option<&str>, key: Option<&str>, base: Option<&str>) -> RawWebSearch {
        RawWebSearch {
            provider: provider.map(str::to_string),
            api_key: key.map(str::to_string),
            base_url: base.map(str::to_string),
            ..Default::default()
        }
    }

    #[test]
    fn off_without_a_brave_key_or_when_disabled() {
        assert!(search(None, None).unwrap().is_none());
        assert!(search(Some(&raw(None, None, None)), None)
            .unwrap()
            .is_none());
        let off = RawWebSearch {
            enabled: Some(false),
            ..raw(None, Some("k"), None)
        };
        assert!(search(Some(&off), None).unwrap().is_none());
    }

    #[test]
    fn brave_takes_the_config_key_else_the_environment() {
        let c = search(None, Some("env-key".into())).unwrap().unwrap();
        assert_eq!(c.provider, SearchProvider::Brave);
        assert_eq!(c.api_key.unwrap().expose(), "env-key");
        assert_eq!(c.base_url, BRAVE_BASE_URL);
        assert_eq!(c.max_results, 5);
        let c = search(
            Some(&raw(Some("Brave"), Some("cfg"), None)),
            Some("env".into()),
        )
        .unwrap()
        .unwrap();
        assert_eq!(c.api_key.unwrap().expose(), "cfg");
    }

    #[test]
    fn searxng_needs_a_base_url_and_unknown_providers_are_refused() {
        let e = search(Some(&raw(Some("searxng"), None, None)), None).unwrap_err();
        assert_eq!(e.0, "tools.web.search.baseUrl");
        let c = search(
            Some(&raw(Some("searxng"), None, Some("http://10.0.0.5:8080/"))),
            None,
        )
        .unwrap()
        .unwrap();
        assert_eq!(c.base_url, "http://10.0.0.5:8080");
        assert!(c.api_key.is_none());
        let e = search(Some(&raw(Some("bravo"), Some("k"), None)), None).unwrap_err();
        assert!(e.1.contains("not supported"), "{e:?}");
        let off = search(Some(&raw(Some("gemini"), Some("k"), None)), None).unwrap();
        assert!(
            off.is_none(),
            "OpenClaw's other providers load, switched off"
        );
        let e = search(Some(&raw(None, Some("k"), Some("ftp://x"))), None).unwrap_err();
        assert_eq!(e.0, "tools.web.search.baseUrl");
    }

    #[test]
    fn max_results_is_capped_at_ten() {
        let r = RawWebSearch {
            max_results: Some(50),
            ..raw(None, Some("k"), None)
        };
        assert_eq!(search(Some(&r), None).unwrap().unwrap().max_results, 10);
    }
}
