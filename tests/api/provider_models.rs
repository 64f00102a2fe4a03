//! `GET /v1/models` lists the configured backend models (`provider/model`) after OpenClaw's
//! agent targets, in seed 003's shape, and `GET /v1/models/{provider}/{model}` resolves them.

use crate::helpers::*;
use clawgate_bench::mock::{MockUpstream, Reply};
use serde_json::{json, Value};

fn with_two_providers() -> String {
    r#"models: { providers: {
        anthropic: { baseUrl: "http://127.0.0.1:9/v1", api: "anthropic-messages", models: [{ id: "claude-3-5-sonnet" }] },
        openai: { baseUrl: "http://127.0.0.1:9/v1", api: "openai-completions", models: [{ id: "gpt-4o" }] } } }"#
        .to_string()
}

async fn list(t: &TestGateway) -> Vec<Value> {
    let mut r = t.get("/v1/models").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["object"], "list");
    b["data"].as_array().unwrap().clone()
}

#[actix_web::test]
async fn provider_models_follow_the_agent_targets_owned_by_their_provider() {
    let upstream = MockUpstream::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = format!(
        r#"{{ gateway: {{ auth: {{ mode: "token", token: "{TOKEN}" }} }}, {},
              agents: {{ defaults: {{ model: "openai/gpt-4o" }} }} }}"#,
        with_two_providers()
    );
    let t = start_gateway(upstream, dir, &cfg).await;
    let data = list(&t).await;
    let ids: Vec<&str> = data.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "openclaw",
            "openclaw/default",
            "openclaw/main",
            "anthropic/claude-3-5-sonnet",
            "openai/gpt-4o"
        ]
    );
    for m in &data[..3] {
        assert_eq!(m["owned_by"], "openclaw", "{m}");
    }
    // Seed 003's shape: id, object, created, owned_by.
    let sonnet = &data[3];
    assert_eq!(sonnet["object"], "model");
    assert!(sonnet["created"].is_u64());
    assert_eq!(sonnet["owned_by"], "anthropic");
    assert_eq!(data[4]["owned_by"], "openai");

    let mut r = t.get("/v1/models/openai/gpt-4o").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let m: Value = r.json().await.unwrap();
    assert_eq!(m["id"], "openai/gpt-4o");
    assert_eq!(m["owned_by"], "openai");
    let mut r = t
        .get("/v1/models/anthropic%2Fclaude-3-5-sonnet")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["owned_by"], "anthropic");
    let mut r = t.get("/v1/models/openai/gpt-5").send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["message"],
        "Model 'openai/gpt-5' not found."
    );
}

#[actix_web::test]
async fn a_listed_provider_model_is_one_a_chat_completion_accepts() {
    let t = spawn().await;
    t.upstream.push(Reply::text("from the backend"));
    let data = list(&t).await;
    let backend = data
        .iter()
        .find(|m| m["owned_by"] == "mock")
        .expect("a provider model is listed");
    let mut r = t
        .post("/v1/chat/completions")
        .send_json(
            &json!({"model": backend["id"], "messages": [{"role": "user", "content": "hi"}]}),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["choices"][0]["message"]["content"], "from the backend");
}
