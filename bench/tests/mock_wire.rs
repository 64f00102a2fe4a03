//! The mock upstream over real HTTP, checked against the exact wire shapes of OpenAI chat
//! completions and Anthropic Messages.

use std::time::{Duration, Instant};

use clawgate_bench::client::{HttpConn, SseEvent, SseParser};
use clawgate_bench::mock::{MockUpstream, Reply, ToolCall, Usage};
use serde_json::{json, Value};

const OPENAI: &str = "/v1/chat/completions";
const ANTHROPIC: &str = "/v1/messages";

async fn post(mock: &MockUpstream, path: &str, body: Value) -> (u16, String, Value) {
    let mut conn = HttpConn::connect(mock.addr()).await.expect("connect");
    let headers = [
        ("Content-Type", "application/json"),
        ("Authorization", "Bearer k"),
    ];
    let resp = conn
        .request("POST", path, &headers, body.to_string().as_bytes())
        .await
        .expect("request");
    let ct = resp.head.header("content-type").unwrap_or("").to_string();
    let json = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
    (resp.status(), ct, json)
}

/// Sends a stream request; returns the raw body text and its events.
async fn stream(mock: &MockUpstream, path: &str, body: Value) -> (String, Vec<SseEvent>) {
    let mut conn = HttpConn::connect(mock.addr()).await.expect("connect");
    let resp = conn
        .request("POST", path, &[], body.to_string().as_bytes())
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.head.header("content-type"), Some("text/event-stream"));
    let mut events = Vec::new();
    SseParser::new().feed(&resp.body, &mut events);
    (resp.text(), events)
}

fn chat(stream: bool, include_usage: bool) -> Value {
    let mut body = json!({"model": "mock-model", "messages": [{"role": "user", "content": "hi"}]});
    if stream {
        body["stream"] = json!(true);
    }
    if include_usage {
        body["stream_options"] = json!({"include_usage": true});
    }
    body
}

fn messages(stream: bool) -> Value {
    json!({"model": "claude-mock", "max_tokens": 64, "stream": stream,
           "messages": [{"role": "user", "content": "hi"}]})
}

fn datas(events: &[SseEvent]) -> Vec<Value> {
    events
        .iter()
        .filter(|e| e.data != "[DONE]")
        .map(|e| serde_json::from_str(&e.data).expect("chunk is JSON"))
        .collect()
}

#[actix_web::test]
async fn openai_non_stream_default_reply_has_the_chat_completion_shape() {
    let mock = MockUpstream::start().await.unwrap();
    let (status, ct, body) = post(&mock, OPENAI, chat(false, false)).await;
    assert_eq!(status, 200);
    assert_eq!(ct, "application/json");
    let id = body["id"].as_str().unwrap();
    assert!(id.starts_with("chatcmpl-"));
    assert!(body["created"].as_u64().unwrap() > 1_600_000_000);
    assert_eq!(
        body,
        json!({"id": id, "object": "chat.completion", "created": body["created"], "model": "mock-model",
               "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello from the mock model.", "refusal": null},
                            "logprobs": null, "finish_reason": "stop"}],
               "usage": {"prompt_tokens": 9, "completion_tokens": 5, "total_tokens": 14}})
    );
    let reqs = mock.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(mock.request_count(), 1);
    assert_eq!(
        (reqs[0].method.as_str(), reqs[0].path.as_str()),
        ("POST", OPENAI)
    );
    assert_eq!(reqs[0].header("Authorization"), Some("Bearer k"));
    assert_eq!(reqs[0].body, chat(false, false));
    mock.stop().await;
}

