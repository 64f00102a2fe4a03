use crate::helpers::*;
use serde_json::{json, Value};

#[actix_web::test]
async fn models_list_the_agent_targets_first() {
    let t = spawn().await;
    let mut r = t.get("/v1/models").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let b: Value = r.json().await.unwrap();
    let ids: Vec<&str> = b["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "openclaw",
            "openclaw/default",
            "openclaw/main",
            "openclaw/beta",
            "mock/mock-model",
            "mock/vision-model"
        ]
    );
    assert_eq!(
        b["data"][0],
        json!({"id":"openclaw","object":"model","created":0,"owned_by":"openclaw","permission":[]})
    );
    let mut r = t.get("/v1/models/openclaw%2Fbeta").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["id"], "openclaw/beta");
    let mut r = t.get("/v1/models/nope").send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["message"],
        "Model 'nope' not found."
    );
}

#[actix_web::test]
async fn probes_answer_without_auth() {
    let t = spawn().await;
    let c = t.client();
    let mut r = c.get(t.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers().get("cache-control").unwrap(), "no-store");
    assert_eq!(r.body().await.unwrap(), r#"{"ok":true,"status":"live"}"#);
    let mut r = c.get(t.url("/readyz")).send().await.unwrap();
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["ready"], true);
    assert!(b["uptimeMs"].is_u64(), "local callers get details: {b}");
    let mut r = c.head(t.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.body().await.unwrap().is_empty());
    let mut r = c.post(t.url("/health")).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers().get("allow").unwrap(), "GET, HEAD");
    let _ = r.body().await;
}

#[actix_web::test]
async fn the_seed_agent_run_api_works_through_the_same_actors() {
    let t = spawn().await;
    let (s, _, b) = t
        .post_json(
            "/v1/agent/run",
            json!({"message":"Hello, AI!","sessionKey":"session-123","agentId":"default"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["response"], "Hello from the mock model.");
    assert_eq!(b["sessionKey"], "agent:main:session-123");
    assert_eq!(
        b["usage"],
        json!({"promptTokens":9,"completionTokens":5,"totalTokens":14})
    );
    let mut r = t
        .post("/v1/agent/run/stream")
        .send_json(&json!({"message":"again","sessionKey":"session-123"}))
        .await
        .unwrap();
    let text = String::from_utf8(r.body().await.unwrap().to_vec()).unwrap();
    assert!(
        text.starts_with("event: delta\ndata: {\"delta\":\"Hello\""),
        "{text}"
    );
    assert!(text.contains("event: done\ndata: {\"runId\""), "{text}");
    // The second turn saw the first.
    let reqs = t.upstream.requests();
    let n = reqs[1].body["messages"].as_array().unwrap().len();
    assert_eq!(n, 4, "system + first exchange + new message");
    let (s, _, b) = t
        .post_json("/v1/agent/run", json!({"sessionKey":"x"}))
        .await;
    assert_eq!(s, 400);
    assert_eq!(b["error"]["param"], "message");
}

#[actix_web::test]
async fn status_reports_the_gateway() {
    let t = spawn().await;
    t.chat(json!({"user":"s","messages":[{"role":"user","content":"hi"}]}))
        .await;
    let mut r = t.get("/status").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["status"], "ok");
    assert_eq!(b["gateway"]["auth"], "token");
    assert_eq!(b["sessions"]["total"], 1);
    assert_eq!(
        t.client()
            .get(t.url("/status"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}
