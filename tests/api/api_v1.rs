//! `/api/v1` (seed 001): the guide's examples with their bodies verbatim, the envelope, and
//! errors in the envelope at the right statuses.

use crate::helpers::*;
use clawgate_bench::mock::Reply;
use serde_json::{json, Value};

async fn body_of(
    resp: &mut awc::ClientResponse<
        impl futures_util::Stream<Item = Result<bytes::Bytes, awc::error::PayloadError>> + Unpin,
    >,
) -> Value {
    let b = resp.body().limit(1 << 20).await.unwrap();
    serde_json::from_slice(&b).unwrap_or_else(|_| json!(String::from_utf8_lossy(&b)))
}

#[actix_web::test]
async fn the_quick_example_sends_a_message_and_answers_in_the_envelope() {
    let t = spawn().await;
    t.upstream
        .push(Reply::text("你好!我是泡泡龙").with_usage(20, 100));
    let (s, _, v) = t
        .post_json(
            "/api/v1/message",
            json!({"text": "你好", "session": "default"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["success"], true);
    assert_eq!(v["data"]["text"], "你好!我是泡泡龙");
    assert!(v["data"]["messageId"].as_str().unwrap().starts_with("msg_"));
    assert_eq!(
        v["data"]["usage"],
        json!({"inputTokens": 20, "outputTokens": 100})
    );
    assert_eq!(last_user_text(&t.upstream.requests()[0].body), "你好");

    // The session keeps the conversation.
    t.upstream.push(Reply::text("again"));
    t.post_json(
        "/api/v1/message",
        json!({"text": "second", "session": "default"}),
    )
    .await;
    let msgs = t.upstream.requests()[1].body["messages"].to_string();
    assert!(msgs.contains("你好") && msgs.contains("泡泡龙"), "{msgs}");
}

#[actix_web::test]
async fn message_stream_sends_chunks_then_done() {
    let t = spawn().await;
    t.upstream
        .push(Reply::chunks(&["春", "眠", "不", "觉", "晓"]));
    let mut resp = t
        .post("/api/v1/message/stream")
        .send_json(&json!({"text": "写一首诗"}))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let data = read_sse_data(&mut resp).await;
    let (last, chunks) = data.split_last().unwrap();
    assert_eq!(last, "[DONE]");
    let text: String = chunks
        .iter()
        .map(|c| {
            let v: Value = serde_json::from_str(c).unwrap();
            v["chunk"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(text, "春眠不觉晓");

    // `stream: true` on /api/v1/message streams the same way.
    t.upstream.push(Reply::chunks(&["a", "b"]));
    let mut resp = t
        .post("/api/v1/message")
        .send_json(&json!({"text": "x", "stream": true}))
        .await
        .unwrap();
    assert_eq!(
        read_sse_data(&mut resp).await,
        vec![r#"{"chunk":"a"}"#, r#"{"chunk":"b"}"#, "[DONE]"]
    );
}

#[actix_web::test]
async fn sessions_are_created_listed_used_and_deleted() {
    let t = spawn().await;
    let (s, _, created) = t
        .post_json(
            "/api/v1/sessions",
            json!({"label": "项目讨论", "model": "vision-model"}),
        )
        .await;
    assert_eq!(s, 200, "{created}");
    let id = created["data"]["sessionId"].as_str().unwrap().to_string();
    assert!(id.starts_with("session_"));
    assert_eq!(created["data"]["label"], "项目讨论");
    assert!(created["data"]["createdAt"]
        .as_str()
        .unwrap()
        .ends_with('Z'));

    // The session's model applies to its turns.
    t.upstream.push(Reply::text("ok"));
    let (s, _, _) = t
        .post_json("/api/v1/message", json!({"text": "hi", "session": id}))
        .await;
    assert_eq!(s, 200);
    assert_eq!(t.upstream.requests()[0].body["model"], "vision-model");

    let mut resp = t.get("/api/v1/sessions").send().await.unwrap();
    let listed = body_of(&mut resp).await;
    let row = listed["data"]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id.as_str())
        .cloned()
        .expect("listed");
    assert_eq!(row["label"], "项目讨论");
    assert_eq!(row["messageCount"], 2);

    let mut resp = t
        .client()
        .delete(t.url(&format!("/api/v1/sessions/{id}")))
        .insert_header(("authorization", format!("Bearer {TOKEN}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        body_of(&mut resp).await,
        json!({"success": true, "data": {"deleted": true}})
    );
    let mut resp = t
        .client()
        .delete(t.url(&format!("/api/v1/sessions/{id}")))
        .insert_header(("authorization", format!("Bearer {TOKEN}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let v = body_of(&mut resp).await;
    assert_eq!(v["success"], false);
    assert_eq!(v["error"]["code"], "not_found");
}

#[actix_web::test]
async fn status_and_config_answer_in_the_envelope_without_secrets() {
    let t = spawn().await;
    let mut resp = t.get("/api/v1/status").send().await.unwrap();
    let v = body_of(&mut resp).await;
    assert_eq!(v["success"], true);
    assert_eq!(v["data"]["gateway"]["status"], "running");
    assert_eq!(v["data"]["models"]["available"], 2);
    assert_eq!(v["data"]["models"]["default"], "mock/mock-model");
    assert!(v["data"]["sessions"]["total"].is_number());

    let mut resp = t.get("/api/v1/config/gateway").send().await.unwrap();
    let v = body_of(&mut resp).await;
    assert_eq!(v["data"]["bind"], "loopback");
    assert_eq!(v["data"]["mode"], "local");
    assert!(v["data"]["port"].as_u64().unwrap() > 0);
    assert!(!v.to_string().contains(TOKEN), "{v}");
    let mut resp = t
        .get("/api/v1/config/gateway.auth.mode")
        .send()
        .await
        .unwrap();
    assert_eq!(body_of(&mut resp).await["data"], "token");
    let mut resp = t
        .get("/api/v1/config/models.providers.mock")
        .send()
        .await
        .unwrap();
    let v = body_of(&mut resp).await;
    assert!(!v.to_string().contains("sk-upstream-secret"), "{v}");
    let resp = t.get("/api/v1/config/gateway.nope").send().await.unwrap();
    assert_eq!(resp.status(), 404);
}

#[actix_web::test]
async fn errors_use_the_envelope_at_the_seed_statuses() {
    let t = spawn().await;
    let mut resp = t
        .client()
        .post(t.url("/api/v1/message"))
        .insert_header(("authorization", "Bearer wrong"))
        .send_json(&json!({"text": "你好"}))
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(
        body_of(&mut resp).await,
        json!({"success": false, "error": {"code": "unauthorized", "message": "Unauthorized"}})
    );
    let (s, _, v) = t
        .post_json("/api/v1/message", json!({"session": "x"}))
        .await;
    assert_eq!(s, 400);
    assert_eq!(v["error"]["code"], "invalid_request");
    assert_eq!(v["success"], false);
    let (s, _, v) = t
        .post_json("/api/v1/message", json!({"text": "x", "model": "nope"}))
        .await;
    assert_eq!(s, 400, "{v}");
    let mut resp = t.get("/api/v1/message").send().await.unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers().get("allow").unwrap(), "POST");
    assert_eq!(
        body_of(&mut resp).await["error"]["code"],
        "method_not_allowed"
    );
    assert_eq!(t.upstream.request_count(), 0, "no turn ran");
}

#[actix_web::test]
async fn config_paths_never_show_provider_headers_or_env_values() {
    let t = spawn_with(
        "openai-completions",
        "",
        r#"env: { EXTRA_PROVIDER_KEY: "env-secret-123" },
           models: { providers: { other: { baseUrl: "http://127.0.0.1:9/v1",
             headers: { "x-api-key": "hdr-secret-456" }, models: [{ id: "m" }] } } }"#,
    )
    .await;
    for path in [
        "models",
        "models.providers.other",
        "models.providers.other.headers",
        "models.providers.other.headers.x-api-key",
        "env",
        "env.EXTRA_PROVIDER_KEY",
    ] {
        let mut resp = t
            .get(&format!("/api/v1/config/{path}"))
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let v = body_of(&mut resp).await;
        // The view shows what the gateway runs with; a secret is either redacted or absent.
        assert!(status == 200 || status == 404, "{path}: {status} {v}");
        let text = v.to_string();
        assert!(
            !text.contains("hdr-secret-456") && !text.contains("env-secret-123"),
            "{path}: {text}"
        );
    }
    let mut resp = t
        .get("/api/v1/config/models.providers.other")
        .send()
        .await
        .unwrap();
    assert_eq!(body_of(&mut resp).await["success"], true);
}
