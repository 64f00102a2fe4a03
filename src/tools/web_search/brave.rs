//! Brave Search API: `GET <baseUrl>/res/v1/web/search?q=…&count=…[&country&search_lang&ui_lang
//! &freshness]` with the key in `X-Subscription-Token`; hits from `web.results[{title, url,
//! description, age}]`.

use super::{get_json, Hit, ProviderFailure, Query};
use crate::config::WebSearchConfig;
use serde_json::Value;

/// Runs `query` against Brave.
pub(super) async fn search(
    cfg: &WebSearchConfig,
    query: &Query,
) -> Result<Vec<Hit>, ProviderFailure> {
    let count = query.count.to_string();
    let mut params: Vec<(&str, &str)> = vec![("q", &query.q), ("count", &count)];
    let optional = [
        ("country", query.country.as_deref()),
        ("search_lang", query.search_lang.as_deref()),
        ("ui_lang", query.ui_lang.as_deref()),
        ("freshness", query.freshness.as_ref().map(|f| f.as_str())),
    ];
    params.extend(optional.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
    let key = cfg.api_key.as_ref().map_or("", |k| k.expose());
    let req = crate::providers::http::client()
        .get(format!("{}/res/v1/web/search", cfg.base_url))
        .insert_header(("accept", "application/json"))
        .insert_header(("x-subscription-token", key))
        .query(&params)
        .map_err(|e| ProviderFailure::BadAnswer(format!("query encoding: {e}")))?;
    let body = get_json(cfg, req).await?;
    Ok(hits(&body))
}

/// The hits of a Brave answer (`web.results`; none when the answer has no web section).
fn hits(body: &Value) -> Vec<Hit> {
    let s = |v: &Value, k: &str| v[k].as_str().unwrap_or_default().to_string();
    body["web"]["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["url"].is_string())
        .map(|r| Hit {
            title: s(r, "title"),
            url: s(r, "url"),
            description: s(r, "description"),
            published: r["age"].as_str().map(str::to_string),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_web_results() {
        let body = json!({"type": "search", "web": {"results": [
            {"title": "A", "url": "https://a.example/", "description": "d", "age": "1 day ago"},
            {"title": "no url"}
        ]}});
        let h = hits(&body);
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].published.as_deref(), Some("1 day ago"));
        assert!(hits(&json!({"type": "search"})).is_empty());
    }
}