#[actix_web::test]
async fn openai_stream_with_usage_matches_the_wire_format() {
    let mock = MockUpstream::start().await.unwrap();
    let (raw, events) = stream(&mock, OPENAI, chat(true, true)).await;
    assert!(raw.starts_with(": keep-alive\n\ndata: {"), "{raw}");
    assert!(raw.ends_with("\n\ndata: [DONE]\n\n"), "{raw}");
    assert!(events.iter().all(|e| e.event.is_none()), "data-only frames");
    assert_eq!(events.last().unwrap().data, "[DONE]");
    let chunks = datas(&events);
    assert_eq!(chunks.len(), 1 + 5 + 1 + 1);
    let (id, created) = (chunks[0]["id"].clone(), chunks[0]["created"].clone());
    for c in &chunks {
        assert_eq!(
            (&c["id"], &c["created"]),
            (&id, &created),
            "same id/created on every chunk"
        );
        assert_eq!(c["object"], "chat.completion.chunk");
        assert_eq!(c["model"], "mock-model");
    }
    assert_eq!(
        chunks[0]["choices"],
        json!([{"index": 0, "delta": {"role": "assistant", "content": ""}, "logprobs": null, "finish_reason": null}])
    );
    assert_eq!(chunks[0]["usage"], Value::Null);
    assert!(chunks[0].as_object().unwrap().contains_key("usage"));
    let text: String = chunks[1..6]
        .iter()
        .map(|c| c["choices"][0]["delta"]["content"].as_str().unwrap())
        .collect();
    assert_eq!(text, "Hello from the mock model.");
    assert_eq!(chunks[6]["choices"][0]["delta"], json!({}));
    assert_eq!(chunks[6]["choices"][0]["finish_reason"], "stop");
    assert_eq!(chunks[7]["choices"], json!([]));
    assert_eq!(
        chunks[7]["usage"],
        json!({"prompt_tokens": 9, "completion_tokens": 5, "total_tokens": 14})
    );
    mock.stop().await;
}

#[actix_web::test]
async fn openai_stream_without_usage_has_no_usage_chunk_and_reasoning_comes_first() {
    let mock = MockUpstream::start().await.unwrap();
    mock.push(Reply::chunks(&["A", "B"]).with_reasoning(&["think", "ing"]));
    let (_, events) = stream(&mock, OPENAI, chat(true, false)).await;
    let chunks = datas(&events);
    let deltas: Vec<Value> = chunks
        .iter()
        .map(|c| c["choices"][0]["delta"].clone())
        .collect();
    assert_eq!(
        deltas,
        vec![
            json!({"role": "assistant", "content": ""}),
            json!({"reasoning_content": "think"}),
            json!({"reasoning_content": "ing"}),
            json!({"content": "A"}),
            json!({"content": "B"}),
            json!({}),
        ]
    );
    assert!(chunks
        .iter()
        .all(|c| !c.as_object().unwrap().contains_key("usage")));
    // Non-stream carries the reasoning DeepSeek-style on the message.
    mock.push(Reply::chunks(&["A"]).with_reasoning(&["r1", "r2"]));
    let (_, _, body) = post(&mock, OPENAI, chat(false, false)).await;
    assert_eq!(body["choices"][0]["message"]["reasoning_content"], "r1r2");
    mock.stop().await;
}

#[actix_web::test]
async fn openai_tool_calls_stream_as_fragments_and_appear_in_the_message() {
    let mock = MockUpstream::start().await.unwrap();
    let args = r#"{"city":"Paris","unit":"c"}"#;
    let two = Reply::ToolCalls {
        text: None,
        calls: vec![
            ToolCall {
                id: "call_a".into(),
                name: "weather".into(),
                arguments: args.into(),
            },
            ToolCall {
                id: "call_b".into(),
                name: "time".into(),
                arguments: "{}".into(),
            },
        ],
        usage: Usage::new(3, 4),
    };
    mock.push(two);
    let (_, events) = stream(&mock, OPENAI, chat(true, true)).await;
    let chunks = datas(&events);
    let mut per_index: Vec<(Value, String, usize)> = vec![(Value::Null, String::new(), 0); 2];
    for c in &chunks {
        for tc in c["choices"][0]["delta"]["tool_calls"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let i = tc["index"].as_u64().unwrap() as usize;
            if per_index[i].0.is_null() {
                assert_eq!(tc["type"], "function");
                assert_eq!(
                    tc["function"]["arguments"], "",
                    "first delta has empty arguments"
                );
                per_index[i].0 = tc.clone();
            } else {
                assert_eq!(
                    tc.as_object().unwrap().len(),
                    2,
                    "later deltas: index + function"
                );
                per_index[i].1 += tc["function"]["arguments"].as_str().unwrap();
                per_index[i].2 += 1;
            }
        }
    }
    assert_eq!(per_index[0].0["id"], "call_a");
    assert_eq!(per_index[0].0["function"]["name"], "weather");
    assert_eq!((per_index[0].1.as_str(), per_index[0].2 >= 2), (args, true));
    assert_eq!((per_index[1].1.as_str(), per_index[1].2 >= 2), ("{}", true));
    let finish = &chunks[chunks.len() - 2];
    assert_eq!(finish["choices"][0]["finish_reason"], "tool_calls");
    assert_eq!(chunks.last().unwrap()["usage"]["total_tokens"], 7);

    mock.push(Reply::tool_call("weather", args));
    let (_, _, body) = post(&mock, OPENAI, chat(false, false)).await;
    assert_eq!(body["choices"][0]["finish_reason"], "tool_calls");
    assert_eq!(
        body["choices"][0]["message"],
        json!({"role": "assistant", "content": null, "refusal": null, "tool_calls": [
            {"id": "call_mock_0", "type": "function", "function": {"name": "weather", "arguments": args}}]})
    );
    mock.stop().await;
}

