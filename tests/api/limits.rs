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
