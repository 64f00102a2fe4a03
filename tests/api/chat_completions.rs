use crate::helpers::*;
use clawgate_bench::mock::Reply;
use serde_json::json;

#[actix_web::test]
async fn non_stream_chat_returns_an_openai_completion() {
    let t = spawn().await;
    let (status, headers, body) = t
        .post_json(
            "/v1/chat/completions",
            json!({"model":"openclaw","messages":[{"role":"user","content":"hi"}]}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(headers.get("referrer-policy").unwrap(), "no-referrer");
    assert!(body["id"].as_str().unwrap().starts_with("chatcmpl_"));
    assert_eq!(body["object"], "chat.completion");
    assert_eq!(body["model"], "openclaw");
    assert_eq!(
        body["choices"][0]["message"],
        json!({"role":"assistant","content":"Hello from the mock model."})
    );
    assert_eq!(body["choices"][0]["finish_reason"], "stop");
    assert_eq!(
        body["usage"],
        json!({"prompt_tokens":9,"completion_tokens":5,"total_tokens":14})
    );
    // The upstream got the bare message and the configured backend model, with our key.
    let req = &t.upstream.requests()[0];
    assert_eq!(req.body["model"], "mock-model");
    assert_eq!(last_user_text(&req.body), "hi");
    assert_eq!(
        req.header("authorization"),
        Some("Bearer sk-upstream-secret")
    );
}

#[actix_web::test]
async fn streaming_chat_sends_chunks_then_done() {
    let t = spawn().await;
    let mut resp = t
        .post("/v1/chat/completions")
        .send_json(
            &json!({"model":"openclaw","stream":true,"messages":[{"role":"user","content":"hi"}]}),
        )
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
    assert_eq!(data.last().unwrap(), "[DONE]");
    let chunks: Vec<serde_json::Value> = data[..data.len() - 1]
        .iter()
        .map(|d| serde_json::from_str(d).unwrap())
        .collect();
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    let id = chunks[0]["id"].clone();
    let text: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(text, "Hello from the mock model.");
    assert!(chunks
        .iter()
        .all(|c| c["object"] == "chat.completion.chunk" && c["id"] == id));
    assert!(
        chunks.iter().all(|c| c.get("usage").is_none()),
        "no usage unless asked"
    );
    assert_eq!(
        chunks.last().unwrap()["choices"][0]["finish_reason"],
        "stop"
    );
}

#[actix_web::test]
async fn include_usage_adds_a_usage_chunk_before_done() {
    let t = spawn().await;
    t.upstream
        .push(Reply::chunks(&["a", "b"]).with_usage(12, 5));
    let mut resp = t.post("/v1/chat/completions").send_json(&json!({"stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]})).await.unwrap();
    let data = read_sse_data(&mut resp).await;
    let usage: serde_json::Value = serde_json::from_str(&data[data.len() - 2]).unwrap();
    assert_eq!(usage["choices"], json!([]));
    assert_eq!(
        usage["usage"],
        json!({"prompt_tokens":12,"completion_tokens":5,"total_tokens":17})
    );
}

#[actix_web::test]
async fn history_is_folded_and_system_text_reaches_the_system_prompt() {
    let t = spawn().await;
    let (s, _) = t
        .chat(json!({"messages":[
        {"role":"system","content":"You are terse."},
        {"role":"user","content":"Hello, who are you?"},
        {"role":"assistant","content":"I am Claude."},
        {"role":"user","content":"What did I just ask you?"}]}))
        .await;
    assert_eq!(s, 200);
    let body = &t.upstream.requests()[0].body;
    let sys = body["messages"][0]["content"].as_str().unwrap();
    assert!(sys.contains("You are terse."));
    let user = last_user_text(body);
    assert!(user.starts_with("[Chat messages since your last reply - for context]\nUser: Hello, who are you?\nAssistant: I am Claude.\n\n[Current message - respond to this]\nUser: What did I just ask you?"), "{user}");
}

#[actix_web::test]
async fn agent_and_session_selection_follow_openclaw() {
    let t = spawn().await;
    let client = t.client();
    let resp = client
        .post(t.url("/v1/chat/completions"))
        .insert_header(("authorization", format!("Bearer {TOKEN}")))
        .insert_header(("x-openclaw-agent-id", "beta"))
        .send_json(&json!({"messages":[{"role":"user","content":"hi"}]}))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    t.chat(
        json!({"model":"openclaw/beta","user":"Alice","messages":[{"role":"user","content":"hi"}]}),
    )
    .await;
    t.chat(json!({"model":"agent:main","user":"bob","messages":[{"role":"user","content":"hi"}]}))
        .await;
    let resp = client
        .post(t.url("/v1/chat/completions"))
        .insert_header(("authorization", format!("Bearer {TOKEN}")))
        .insert_header(("x-openclaw-session-key", "agent:beta:openai:custom"))
        .send_json(&json!({"messages":[{"role":"user","content":"hi"}]}))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let keys: Vec<String> = t
        .store()
        .list_sessions(None, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.key)
        .collect();
    assert!(
        keys.iter()
            .any(|k| k.starts_with("agent:beta:openai:") && k != "agent:beta:openai:custom"),
        "{keys:?}"
    );
    assert!(
        keys.contains(&"agent:beta:openai-user:alice".to_string()),
        "{keys:?}"
    );
    assert!(
        keys.contains(&"agent:main:openai-user:bob".to_string()),
        "{keys:?}"
    );
    assert!(
        keys.contains(&"agent:beta:openai:custom".to_string()),
        "{keys:?}"
    );
}

#[actix_web::test]
async fn backend_model_override_must_be_allowed() {
    let t = spawn().await;
    let client = t.client();
    let send = |model: &'static str| {
        client
            .post(t.url("/v1/chat/completions"))
            .insert_header(("authorization", format!("Bearer {TOKEN}")))
            .insert_header(("x-openclaw-model", model))
            .send_json(&json!({"messages":[{"role":"user","content":"hi"}]}))
    };
    assert_eq!(send("mock/vision-model").await.unwrap().status(), 200);
    assert_eq!(t.upstream.requests()[0].body["model"], "vision-model");
    let mut r = send("openai/").await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error"]["message"],
        "Invalid `x-openclaw-model`."
    );
    let mut r = send("other/gpt-9").await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error"]["message"],
        "Model 'other/gpt-9' is not allowed for agent 'main'."
    );
    // The seeds' form: a configured provider/model as `model`.
    let (s, _) = t
        .chat(json!({"model":"mock/vision-model","messages":[{"role":"user","content":"hi"}]}))
        .await;
    assert_eq!(s, 200);
}

#[actix_web::test]
async fn a_tool_loop_runs_server_tools_and_feeds_results_back() {
    let t = spawn().await;
    t.upstream.push(Reply::tool_call("session_status", "{}"));
    t.upstream.push(Reply::text("You are in a fine session."));
    let (s, body) = t
        .chat(json!({"user":"tooluser","messages":[{"role":"user","content":"status?"}]}))
        .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(
        body["choices"][0]["message"]["content"],
        "You are in a fine session."
    );
    let reqs = t.upstream.requests();
    assert_eq!(reqs.len(), 2);
    let tools: Vec<&str> = reqs[0].body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        tools,
        [
            "sessions_list",
            "sessions_history",
            "session_status",
            "memory_search",
            "memory_get"
        ]
    );
    let msgs = reqs[1].body["messages"].as_array().unwrap();
    let tool_msg = msgs
        .iter()
        .find(|m| m["role"] == "tool")
        .expect("tool result sent back");
    assert!(tool_msg["content"]
        .as_str()
        .unwrap()
        .contains("agent:main:openai-user:tooluser"));
}

#[actix_web::test]
async fn client_tools_come_back_as_tool_calls() {
    let t = spawn().await;
    let tools = json!([{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]);
    t.upstream
        .push(Reply::tool_call("get_weather", "{\"city\":\"Paris\"}"));
    let (s, body) = t
        .chat(json!({"messages":[{"role":"user","content":"weather?"}],"tools":tools}))
        .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["choices"][0]["finish_reason"], "tool_calls");
    let call = &body["choices"][0]["message"]["tool_calls"][0];
    assert_eq!(call["function"]["name"], "get_weather");
    assert_eq!(call["function"]["arguments"], "{\"city\":\"Paris\"}");
    // Streamed: tool_call deltas then finish_reason tool_calls.
    t.upstream
        .push(Reply::tool_call("get_weather", "{\"city\":\"Rome\"}"));
    let mut resp = t
        .post("/v1/chat/completions")
        .send_json(
            &json!({"stream":true,"messages":[{"role":"user","content":"weather?"}],"tools":tools}),
        )
        .await
        .unwrap();
    let data = read_sse_data(&mut resp).await;
    let chunks: Vec<serde_json::Value> = data[..data.len() - 1]
        .iter()
        .map(|d| serde_json::from_str(d).unwrap())
        .collect();
    let first_call = chunks
        .iter()
        .find(|c| c["choices"][0]["delta"]["tool_calls"].is_array())
        .unwrap();
    assert_eq!(
        first_call["choices"][0]["delta"]["tool_calls"][0]["function"]["name"],
        "get_weather"
    );
    let args: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"].as_str())
        .collect();
    assert_eq!(args, "{\"city\":\"Rome\"}");
    assert_eq!(
        chunks.last().unwrap()["choices"][0]["finish_reason"],
        "tool_calls"
    );
}

#[actix_web::test]
async fn images_need_a_model_that_accepts_them() {
    let t = spawn().await;
    let img = json!([{"type":"text","text":"what is this"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]);
    let (s, body) = t
        .chat(json!({"messages":[{"role":"user","content":img}]}))
        .await;
    assert_eq!(s, 400, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("does not accept image input"));
    assert_eq!(t.upstream.request_count(), 0, "no run started");
    let client = t.client();
    let resp = client
        .post(t.url("/v1/chat/completions"))
        .insert_header(("authorization", format!("Bearer {TOKEN}")))
        .insert_header(("x-openclaw-model", "mock/vision-model"))
        .send_json(&json!({"messages":[{"role":"user","content":img}]}))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let reqs = t.upstream.requests();
    let content = &reqs[0].body["messages"].as_array().unwrap().last().unwrap()["content"];
    assert_eq!(
        content[1]["image_url"]["url"],
        "data:image/png;base64,iVBORw0KGgo="
    );
}
