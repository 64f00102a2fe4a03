//! SearXNG's JSON API: `GET <baseUrl>/search?q=…&format=json[&language&time_range]`; hits from
//! `results[{title, url, content, publishedDate?}]`. `count` trims the (unpaged) answer;
//! `country` and `ui_lang` have no SearXNG equivalent and are ignored; `freshness` periods map
//! to `time_range` (day, week, month, year) and a date range is refused. An `apiKey`, when
//! configured, is sent as a bearer token (for an instance behind an authenticating proxy).

use super::{get_json, Freshness, Hit, ProviderFailure, Query};
use crate::config::WebSearchConfig;
use crate::tools::ToolError;
use serde_json::Value;

/// Runs `query` against a SearXNG instance. The outer error is a bad argument for this
/// provider; the inner one a provider failure.
pub(super) async fn search(
    cfg: &WebSearchConfig,
    query: &Query,
) -> Result<Result<Vec<Hit>, ProviderFailure>, ToolError> {
    let time_range = match &query.freshness {
        None => None,
        Some(Freshness::Period(p)) => Some(match *p {
            "pd" => "day",
            "pw" => "week",
            "pm" => "month",
            _ => "year",
        }),
        Some(Freshness::Range(_)) => {
            return Err(ToolError::InvalidInput(
                "`freshness` date ranges are not supported by searxng (use pd, pw, pm or py)"
                    .into(),
            ))
        }
    };
    let mut params: Vec<(&str, &str)> = vec![("q", &query.q), ("format", "json")];
    if let Some(lang) = query.search_lang.as_deref() {
        params.push(("language", lang));
    }
    if let Some(t) = time_range {
        params.push(("time_range", t));
    }
    let mut req = crate::providers::http::client()
        .get(format!("{}/search", cfg.base_url))
        .insert_header(("accept", "application/json"));
    if let Some(k) = &cfg.api_key {
        req = req.insert_header(("authorization", format!("Bearer {}", k.expose())));
    }
    let req = match req.query(&params) {
        Ok(r) => r,
        Err(e) => {
            return Ok(Err(ProviderFailure::BadAnswer(format!(
                "query encoding: {e}"
            ))))
        }
    };
    Ok(get_json(cfg, req).await.map(|body| hits(&body)))
}

fn hits(body: &Value) -> Vec<Hit> {
    let s = |v: &Value, k: &str| v[k].as_str().unwrap_or_default().to_string();
    body["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["url"].is_string())
        .map(|r| Hit {
            title: s(r, "title"),
            url: s(r, "url"),
            description: s(r, "content"),
            published: r["publishedDate"].as_str().map(str::to_string),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_results_content_as_the_description() {
        let body = json!({"query": "q", "results": [
            {"title": "A", "url": "https://a.example/", "content": "snippet", "engine": "ddg"}
        ]});
        let h = hits(&body);
        assert_eq!(h[0].description, "snippet");
        assert_eq!(h[0].published, None);
    }
}
