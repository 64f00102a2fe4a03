//! The mock's tool-round timing (benchmark figure 7): a reply carrying a tool call, then a
//! request carrying its result, gives one sample; nothing else does.

use std::time::Duration;

use clawgate_bench::client::HttpConn;
use clawgate_bench::mock::{MockOptions, MockUpstream, Reply};
use serde_json::{json, Value};

const OPENAI: &str = "/v1/chat/completions";
const ANTHROPIC: &str = "/v1/messages";

/// Posts `body` on a fresh connection; returns the status and the raw body text.
async fn post(mock: &MockUpstream, path: &str, body: &Value) -> (u16, String) {
    let mut conn = HttpConn::connect(mock.addr()).await.expect("connect");
    let headers = [("Content-Type", "application/json")];
    let resp = conn
        .request("POST", path, &headers, body.to_string().as_bytes())
        .await
        .expect("request");
    (resp.status(), resp.text())
}

async fn measuring() -> MockUpstream {
    MockUpstream::start_with(MockOptions {
        measure_tool_rounds: true,
        ..MockOptions::default()
    })
    .await
    .unwrap()
}

fn assert_one_plausible_sample(samples: &[Duration]) {
    assert_eq!(samples.len(), 1, "{samples:?}");
    let secs = samples[0].as_secs_f64();
    assert!(secs.is_finite() && secs > 0.0 && secs < 10.0, "{secs}");
}

fn openai_follow_up(stream: bool) -> Value {
    json!({"model": "mock-model", "stream": stream, "messages": [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": null, "tool_calls": [{"id": "call_mock_0", "type": "function",
            "function": {"name": "weather", "arguments": "{\"city\":\"Paris\"}"}}]},
        {"role": "tool", "tool_call_id": "call_mock_0", "content": "sunny"}
    ]})
}

#[actix_web::test]
async fn openai_tool_call_then_its_result_is_one_round() {
    let mock = measuring().await;
    let first =
        json!({"model": "mock-model", "messages": [{"role": "user", "content": "weather?"}]});
    for stream in [false, true] {
        mock.push(Reply::tool_call("weather", r#"{"city":"Paris"}"#));
        let mut request = first.clone();
        request["stream"] = json!(stream);
        let (status, text) = post(&mock, OPENAI, &request).await;
        assert_eq!(status, 200);
        assert!(text.contains("call_mock_0"), "{text}");
        // A request without the result (a retry, another conversation) closes nothing.
        post(&mock, OPENAI, &first).await;
        assert!(mock.take_tool_round_samples().is_empty());

        let (status, text) = post(&mock, OPENAI, &openai_follow_up(stream)).await;
        assert_eq!(status, 200);
        assert!(text.contains("Hello"), "{text}");
        assert_one_plausible_sample(&mock.take_tool_round_samples());
        // The same history again: that call was already answered.
        post(&mock, OPENAI, &openai_follow_up(stream)).await;
        assert!(mock.take_tool_round_samples().is_empty());
    }
    mock.stop().await;
}

#[actix_web::test]
async fn anthropic_tool_use_then_its_tool_result_is_one_round() {
    let mock = measuring().await;
    mock.push(Reply::tool_call("weather", r#"{"city":"Paris"}"#));
    let first = json!({"model": "claude-mock", "max_tokens": 64, "stream": true,
        "messages": [{"role": "user", "content": "weather?"}]});
    let (status, text) = post(&mock, ANTHROPIC, &first).await;
    assert_eq!(status, 200);
    assert!(text.contains("tool_use"), "{text}");
    let follow_up = json!({"model": "claude-mock", "max_tokens": 64, "messages": [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "call_mock_0", "name": "weather",
            "input": {"city": "Paris"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "call_mock_0", "content": "sunny"}]}
    ]});
    let (status, _) = post(&mock, ANTHROPIC, &follow_up).await;
    assert_eq!(status, 200);
    assert_one_plausible_sample(&mock.take_tool_round_samples());
    mock.stop().await;
}

#[actix_web::test]
async fn without_the_option_nothing_is_recorded() {
    let mock = MockUpstream::start().await.unwrap();
    mock.push(Reply::tool_call("weather", "{}"));
    let first =
        json!({"model": "mock-model", "messages": [{"role": "user", "content": "weather?"}]});
    post(&mock, OPENAI, &first).await;
    post(&mock, OPENAI, &openai_follow_up(false)).await;
    assert!(mock.take_tool_round_samples().is_empty());
    mock.stop().await;
}

#[actix_web::test]
async fn auto_tool_calls_get_distinct_ids_and_each_round_is_timed() {
    let mock = MockUpstream::start_with(MockOptions {
        auto_tools: true,
        measure_tool_rounds: true,
        ..MockOptions::default()
    })
    .await
    .unwrap();
    let tools = json!([{"type": "function", "function": {"name": "agents_list",
        "parameters": {"type": "object", "properties": {}}}}]);
    let mut ids = Vec::new();
    for _ in 0..2 {
        let request = json!({"model": "mock-model", "tools": tools,
            "messages": [{"role": "user", "content": "who?"}]});
        let (_, text) = post(&mock, OPENAI, &request).await;
        let body: Value = serde_json::from_str(&text).unwrap();
        let call = body["choices"][0]["message"]["tool_calls"][0].clone();
        assert_eq!(call["function"]["name"], "agents_list");
        let id = call["id"].as_str().unwrap().to_string();
        let follow_up = json!({"model": "mock-model", "tools": tools, "messages": [
            {"role": "user", "content": "who?"},
            {"role": "assistant", "content": null, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": id, "content": "{}"}
        ]});
        let (_, text) = post(&mock, OPENAI, &follow_up).await;
        assert!(text.contains("Hello from the mock model."), "{text}");
        assert_one_plausible_sample(&mock.take_tool_round_samples());
        ids.push(id);
    }
    assert_ne!(ids[0], ids[1]);
    mock.stop().await;
}