#[actix_web::test]
async fn errors_use_each_protocols_error_shape() {
    let mock = MockUpstream::start().await.unwrap();
    mock.push(Reply::error(429, "slow down"));
    let (status, ct, body) = post(&mock, OPENAI, chat(true, true)).await;
    assert_eq!((status, ct.as_str()), (429, "application/json"));
    assert_eq!(
        body,
        json!({"error": {"message": "slow down", "type": "requests", "param": null, "code": "rate_limit_exceeded"}})
    );
    mock.push(Reply::error(500, "boom"));
    let (status, _, body) = post(&mock, OPENAI, chat(false, false)).await;
    assert_eq!(status, 500);
    assert_eq!(body["error"].as_object().unwrap().len(), 4);
    for (code, kind) in [
        (429, "rate_limit_error"),
        (529, "overloaded_error"),
        (500, "api_error"),
        (400, "invalid_request_error"),
    ] {
        mock.push(Reply::error(code, "nope"));
        let (status, _, body) = post(&mock, ANTHROPIC, messages(true)).await;
        assert_eq!(status, code);
        assert_eq!(
            body,
            json!({"type": "error", "error": {"type": kind, "message": "nope"}})
        );
    }
    mock.stop().await;
}

#[actix_web::test]
async fn queue_is_fifo_then_default_and_default_can_change() {
    let mock = MockUpstream::start().await.unwrap();
    mock.push(Reply::text("one"));
    mock.push(Reply::text("two words"));
    let content = |b: Value| {
        b["choices"][0]["message"]["content"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        content(post(&mock, OPENAI, chat(false, false)).await.2),
        "one"
    );
    assert_eq!(
        content(post(&mock, OPENAI, chat(false, false)).await.2),
        "two words"
    );
    let (_, _, body) = post(&mock, OPENAI, chat(false, false)).await;
    assert_eq!(content(body), "Hello from the mock model.");
    mock.set_default(Reply::text("changed").with_usage(1, 2));
    let (_, _, body) = post(&mock, OPENAI, chat(false, false)).await;
    assert_eq!(content(body.clone()), "changed");
    assert_eq!(body["usage"]["total_tokens"], 3);
    assert_eq!(mock.request_count(), 4);
    mock.stop().await;
}

#[actix_web::test]
async fn models_and_unknown_paths() {
    let mock = MockUpstream::start().await.unwrap();
    let mut conn = HttpConn::connect(mock.addr()).await.unwrap();
    let resp = conn.request("GET", "/v1/models", &[], b"").await.unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(
        body,
        json!({"object": "list", "data": [{"id": "mock-model", "object": "model", "created": 0, "owned_by": "mock"}]})
    );
    // Same keep-alive connection.
    assert!(conn.is_reusable());
    let resp = conn.request("GET", "/nope", &[], b"").await.unwrap();
    assert_eq!(resp.status(), 404);
    let resp = conn
        .request("POST", OPENAI, &[], b"{not json")
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert!(mock
        .base_url()
        .ends_with(&format!(":{}/v1", mock.addr().port())));
    mock.stop().await;
}

#[actix_web::test]
async fn anthropic_non_stream_message_shapes() {
    let mock = MockUpstream::start().await.unwrap();
    let (status, ct, body) = post(&mock, ANTHROPIC, messages(false)).await;
    assert_eq!((status, ct.as_str()), (200, "application/json"));
    let id = body["id"].as_str().unwrap();
    assert!(id.starts_with("msg_"));
    assert_eq!(
        body,
        json!({"id": id, "type": "message", "role": "assistant", "model": "claude-mock",
               "content": [{"type": "text", "text": "Hello from the mock model."}],
               "stop_reason": "end_turn", "stop_sequence": null,
               "usage": {"input_tokens": 9, "output_tokens": 5}})
    );
    mock.push(Reply::chunks(&["ok"]).with_reasoning(&["hm"]));
    let (_, _, body) = post(&mock, ANTHROPIC, messages(false)).await;
    assert_eq!(body["content"][0]["type"], "thinking");
    assert_eq!(body["content"][0]["thinking"], "hm");
    assert!(body["content"][0]["signature"].is_string());
    assert_eq!(body["content"][1], json!({"type": "text", "text": "ok"}));
    mock.push(Reply::tool_call("weather", r#"{"city":"Paris"}"#));
    let (_, _, body) = post(&mock, ANTHROPIC, messages(false)).await;
    assert_eq!(body["stop_reason"], "tool_use");
    assert_eq!(
        body["content"],
        json!([{"type": "tool_use", "id": "call_mock_0", "name": "weather", "input": {"city": "Paris"}}])
    );
    mock.stop().await;
}

#[actix_web::test]
async fn anthropic_stream_event_sequence() {
    let mock = MockUpstream::start().await.unwrap();
    mock.push(
        Reply::chunks(&["Hi", " there"])
            .with_reasoning(&["let me", " think"])
            .with_usage(12, 7),
    );
    let (raw, events) = stream(&mock, ANTHROPIC, messages(true)).await;
    assert!(
        raw.starts_with(": keep-alive\n\nevent: message_start\ndata: {"),
        "{raw}"
    );
    let names: Vec<&str> = events.iter().map(|e| e.event.as_deref().unwrap()).collect();
    assert_eq!(
        names,
        [
            "message_start",
            "content_block_start",
            "ping",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "content_block_start",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop"
        ]
    );
    let data = datas(&events);
    for (e, d) in events.iter().zip(&data) {
        assert_eq!(
            Some(d["type"].as_str().unwrap()),
            e.event.as_deref(),
            "type matches event name"
        );
    }
    let msg = &data[0]["message"];
    assert_eq!(msg["content"], json!([]));
    assert_eq!(msg["stop_reason"], Value::Null);
    assert_eq!(msg["usage"]["input_tokens"], 12);
    assert_eq!(
        data[1]["content_block"],
        json!({"type": "thinking", "thinking": ""})
    );
    assert_eq!(
        data[3]["delta"],
        json!({"type": "thinking_delta", "thinking": "let me"})
    );
    assert_eq!(data[5]["delta"]["type"], "signature_delta");
    assert_eq!(
        data[7],
        json!({"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}})
    );
    assert_eq!(
        data[8],
        json!({"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "Hi"}})
    );
    assert_eq!(data[10], json!({"type": "content_block_stop", "index": 1}));
    assert_eq!(
        data[11],
        json!({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": null}, "usage": {"output_tokens": 7}})
    );
    mock.stop().await;
}

#[actix_web::test]
async fn anthropic_tool_use_streams_input_json_fragments() {
    let mock = MockUpstream::start().await.unwrap();
    let args = r#"{"query":"rust actix"}"#;
    mock.push(Reply::ToolCalls {
        text: Some("Searching.".into()),
        calls: vec![ToolCall {
            id: "toolu_1".into(),
            name: "search".into(),
            arguments: args.into(),
        }],
        usage: Usage::new(5, 6),
    });
    let (_, events) = stream(&mock, ANTHROPIC, messages(true)).await;
    let data = datas(&events);
    let start = data
        .iter()
        .find(|d| d["type"] == "content_block_start" && d["index"] == 1)
        .unwrap();
    assert_eq!(
        start["content_block"],
        json!({"type": "tool_use", "id": "toolu_1", "name": "search", "input": {}})
    );
    let fragments: Vec<&str> = data
        .iter()
        .filter(|d| d["delta"]["type"] == "input_json_delta")
        .map(|d| d["delta"]["partial_json"].as_str().unwrap())
        .collect();
    assert!(fragments.len() >= 2);
    assert_eq!(fragments.concat(), args);
    let delta = data.iter().find(|d| d["type"] == "message_delta").unwrap();
    assert_eq!(delta["delta"]["stop_reason"], "tool_use");
    assert_eq!(delta["usage"]["output_tokens"], 6);
    mock.stop().await;
}

#[actix_web::test]
async fn disconnect_drops_the_stream_before_it_finishes() {
    let mock = MockUpstream::start().await.unwrap();
    for path in [OPENAI, ANTHROPIC] {
        mock.push(Reply::Disconnect {
            chunks: vec!["par".into(), "tial".into()],
        });
        let mut conn = HttpConn::connect(mock.addr()).await.unwrap();
        let body = if path == OPENAI {
            chat(true, true)
        } else {
            messages(true)
        };
        conn.send("POST", path, &[], body.to_string().as_bytes())
            .await
            .unwrap();
        let head = conn.read_head().await.unwrap();
        assert_eq!(head.status, 200);
        let mut got = Vec::new();
        let err = loop {
            match conn.next_chunk().await {
                Ok(Some(b)) => got.extend_from_slice(&b),
                Ok(None) => panic!("stream finished cleanly: {}", String::from_utf8_lossy(&got)),
                Err(e) => break e,
            }
        };
        assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
        let text = String::from_utf8_lossy(&got);
        assert!(
            text.contains("\"par\"") && text.contains("\"tial\""),
            "{text}"
        );
        assert!(
            !text.contains("[DONE]") && !text.contains("message_stop"),
            "{text}"
        );
    }
    // Non-stream: Content-Length announces more than is sent.
    mock.push(Reply::Disconnect {
        chunks: vec!["a".into()],
    });
    let mut conn = HttpConn::connect(mock.addr()).await.unwrap();
    let err = conn
        .request(
            "POST",
            OPENAI,
            &[],
            chat(false, false).to_string().as_bytes(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    mock.stop().await;
}

#[actix_web::test]
async fn hang_sends_nothing_then_closes() {
    let mock = MockUpstream::start().await.unwrap();
    mock.push(Reply::Hang {
        duration: Duration::from_millis(150),
    });
    let mut conn = HttpConn::connect(mock.addr()).await.unwrap();
    let t0 = Instant::now();
    conn.send(
        "POST",
        OPENAI,
        &[],
        chat(true, false).to_string().as_bytes(),
    )
    .await
    .unwrap();
    let err = conn.read_head().await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    assert!(t0.elapsed() >= Duration::from_millis(150));
    mock.stop().await;
}

#[actix_web::test]
async fn delays_pace_the_stream() {
    let mock = MockUpstream::start().await.unwrap();
    let reply = Reply::chunks(&["a", "b", "c"])
        .with_first_byte_delay(Duration::from_millis(30))
        .with_chunk_delay(Duration::from_millis(20));
    mock.push(reply.clone());
    let mut conn = HttpConn::connect(mock.addr()).await.unwrap();
    let t0 = Instant::now();
    conn.send(
        "POST",
        OPENAI,
        &[],
        chat(true, false).to_string().as_bytes(),
    )
    .await
    .unwrap();
    conn.read_head().await.unwrap();
    assert!(t0.elapsed() >= Duration::from_millis(30));
    let mut parser = SseParser::new();
    let mut events = Vec::new();
    let mut times = Vec::new();
    while let Some(piece) = conn.next_chunk().await.unwrap() {
        let before = events.len();
        parser.feed(&piece, &mut events);
        for e in &events[before..] {
            if e.data.contains("\"content\":\"") && !e.data.contains("\"content\":\"\"") {
                times.push(Instant::now());
            }
        }
    }
    assert_eq!(times.len(), 3);
    assert!(
        times[2] - times[0] >= Duration::from_millis(40),
        "paced 20 ms apart"
    );
    // Non-stream waits for the whole generation.
    mock.push(reply);
    let t0 = Instant::now();
    let (status, _, _) = post(&mock, OPENAI, chat(false, false)).await;
    assert_eq!(status, 200);
    assert!(t0.elapsed() >= Duration::from_millis(70));
    mock.stop().await;
}

#[actix_web::test]
async fn serves_many_concurrent_keep_alive_connections() {
    let mock = MockUpstream::start().await.unwrap();
    let addr = mock.addr();
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            actix_rt::spawn(async move {
                let mut conn = HttpConn::connect(addr).await.unwrap();
                for _ in 0..10 {
                    let body = chat(false, false).to_string();
                    let resp = conn
                        .request("POST", OPENAI, &[], body.as_bytes())
                        .await
                        .unwrap();
                    assert_eq!(resp.status(), 200);
                    assert!(conn.is_reusable());
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(mock.request_count(), 320);
    assert_eq!(mock.connection_count(), 32, "one connection per client");
    mock.stop().await;
}
