use crate::helpers::*;
use clawgate_bench::mock::{MockUpstream, Reply};
use serde_json::{json, Value};
use std::time::Duration;

#[actix_web::test]
async fn upstream_429_is_retried_then_returned_as_429() {
    let t = spawn().await;
    for _ in 0..3 {
        t.upstream.push(Reply::error(429, "slow down"));
    }
    let (s, b) = t
        .chat(json!({"messages":[{"role":"user","content":"hi"}]}))
        .await;
    assert_eq!(s, 429, "{b}");
    assert_eq!(b["error"]["type"], "rate_limit_error");
    assert_eq!(t.upstream.request_count(), 3, "retried before giving up");
}

#[actix_web::test]
async fn a_transient_500_is_retried_transparently() {
    let t = spawn().await;
    t.upstream.push(Reply::error(500, "boom"));
    let (s, b) = t
        .chat(json!({"messages":[{"role":"user","content":"hi"}]}))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(t.upstream.request_count(), 2);
}

#[actix_web::test]
async fn upstream_4xx_is_a_502_naming_the_status_class_but_not_the_upstream_words() {
    let t = spawn().await;
    // OpenAI's 401 text quotes the first and last characters of the key it was sent.
    t.upstream.push(Reply::error(
        401,
        "Incorrect API key provided: sk-ab****wxyz",
    ));
    let (s, b) = t
        .chat(json!({"messages":[{"role":"user","content":"hi"}]}))
        .await;
    assert_eq!(s, 502);
    let msg = b["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("HTTP 401") && msg.contains("credentials"),
        "{b}"
    );
    assert!(!b.to_string().contains("sk-ab"), "{b}");
    assert_eq!(t.upstream.request_count(), 1, "4xx is not retried");
}

#[actix_web::test]
async fn an_unreachable_provider_is_a_clear_502() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    let upstream = MockUpstream::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = format!(
        r#"{{ gateway: {{ auth: {{ token: "{TOKEN}" }} }}, models: {{ providers: {{ dead: {{ baseUrl: "http://127.0.0.1:{port}/v1", models: [{{ id: "m" }}] }} }} }} }}"#
    );
    let t = start_gateway(upstream, dir, &cfg).await;
    let (s, b) = t
        .chat(json!({"messages":[{"role":"user","content":"hi"}]}))
        .await;
    assert_eq!(s, 502, "{b}");
    assert_eq!(b["error"]["code"], "upstream_unreachable");
}

#[actix_web::test]
async fn fallback_models_answer_when_the_primary_fails() {
    let upstream = MockUpstream::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = format!(
        r#"{{ gateway: {{ auth: {{ token: "{TOKEN}" }} }},
             models: {{ providers: {{ dead: {{ baseUrl: "http://127.0.0.1:9/v1", models: [{{ id: "m" }}] }}, mock: {{ baseUrl: "{}", models: [{{ id: "backup" }}] }} }} }},
             agents: {{ defaults: {{ model: {{ primary: "dead/m", fallbacks: ["mock/backup"] }} }} }} }}"#,
        upstream.base_url()
    );
    let t = start_gateway(upstream, dir, &cfg).await;
    let (s, b) = t
        .chat(json!({"messages":[{"role":"user","content":"hi"}]}))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(t.upstream.requests()[0].body["model"], "backup");
}

#[actix_web::test]
async fn no_provider_at_all_is_503_with_a_hint() {
    let upstream = MockUpstream::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = format!(
        r#"{{ gateway: {{ auth: {{ token: "{TOKEN}" }} }}, models: {{ providers: {{ mock: {{ baseUrl: "{}" }} }} }} }}"#,
        upstream.base_url()
    );
    let t = start_gateway(upstream, dir, &cfg).await;
    let (s, b) = t
        .chat(json!({"messages":[{"role":"user","content":"hi"}]}))
        .await;
    assert_eq!(s, 503, "{b}");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("OPENAI_API_KEY"),
        "{b}"
    );
}

#[actix_web::test]
async fn a_mid_stream_disconnect_ends_the_stream_with_an_error_chunk() {
    let t = spawn().await;
    t.upstream.push(Reply::Disconnect {
        chunks: vec!["partial ".into(), "answer".into()],
    });
    let mut resp = t
        .post("/v1/chat/completions")
        .send_json(&json!({"stream":true,"messages":[{"role":"user","content":"hi"}]}))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let data = read_sse_data(&mut resp).await;
    assert_eq!(data.last().unwrap(), "[DONE]");
    let last: Value = serde_json::from_str(&data[data.len() - 2]).unwrap();
    assert!(
        last["choices"][0]["delta"]["content"]
            .as_str()
            .unwrap()
            .starts_with("Error:"),
        "{last}"
    );
    assert_eq!(last["choices"][0]["finish_reason"], "stop");
}

