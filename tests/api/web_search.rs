//! `web_search` end to end against local servers that speak Brave's Search API (token header,
//! query parameters, `web.results`) and SearXNG's JSON API: the scripted model searches, the
//! next model request carries the results; provider failures are tool errors naming the
//! provider and status without the key; unconfigured, the tool refuses with a setup hint.

use crate::helpers::*;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use clawgate_bench::mock::Reply;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const KEY: &str = "brave-test-key-7f3a";

/// A request the fake search API received.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    query: HashMap<String, String>,
    token: Option<String>,
    auth: Option<String>,
}

/// One local server answering Brave's `/res/v1/web/search` and SearXNG's `/search`.
struct FakeSearch {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

fn record(req: &HttpRequest, seen: &Mutex<Vec<Seen>>) -> Seen {
    let query: HashMap<String, String> =
        web::Query::<HashMap<String, String>>::from_query(req.query_string())
            .map(|q| q.into_inner())
            .unwrap_or_default();
    let header = |k: &str| {
        req.headers()
            .get(k)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let s = Seen {
        path: req.path().to_string(),
        query,
        token: header("x-subscription-token"),
        auth: header("authorization"),
    };
    seen.lock().unwrap().push(s.clone());
    s
}

/// Brave: 401 without the right token, 422 without `q`, 429 / 500 / no answer for the magic
/// queries `ratelimit` / `boom` / `slow`, else `count` results.
async fn brave(req: HttpRequest, seen: web::Data<Arc<Mutex<Vec<Seen>>>>) -> HttpResponse {
    let s = record(&req, &seen);
    if s.token.as_deref() != Some(KEY) {
        return HttpResponse::Unauthorized().json(json!({"type": "ErrorResponse",
            "error": {"status": 401, "code": "SUBSCRIPTION_TOKEN_INVALID", "detail": "The provided subscription token is invalid."}}));
    }
    let Some(q) = s.query.get("q").cloned() else {
        return HttpResponse::UnprocessableEntity().json(json!({"type": "ErrorResponse"}));
    };
    match q.as_str() {
        "ratelimit" => {
            return HttpResponse::TooManyRequests().json(json!({"type": "ErrorResponse"}))
        }
        "boom" => return HttpResponse::InternalServerError().finish(),
        "slow" => std::future::pending::<()>().await,
        _ => {}
    }
    let count: usize = s
        .query
        .get("count")
        .and_then(|c| c.parse().ok())
        .unwrap_or(20);
    let results: Vec<Value> = (1..=count)
        .map(|i| {
            json!({
                "type": "search_result", "title": format!("{q} result {i}"),
                "url": format!("https://www.example{i}.org/page"),
                "description": format!("About <strong>{q}</strong> number {i}"),
                "age": "2 days ago", "language": "en", "family_friendly": true
            })
        })
        .collect();
    HttpResponse::Ok().json(json!({"type": "search", "query": {"original": q},
        "mixed": {"type": "mixed"}, "web": {"type": "search", "results": results}}))
}

/// SearXNG: 403 unless `format=json` (as an instance without the JSON format enabled answers).
async fn searxng(req: HttpRequest, seen: web::Data<Arc<Mutex<Vec<Seen>>>>) -> HttpResponse {
    let s = record(&req, &seen);
    if s.query.get("format").map(String::as_str) != Some("json") {
        return HttpResponse::Forbidden().finish();
    }
    let q = s.query.get("q").cloned().unwrap_or_default();
    let results: Vec<Value> = (1..=12)
        .map(|i| {
            json!({"title": format!("{q} hit {i}"), "url": format!("https://searx{i}.example/x"),
            "content": format!("snippet {i}"), "engine": "duckduckgo", "score": 1.0})
        })
        .collect();
    HttpResponse::Ok().json(
        json!({"query": q, "number_of_results": 12, "results": results,
        "answers": [], "suggestions": []}),
    )
}

impl FakeSearch {
    async fn start() -> FakeSearch {
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let data = web::Data::new(seen.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/res/v1/web/search", web::get().to(brave))
                .route("/search", web::get().to(searxng))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .unwrap();
        let port = server.addrs()[0].port();
        actix_web::rt::spawn(server.run());
        FakeSearch { port, seen }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn brave_cfg(base: &str, key: &str, extra: &str) -> String {
    format!(
        r#"tools: {{ alsoAllow: ["web_search"], web: {{ search: {{ provider: "brave", apiKey: "{key}", baseUrl: "{base}", {extra} }} }} }}"#
    )
}

/// One chat turn in which the model calls `web_search` with `args`; the result it got back.
async fn search_via_model(t: &TestGateway, args: Value) -> Value {
    t.upstream
        .push(Reply::tool_call("web_search", &args.to_string()));
    t.upstream.push(Reply::text("done"));
    let before = t.upstream.request_count();
    let (s, body) = t
        .chat(json!({"user":"search","messages":[{"role":"user","content":"look it up"}]}))
        .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["choices"][0]["message"]["content"], "done");
    let reqs = t.upstream.requests();
    assert_eq!(reqs.len(), before + 2);
    serde_json::from_str(&last_tool_text(&reqs[before + 1])).expect("JSON tool result")
}

#[actix_web::test]
async fn the_model_searches_brave_and_gets_wrapped_results_once_then_from_the_cache() {
    let api = FakeSearch::start().await;
    let t = spawn_with("openai-completions", "", &brave_cfg(&api.url(), KEY, "")).await;

    let args = json!({"query": "clawgate gateway", "count": 3, "country": "DE",
        "search_lang": "de", "ui_lang": "de-DE", "freshness": "pw"});
    let got = search_via_model(&t, args.clone()).await;
    assert_eq!(got["query"], "clawgate gateway");
    assert_eq!(got["provider"], "brave");
    assert_eq!(got["count"], 3);
    assert!(got["tookMs"].is_u64());
    let r = &got["results"][0];
    assert_eq!(r["url"], "https://www.example1.org/page");
    assert_eq!(r["siteName"], "example1.org");
    assert_eq!(r["published"], "2 days ago");
    let title = r["title"].as_str().unwrap();
    assert!(
        title.starts_with("<<<EXTERNAL_UNTRUSTED_CONTENT>>>"),
        "{title}"
    );
    assert!(title.contains("clawgate gateway result 1"), "{title}");
    assert!(r["description"].as_str().unwrap().contains("number 1"));

    let seen = api.seen();
    assert_eq!(seen.len(), 1);
    let s = &seen[0];
    assert_eq!(s.path, "/res/v1/web/search");
    assert_eq!(s.token.as_deref(), Some(KEY));
    for (k, v) in [
        ("q", "clawgate gateway"),
        ("count", "3"),
        ("country", "DE"),
        ("search_lang", "de"),
        ("ui_lang", "de-DE"),
        ("freshness", "pw"),
    ] {
        assert_eq!(s.query.get(k).map(String::as_str), Some(v), "{k}");
    }

    // The same search again is answered from the cache: the API is not called.
    let again = search_via_model(&t, args).await;
    assert_eq!(again["cached"], true);
    assert_eq!(again["results"], got["results"]);
    assert_eq!(api.seen().len(), 1);

    // Without `count`, `maxResults` (default 5) applies.
    let got = search_via_model(&t, json!({"query": "defaults"})).await;
    assert_eq!(got["count"], 5);
    assert_eq!(
        api.seen()[1].query.get("count").map(String::as_str),
        Some("5")
    );
}

#[actix_web::test]
async fn provider_failures_are_tool_errors_naming_provider_and_status_never_the_key() {
    let api = FakeSearch::start().await;
    let wrong = spawn_with(
        "openai-completions",
        "",
        &brave_cfg(
            &api.url(),
            "wrong-secret-key-99",
            "timeoutSeconds: 1, cacheTtlMinutes: 0",
        ),
    )
    .await;
    let got = search_via_model(&wrong, json!({"query": "anything"})).await;
    let err = got["error"].as_str().unwrap();
    assert_eq!(
        err,
        "web_search: brave answered HTTP 401 (the API key was refused)"
    );
    assert!(!got.to_string().contains("wrong-secret-key-99"));

    let t = spawn_with(
        "openai-completions",
        "",
        &brave_cfg(&api.url(), KEY, "timeoutSeconds: 1, cacheTtlMinutes: 0"),
    )
    .await;
    for (q, want) in [
        (
            "ratelimit",
            "web_search: brave answered HTTP 429 (rate limited; try again later)",
        ),
        (
            "boom",
            "web_search: brave answered HTTP 500 (the search service failed)",
        ),
        ("slow", "web_search: brave did not answer within 1 s"),
    ] {
        let got = search_via_model(&t, json!({"query": q})).await;
        assert_eq!(got["error"], want, "{q}");
        assert!(!got.to_string().contains(KEY));
    }
    let got = search_via_model(&t, json!({"query": "x", "freshness": "lastweek"})).await;
    assert!(
        got["error"]
            .as_str()
            .unwrap()
            .contains("`freshness` must be"),
        "{got}"
    );
}

#[actix_web::test]
async fn the_model_searches_a_searxng_instance() {
    let api = FakeSearch::start().await;
    let cfg = format!(
        r#"tools: {{ alsoAllow: ["group:web"], web: {{ search: {{ provider: "searxng", baseUrl: "{}/" , maxResults: 4 }} }} }}"#,
        api.url()
    );
    let t = spawn_with("openai-completions", "", &cfg).await;
    let got = search_via_model(
        &t,
        json!({"query": "rust actors", "search_lang": "en", "freshness": "pm"}),
    )
    .await;
    assert_eq!(got["provider"], "searxng");
    assert_eq!(got["count"], 4, "maxResults trims SearXNG's unpaged answer");
    assert_eq!(got["results"][0]["url"], "https://searx1.example/x");
    assert_eq!(got["results"][0]["siteName"], "searx1.example");
    assert!(got["results"][0]["description"]
        .as_str()
        .unwrap()
        .contains("snippet 1"));
    let s = &api.seen()[0];
    assert_eq!(s.path, "/search");
    assert_eq!(s.query.get("format").map(String::as_str), Some("json"));
    assert_eq!(s.query.get("q").map(String::as_str), Some("rust actors"));
    assert_eq!(s.query.get("language").map(String::as_str), Some("en"));
    assert_eq!(s.query.get("time_range").map(String::as_str), Some("month"));
    assert_eq!(s.token, None);
    assert_eq!(s.auth, None);
}

#[actix_web::test]
async fn unconfigured_search_refuses_with_a_setup_hint_and_works_over_tools_invoke_once_configured()
{
    let t = spawn_with(
        "openai-completions",
        "",
        r#"tools: { alsoAllow: ["web_search"] }"#,
    )
    .await;
    let got = search_via_model(&t, json!({"query": "x"})).await;
    assert!(
        got["error"]
            .as_str()
            .unwrap()
            .starts_with("web_search is not configured"),
        "{got}"
    );
    let (s, _, b) = t
        .post_json(
            "/tools/invoke",
            json!({"tool": "web_search", "args": {"query": "x"}}),
        )
        .await;
    assert_eq!(s, 403, "{b}");
    assert!(b["error"]["message"]
        .as_str()
        .unwrap()
        .contains("tools.web.search"));

    // Not named by the policy: not offered at all (web_search is opt-in).
    let plain = spawn_with("openai-completions", "", "").await;
    let (s, _, _) = plain
        .post_json(
            "/tools/invoke",
            json!({"tool": "web_search", "args": {"query": "x"}}),
        )
        .await;
    assert_eq!(s, 404);

    let api = FakeSearch::start().await;
    let t = spawn_with("openai-completions", "", &brave_cfg(&api.url(), KEY, "")).await;
    let (s, _, b) = t
        .post_json(
            "/tools/invoke",
            json!({"tool": "web_search", "args": {"query": "invoke", "count": 2}}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["result"]["details"]["count"], 2);
    assert_eq!(
        b["result"]["details"]["results"][1]["url"],
        "https://www.example2.org/page"
    );
}
