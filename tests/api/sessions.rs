use crate::helpers::*;
use clawgate_bench::mock::Reply;
use serde_json::json;
use std::time::Duration;

fn user_texts(body: &serde_json::Value) -> Vec<String> {
    body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "user")
        .map(|m| m["content"].as_str().unwrap_or("").to_string())
        .collect()
}

#[actix_web::test]
async fn a_second_turn_with_the_same_user_sees_the_first() {
    let t = spawn().await;
    t.upstream.push(Reply::text("Nice to meet you, Ada."));
    t.chat(json!({"user":"ada","messages":[{"role":"user","content":"My name is Ada."}]}))
        .await;
    t.chat(json!({"user":"ada","messages":[{"role":"user","content":"What is my name?"}]}))
        .await;
    let second = &t.upstream.requests()[1].body;
    let msgs = second["messages"].as_array().unwrap();
    let texts: Vec<&str> = msgs
        .iter()
        .skip(1)
        .map(|m| m["content"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        texts,
        [
            "My name is Ada.",
            "Nice to meet you, Ada.",
            "What is my name?"
        ]
    );
    // A different user starts fresh.
    t.chat(json!({"user":"bob","messages":[{"role":"user","content":"hi"}]}))
        .await;
    assert_eq!(user_texts(&t.upstream.requests()[2].body), ["hi"]);
}

#[actix_web::test]
async fn sessions_survive_a_gateway_restart() {
    let t = spawn().await;
    t.chat(json!({"user":"carol","messages":[{"role":"user","content":"remember 42"}]}))
        .await;
    let (upstream, dir) = t.stop().await;
    let t = spawn_in(upstream, dir, "openai-completions", "", "").await;
    t.chat(json!({"user":"carol","messages":[{"role":"user","content":"what number?"}]}))
        .await;
    let reqs = t.upstream.requests();
    assert_eq!(
        user_texts(&reqs.last().unwrap().body),
        ["remember 42", "what number?"]
    );
}

#[actix_web::test]
async fn a_second_turn_on_a_busy_session_waits_its_turn() {
    let t = spawn().await;
    t.upstream
        .push(Reply::text("first answer").with_first_byte_delay(Duration::from_millis(400)));
    t.upstream.push(Reply::text("second answer"));
    let a = t.chat(json!({"user":"busy","messages":[{"role":"user","content":"one"}]}));
    let b = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        t.chat(json!({"user":"busy","messages":[{"role":"user","content":"two"}]}))
            .await
    };
    let ((sa, ba), (sb, bb)) = futures_util::join!(a, b);
    assert_eq!((sa.as_u16(), sb.as_u16()), (200, 200));
    assert_eq!(ba["choices"][0]["message"]["content"], "first answer");
    assert_eq!(bb["choices"][0]["message"]["content"], "second answer");
    // The second model call happened after the first finished, with its answer in context.
    let second = &t.upstream.requests()[1].body;
    let texts: Vec<&str> = second["messages"]
        .as_array()
        .unwrap()
        .iter()
        .skip(1)
        .map(|m| m["content"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(texts, ["one", "first answer", "two"]);
}

#[actix_web::test]
async fn workspace_bootstrap_files_join_the_system_prompt() {
    let upstream = clawgate_bench::mock::MockUpstream::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    std::fs::create_dir_all(&ws).unwrap();
    std::fs::write(ws.join("SOUL.md"), "Always answer in haiku.").unwrap();
    let cfg = format!(
        r#"{{ gateway: {{ auth: {{ token: "{TOKEN}" }} }}, models: {{ providers: {{ mock: {{ baseUrl: "{}", models: [{{ id: "m" }}] }} }} }}, agents: {{ defaults: {{ workspace: "{}" }} }} }}"#,
        upstream.base_url(),
        ws.display()
    );
    let t = start_gateway(upstream, dir, &cfg).await;
    t.chat(json!({"messages":[{"role":"user","content":"hi"}]}))
        .await;
    let sys = t.upstream.requests()[0].body["messages"][0]["content"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(sys.contains("Always answer in haiku."), "{sys}");
    assert!(
        sys.len() < 8 * 1024,
        "system prompt stays lean: {} bytes",
        sys.len()
    );
}

#[actix_web::test]
async fn a_long_session_sends_only_the_newest_history_that_fits() {
    let upstream = clawgate_bench::mock::MockUpstream::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // ~600 characters of history budget beyond the system prompt.
    let cfg = format!(
        r#"{{ gateway: {{ auth: {{ token: "{TOKEN}" }} }}, models: {{ providers: {{ mock: {{ baseUrl: "{}", models: [{{ id: "m" }}] }} }} }}, agents: {{ defaults: {{ contextTokens: 400 }} }} }}"#,
        upstream.base_url()
    );
    let t = start_gateway(upstream, dir, &cfg).await;
    for i in 0..6 {
        let text = format!("turn {i} {}", "words ".repeat(40));
        t.chat(json!({"user":"long","messages":[{"role":"user","content":text}]}))
            .await;
    }
    let last = t.upstream.requests().last().unwrap().body.clone();
    let texts = user_texts(&last);
    assert!(texts.last().unwrap().starts_with("turn 5"), "{texts:?}");
    assert!(
        !texts.iter().any(|t| t.starts_with("turn 0")),
        "oldest turn left out: {texts:?}"
    );
    // Nothing is lost from the store.
    let sessions = t.store().list_sessions(None, 10).await.unwrap();
    assert_eq!(sessions[0].message_count, 12);
}

#[actix_web::test]
async fn a_large_history_dropped_from_the_session_cache_is_read_back_whole() {
    let upstream = clawgate_bench::mock::MockUpstream::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = format!(
        r#"{{ gateway: {{ auth: {{ token: "{TOKEN}" }} }}, models: {{ providers: {{ mock: {{ baseUrl: "{}", models: [{{ id: "m" }}] }} }} }},
             agents: {{ defaults: {{ contextTokens: 10000000 }} }} }}"#,
        upstream.base_url()
    );
    let t = start_gateway(upstream, dir, &cfg).await;
    let big = |c: char| c.to_string().repeat(300 * 1024);
    for (i, c) in ['a', 'b', 'c'].into_iter().enumerate() {
        t.upstream.push(Reply::text(&format!("reply {i}")));
        let mut r = t
            .post("/v1/chat/completions")
            .insert_header(("x-openclaw-session-key", "big"))
            .send_json(&json!({"messages":[{"role":"user","content":big(c)}]}))
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.body().limit(1 << 20).await.unwrap();
    }
    // The third turn ran after the cached history passed its byte budget: everything said
    // before still reached the model, in order.
    let last = t.upstream.requests().last().unwrap().body.clone();
    let seen: Vec<(String, usize)> = last["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] != "system")
        .map(|m| {
            let text = m["content"].as_str().unwrap_or_default();
            (m["role"].as_str().unwrap().to_string(), text.len())
        })
        .collect();
    let expect: Vec<(String, usize)> = vec![
        ("user".into(), 300 * 1024),
        ("assistant".into(), "reply 0".len()),
        ("user".into(), 300 * 1024),
        ("assistant".into(), "reply 1".len()),
        ("user".into(), 300 * 1024),
    ];
    assert_eq!(seen, expect);
}