#[actix_web::test]
async fn the_anthropic_protocol_works_streamed_and_not() {
    let t = spawn_with("anthropic-messages", "", "").await;
    let (s, b) = t
        .chat(json!({"messages":[{"role":"user","content":"hi"}]}))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        b["choices"][0]["message"]["content"],
        "Hello from the mock model."
    );
    assert_eq!(b["usage"]["completion_tokens"], 5);
    let req = &t.upstream.requests()[0];
    assert_eq!(req.path, "/v1/messages");
    assert_eq!(req.header("x-api-key"), Some("sk-upstream-secret"));
    assert!(req.body["system"].as_str().unwrap().contains("clawgate"));
    let mut resp = t
        .post("/v1/chat/completions")
        .send_json(&json!({"stream":true,"messages":[{"role":"user","content":"hi"}]}))
        .await
        .unwrap();
    let data = read_sse_data(&mut resp).await;
    let text: String = data[..data.len() - 1]
        .iter()
        .filter_map(|d| serde_json::from_str::<Value>(d).ok())
        .filter_map(|c| {
            c["choices"][0]["delta"]["content"]
                .as_str()
                .map(str::to_string)
        })
        .collect();
    assert_eq!(text, "Hello from the mock model.");
}

#[actix_web::test]
async fn a_client_disconnect_aborts_the_run() {
    let t = spawn().await;
    t.upstream.push(
        Reply::chunks(&["a", "b", "c", "d", "e", "f"]).with_chunk_delay(Duration::from_millis(400)),
    );
    let mut resp = t
        .post("/v1/chat/completions")
        .send_json(
            &json!({"stream":true,"user":"leaver","messages":[{"role":"user","content":"hi"}]}),
        )
        .await
        .unwrap();
    use futures_util::StreamExt;
    let first = resp.next().await.unwrap().unwrap();
    drop(resp);
    // The completion id is the run id; waiting on it ends once the abort is recorded.
    let first = String::from_utf8_lossy(&first).to_string();
    let chunk: serde_json::Value = serde_json::from_str(
        first
            .lines()
            .find_map(|l| l.strip_prefix("data: "))
            .expect("a data line"),
    )
    .unwrap();
    let run_id = chunk["id"].as_str().unwrap().to_string();
    let (mut c, _) = crate::ws_client::WsClient::operator(&t, crate::ws_client::ALL).await;
    let waited = c
        .call("agent.wait", json!({"runId": run_id, "timeoutMs": 10_000}))
        .await;
    assert_eq!(waited["payload"]["status"], "error", "{waited}");
    let row = t.store().get_run(&run_id).await.unwrap().expect("run row");
    assert_eq!(row.status, "aborted", "{row:?}");
}

#[actix_web::test]
async fn a_silent_upstream_hits_the_idle_timeout_instead_of_hanging() {
    let t = spawn_llm("openai-completions", "idleTimeoutSeconds: 1").await;
    t.upstream
        .push(Reply::chunks(&["a", "b"]).with_chunk_delay(Duration::from_secs(5)));
    let started = std::time::Instant::now();
    let mut resp = t
        .post("/v1/chat/completions")
        .send_json(&json!({"stream":true,"messages":[{"role":"user","content":"hi"}]}))
        .await
        .unwrap();
    let data = read_sse_data(&mut resp).await;
    let last: Value = serde_json::from_str(&data[data.len() - 2]).unwrap();
    assert!(
        last["choices"][0]["delta"]["content"]
            .as_str()
            .unwrap()
            .contains("timed out"),
        "{last}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "gave up after the idle timeout, not the stream's end"
    );
}

