//! `web_fetch` end to end: the scripted model fetches a page from a local site and the next
//! model request carries its extracted text; internal addresses (loopback, private, link-local
//! metadata) and redirects to them are refused with a tool error; results are cached.

use crate::fake_site::{FakeSite, Page};
use crate::helpers::*;
use clawgate_bench::mock::Reply;
use serde_json::{json, Value};

const WEB: &str = "tools: { alsoAllow: [\"web_fetch\"] }";

const ARTICLE: &str = "<html><head><title>Clawgate notes</title></head><body>\
    <h1>Release notes</h1><p>The <b>gateway</b> fetched this page.</p>\
    <script>alert('no')</script></body></html>";

/// Runs one chat turn in which the model calls `web_fetch` with `args`; returns the tool result
/// the model got back.
async fn fetch_via_model(t: &TestGateway, args: Value) -> String {
    t.upstream
        .push(Reply::tool_call("web_fetch", &args.to_string()));
    t.upstream.push(Reply::text("done"));
    let before = t.upstream.request_count();
    let (s, body) = t
        .chat(json!({"user":"web","messages":[{"role":"user","content":"read it"}]}))
        .await;
    assert_eq!(s, 200, "{body}");
    let reqs = t.upstream.requests();
    assert_eq!(reqs.len(), before + 2);
    last_tool_text(&reqs[before + 1])
}

/// A gateway whose `web_fetch` may reach loopback (the test-only switch), so it can read
/// pages from [`FakeSite`].
async fn gateway_reaching_loopback() -> TestGateway {
    let t = spawn_with("openai-completions", "", WEB).await;
    t.gw.as_ref()
        .unwrap()
        .state
        .app
        .tools()
        .allow_loopback_fetches_for_tests();
    t
}

#[actix_web::test]
async fn the_model_fetches_a_page_and_gets_its_text_as_markdown_or_text() {
    let site = FakeSite::start(vec![("/article", Page::html(ARTICLE))]).await;
    let t = gateway_reaching_loopback().await;

    let got = fetch_via_model(&t, json!({"url": site.url("/article")})).await;
    let details: Value = serde_json::from_str(&got).expect("JSON result");
    let text = details["text"].as_str().unwrap();
    assert!(text.contains("# Release notes"), "{text}");
    assert!(
        text.contains("The **gateway** fetched this page."),
        "{text}"
    );
    assert!(!text.contains("alert"), "{text}");
    assert!(
        text.starts_with("<<<EXTERNAL_UNTRUSTED_CONTENT>>>"),
        "{text}"
    );
    assert_eq!(details["extractMode"], "markdown");
    assert_eq!(details["contentType"], "text/html");
    assert_eq!(details["finalUrl"], site.url("/article"));
    assert_eq!(details["truncated"], false);
    assert!(details["title"]
        .as_str()
        .unwrap()
        .contains("Clawgate notes"));

    let got = fetch_via_model(
        &t,
        json!({"url": site.url("/article"), "extractMode": "text", "maxChars": 100}),
    )
    .await;
    let details: Value = serde_json::from_str(&got).unwrap();
    assert_eq!(details["extractMode"], "text");
    assert!(
        !details["text"].as_str().unwrap().contains("**"),
        "{details}"
    );
}

#[actix_web::test]
async fn max_chars_caps_the_text_and_repeats_come_from_the_cache() {
    let long = format!("<html><body><p>{}</p></body></html>", "word ".repeat(400));
    let site = FakeSite::start(vec![("/long", Page::html(&long))]).await;
    let t = gateway_reaching_loopback().await;
    let args = json!({"tool": "web_fetch", "args": {"url": site.url("/long"), "maxChars": 100}});

    let (s, _, first) = t.post_json("/tools/invoke", args.clone()).await;
    assert_eq!(s, 200, "{first}");
    let details = &first["result"]["details"];
    assert_eq!(details["truncated"], true);
    assert_eq!(details["rawLength"], 100);
    let (s, _, second) = t.post_json("/tools/invoke", args).await;
    assert_eq!(s, 200);
    assert_eq!(second["result"]["details"]["cached"], true);
    assert_eq!(second["result"]["details"]["text"], details["text"]);
    assert_eq!(site.hits(), 1, "the second call was served from the cache");
}

#[actix_web::test]
async fn internal_addresses_are_refused_by_default() {
    let site = FakeSite::start(vec![("/article", Page::html(ARTICLE))]).await;
    let t = spawn_with("openai-completions", "", WEB).await;

    for url in [
        site.url("/article"),
        format!("http://[::1]:{}/article", site.port),
        format!("http://localhost:{}/article", site.port),
        "http://10.0.0.1/".to_string(),
        "http://169.254.169.254/latest/meta-data/".to_string(),
    ] {
        let got = fetch_via_model(&t, json!({"url": url})).await;
        let err: Value = serde_json::from_str(&got).unwrap();
        let msg = err["error"].as_str().unwrap_or_default();
        assert!(
            msg.contains("not allowed"),
            "{url} should be refused, got {got}"
        );
    }
    assert_eq!(site.hits(), 0, "nothing reached the local site");

    let (s, _, b) = t
        .post_json(
            "/tools/invoke",
            json!({"tool": "web_fetch", "args": {"url": "http://169.254.169.254/"}}),
        )
        .await;
    assert_eq!(s, 403, "{b}");
    assert_eq!(b["error"]["type"], "tool_error");
}

#[actix_web::test]
async fn redirects_to_internal_addresses_are_refused() {
    let target = FakeSite::start(vec![("/article", Page::html(ARTICLE))]).await;
    let to_localhost = format!("http://localhost:{}/article", target.port);
    let site = FakeSite::start(vec![
        (
            "/to-metadata",
            Page::redirect("http://169.254.169.254/latest/meta-data/"),
        ),
        ("/to-private", Page::redirect("http://10.1.2.3/admin")),
        ("/to-localhost", Page::redirect(&to_localhost)),
    ])
    .await;
    // The site is on loopback, so the switch must be on to reach it at all; each redirect out
    // of it is still checked: by name (`localhost`) and by address (private, link-local).
    let t = gateway_reaching_loopback().await;

    for path in ["/to-metadata", "/to-private", "/to-localhost"] {
        let got = fetch_via_model(&t, json!({"url": site.url(path)})).await;
        let err: Value = serde_json::from_str(&got).unwrap();
        let msg = err["error"].as_str().unwrap_or_default();
        assert!(msg.contains("not allowed"), "{path}: {got}");
    }
    assert_eq!(site.hits(), 3, "each redirect was served");
    assert_eq!(target.hits(), 0, "no redirect target was fetched");
}

#[actix_web::test]
async fn web_fetch_is_opt_in() {
    let t = spawn().await;
    let (s, _, b) = t
        .post_json(
            "/tools/invoke",
            json!({"tool": "web_fetch", "args": {"url": "https://example.com/"}}),
        )
        .await;
    assert_eq!(s, 404, "{b}");
}
