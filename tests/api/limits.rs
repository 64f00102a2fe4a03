//! Seed 003's request limits on the seeds' families: 100 requests a minute and 10 at once per
//! credential, 429 with `Retry-After` and `X-RateLimit-*`; the OpenAI-compatible endpoints are
//! not limited by default.

use crate::helpers::*;
use clawgate_bench::mock::Reply;
use serde_json::{json, Value};
use std::time::Duration;

#[actix_web::test]
async fn the_101st_request_in_a_minute_gets_a_429_with_the_headers() {
    let t = spawn().await;
    for i in 0..100 {
        let resp = t.get("/v1/sessions").send().await.unwrap();
        assert_eq!(resp.status(), 200, "request {i}");
        let h = resp.headers();
        assert_eq!(h.get("x-ratelimit-limit").unwrap(), "100");
        assert_eq!(
            h.get("x-ratelimit-remaining").unwrap().to_str().unwrap(),
            (99 - i).to_string()
        );
    }
    let mut resp = t.get("/api/v1/status").send().await.unwrap();
    assert_eq!(resp.status(), 429);
    let h = resp.headers();
    assert!(h.get("retry-after").is_some());
    assert_eq!(h.get("x-ratelimit-remaining").unwrap(), "0");
    assert!(h.get("x-ratelimit-reset").is_some());
    let v: Value = serde_json::from_slice(&resp.body().await.unwrap()).unwrap();
    assert_eq!(v["success"], false, "the /api/v1 envelope: {v}");
    assert_eq!(v["error"]["code"], "rate_limited");

    // The OpenAI-compatible endpoint is not limited by default.
    t.upstream.push(Reply::text("still fine"));
    let (s, v) = t
        .chat(json!({"model": "openclaw", "messages": [{"role": "user", "content": "hi"}]}))
        .await;
    assert_eq!(s, 200, "{v}");
}

#[actix_web::test]
async fn the_11th_concurrent_request_gets_a_429() {
    let t = spawn().await;
    t.upstream
        .set_default(Reply::chunks(&["slow"]).with_first_byte_delay(Duration::from_secs(3)));
    // Ten streams in flight (their headers are back, their bodies are not).
    let mut open = Vec::new();
    for i in 0..10 {
        let resp = t
            .post("/api/v1/message/stream")
            .send_json(&json!({"text": "hi", "session": format!("s{i}")}))
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        open.push(resp);
    }
    let mut eleventh = t
        .post("/api/v1/message/stream")
        .send_json(&json!({"text": "hi", "session": "s10"}))
        .await
        .unwrap();
    assert_eq!(eleventh.status(), 429);
    let v: Value = serde_json::from_slice(&eleventh.body().await.unwrap()).unwrap();
    assert_eq!(v["error"]["code"], "rate_limited");
    // Once a stream finishes, its slot is free again.
    let mut first = open.remove(0);
    let _ = first.body().limit(1 << 20).await.unwrap();
    drop(first);
    t.upstream.set_default(Reply::text("quick"));
    let (s, _, v) = t
        .post_json(
            "/api/v1/message",
            json!({"text": "again", "session": "s11"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
}

#[actix_web::test]
async fn a_family_configured_with_three_a_minute_refuses_the_fourth() {
    let t = spawn_with(
        "openai-completions",
        "http: { limits: { sessions: { ratePerMinute: 3 } } }",
        "",
    )
    .await;
    for i in 0..3 {
        let resp = t.get("/v1/sessions").send().await.unwrap();
        assert_eq!(resp.status(), 200, "request {i}");
        assert_eq!(resp.headers().get("x-ratelimit-limit").unwrap(), "3");
    }
    let mut resp = t
        .get("/sessions/agent:main:main/history")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429, "the family shares one budget");
    let h = resp.headers();
    assert!(h.get("retry-after").is_some());
    assert_eq!(h.get("x-ratelimit-limit").unwrap(), "3");
    assert_eq!(h.get("x-ratelimit-remaining").unwrap(), "0");
    assert!(h.get("x-ratelimit-reset").is_some());
    let v: Value = serde_json::from_slice(&resp.body().await.unwrap()).unwrap();
    assert_eq!(v["error"]["code"], "rate_limited", "seed 003's shape: {v}");
    // Another family keeps its own (default) budget.
    let resp = t.get("/api/v1/status").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers().get("x-ratelimit-limit").unwrap(), "100");
}

#[actix_web::test]
async fn a_family_turned_off_is_never_limited() {
    let t = spawn_with(
        "openai-completions",
        "http: { limits: { requestsPerMinute: 2, channels: false, api_v1: { enabled: false } } }",
        "",
    )
    .await;
    for i in 0..5 {
        let resp = t.get("/v1/channels").send().await.unwrap();
        assert_eq!(resp.status(), 200, "request {i}");
        assert!(resp.headers().get("x-ratelimit-limit").is_none());
        let resp = t.get("/api/v1/status").send().await.unwrap();
        assert_eq!(resp.status(), 200, "request {i}");
    }
    // The seeds' other families take the top-level default.
    for _ in 0..2 {
        assert_eq!(t.get("/v1/sessions").send().await.unwrap().status(), 200);
    }
    assert_eq!(t.get("/v1/sessions").send().await.unwrap().status(), 429);
}

#[actix_web::test]
async fn chat_completions_are_limited_only_when_configured() {
    let t = spawn_with(
        "openai-completions",
        "http: { limits: { openai: { ratePerMinute: 2 } } }",
        "",
    )
    .await;
    t.upstream.set_default(Reply::text("ok"));
    let body = json!({"model": "openclaw", "messages": [{"role": "user", "content": "hi"}]});
    for _ in 0..2 {
        let resp = t
            .post("/v1/chat/completions")
            .send_json(&body)
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers().get("x-ratelimit-limit").unwrap(), "2");
    }
    let mut resp = t
        .post("/v1/chat/completions")
        .send_json(&body)
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().get("retry-after").is_some());
    let v: Value = serde_json::from_slice(&resp.body().await.unwrap()).unwrap();
    assert!(v["error"]["message"].is_string(), "the OpenAI shape: {v}");
    assert!(v.get("success").is_none());
}

#[actix_web::test]
async fn a_declared_body_over_the_family_limit_is_413() {
    let t = spawn_with(
        "openai-completions",
        "http: { limits: { api_v1: { maxBodyBytes: 64 } } }",
        "",
    )
    .await;
    let big = json!({"text": "x".repeat(200)});
    let mut resp = t.post("/api/v1/message").send_json(&big).await.unwrap();
    assert_eq!(resp.status(), 413);
    let v: Value = serde_json::from_slice(&resp.body().await.unwrap()).unwrap();
    assert_eq!(v["error"]["code"], "payload_too_large", "{v}");
}