#[actix_web::test]
async fn streamed_upstream_calls_reuse_their_keep_alive_connection() {
    for api in ["openai-completions", "anthropic-messages"] {
        let t = spawn_with(api, "", "").await;
        let body =
            json!({"messages":[{"role":"user","content":"hi"}],"stream":true,"user":"keep-alive"});
        let mut opened = Vec::new();
        for _ in 0..4 {
            let mut resp = t
                .post("/v1/chat/completions")
                .send_json(&body)
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
            let data = read_sse_data(&mut resp).await;
            assert_eq!(data.last().map(String::as_str), Some("[DONE]"), "{api}");
            opened.push(t.upstream.connection_count());
        }
        // One session runs on one thread: its upstream connection is opened once and reused
        // (a stream the gateway stops reading at its last event would cost a new one each turn).
        assert_eq!(
            opened,
            vec![opened[0]; 4],
            "{api}: connections after each turn"
        );
    }
}

#[actix_web::test]
async fn a_hung_upstream_costs_the_idle_timeout_once_not_once_per_retry() {
    let t = spawn_llm("openai-completions", "idleTimeoutSeconds: 1").await;
    t.upstream.push(Reply::Hang {
        duration: Duration::from_secs(30),
    });
    let (s, b) = t
        .chat(json!({"messages":[{"role":"user","content":"hi"}]}))
        .await;
    assert_eq!(s, 504, "{b}");
    assert_eq!(b["error"]["code"], "upstream_timeout", "{b}");
    assert_eq!(
        t.upstream.request_count(),
        1,
        "the first attempt spent the idle budget; no retry waits again"
    );
    // The gateway keeps serving.
    t.upstream.push(Reply::text("still here"));
    let (s, b) = t
        .chat(json!({"messages":[{"role":"user","content":"hi"}]}))
        .await;
    assert_eq!(s, 200, "{b}");
}

#[actix_web::test]
async fn a_flooding_upstream_is_cut_at_the_reply_cap_and_the_run_still_ends_cleanly() {
    for api in ["openai-completions", "anthropic-messages"] {
        let t = spawn_llm(api, "maxReplyBytes: 2048").await;
        let flood: Vec<String> = (0..5000).map(|_| "0123456789".to_string()).collect();
        let flood: Vec<&str> = flood.iter().map(String::as_str).collect();
        t.upstream.push(Reply::chunks(&flood));
        let mut resp = t
            .post("/v1/chat/completions")
            .insert_header(("x-openclaw-session-key", "flood"))
            .send_json(&json!({"stream":true,"messages":[{"role":"user","content":"hi"}]}))
            .await
            .unwrap();
        let data = read_sse_data(&mut resp).await;
        assert_eq!(data.last().map(String::as_str), Some("[DONE]"), "{api}");
        let chunks: Vec<Value> = data[..data.len() - 1]
            .iter()
            .map(|d| serde_json::from_str(d).unwrap())
            .collect();
        let text: String = chunks
            .iter()
            .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
            .collect();
        assert!(
            (2048..2048 + 64).contains(&text.len()),
            "{api}: cut near the cap, got {} bytes",
            text.len()
        );
        let finish = chunks
            .iter()
            .find_map(|c| c["choices"][0]["finish_reason"].as_str());
        assert_eq!(finish, Some("length"), "{api}: truncation is visible");
        // The truncated reply is stored as the session's last message.
        let mut again = t
            .post("/v1/chat/completions")
            .insert_header(("x-openclaw-session-key", "flood"))
            .send_json(&json!({"messages":[{"role":"user","content":"again"}]}))
            .await
            .unwrap();
        assert_eq!(again.status(), 200, "{api}");
        again.body().await.unwrap();
        let last = t.upstream.requests().last().unwrap().body.clone();
        let stored = last["messages"]
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .find(|m| m["role"] == "assistant")
            .map(|m| match &m["content"] {
                Value::String(s) => s.clone(),
                blocks => blocks
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|b| b["text"].as_str())
                    .collect(),
            })
            .unwrap_or_default();
        assert_eq!(
            stored, text,
            "{api}: the stored reply is what the client saw"
        );
    }
}

/// A gateway on a fresh mock upstream speaking `api`, with `agents.defaults.llm: { <llm> }`.
async fn spawn_llm(api: &str, llm: &str) -> TestGateway {
    let upstream = MockUpstream::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = format!(
        r#"{{ gateway: {{ auth: {{ token: "{TOKEN}" }} }}, models: {{ providers: {{ mock: {{ baseUrl: "{}", api: "{api}", models: [{{ id: "m" }}] }} }} }},
             agents: {{ defaults: {{ llm: {{ {llm} }} }} }} }}"#,
        upstream.base_url()
    );
    start_gateway(upstream, dir, &cfg).await
}
