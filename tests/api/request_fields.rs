//! Request fields beyond the basics: each one reaches the model (mapped for Anthropic), is
//! honoured by the gateway, or is refused with a 400 naming it.

use crate::helpers::*;
use clawgate_bench::mock::Reply;
use serde_json::{json, Value};

const RESPONSES: &str = "http: { endpoints: { responses: { enabled: true } } }";

fn person_schema() -> Value {
    json!({"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"}},"required":["name","age"],"additionalProperties":false})
}

#[actix_web::test]
async fn chat_sampling_fields_reach_an_openai_upstream() {
    let t = spawn().await;
    let (s, b) = t
        .chat(json!({"messages":[{"role":"user","content":"hi"}],"seed":42,"frequency_penalty":0.5,"presence_penalty":0.1,"logit_bias":{"50256":-100},"stop":["END"],"reasoning_effort":"low","n":1,"response_format":{"type":"json_object"}}))
        .await;
    assert_eq!(s, 200, "{b}");
    let up = &t.upstream.requests()[0].body;
    assert_eq!(up["seed"], 42);
    assert_eq!(up["frequency_penalty"], 0.5);
    assert_eq!(up["presence_penalty"], 0.1);
    assert_eq!(up["logit_bias"], json!({"50256":-100}));
    assert_eq!(up["stop"], json!(["END"]));
    assert_eq!(up["reasoning_effort"], "low");
    assert_eq!(up["response_format"], json!({"type":"json_object"}));
}

#[actix_web::test]
async fn chat_fields_that_cannot_be_honoured_are_refused_by_name() {
    let t = spawn().await;
    for (extra, field) in [
        (json!({"n":2}), "n"),
        (json!({"logprobs":true}), "logprobs"),
        (json!({"top_logprobs":2}), "top_logprobs"),
        (json!({"functions":[{"name":"f"}]}), "functions"),
        (json!({"modalities":["text","audio"]}), "modalities"),
        (json!({"no_such_field":1}), "no_such_field"),
    ] {
        let mut body = json!({"messages":[{"role":"user","content":"hi"}]});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let (s, b) = t.chat(body).await;
        assert_eq!(s, 400, "{field}: {b}");
        assert_eq!(b["error"]["param"], field, "{b}");
        assert!(
            b["error"]["message"].as_str().unwrap().contains(field),
            "{b}"
        );
    }
    assert_eq!(t.upstream.request_count(), 0, "nothing reached the model");
}

#[actix_web::test]
async fn openai_only_fields_are_refused_for_an_anthropic_model() {
    let t = spawn_with("anthropic-messages", "", "").await;
    let (s, b) = t
        .chat(json!({"messages":[{"role":"user","content":"hi"}],"seed":1}))
        .await;
    assert_eq!(s, 400, "{b}");
    assert_eq!(b["error"]["param"], "seed");
    assert_eq!(t.upstream.request_count(), 0);
}

#[actix_web::test]
async fn anthropic_gets_stop_sequences_and_structured_output_through_a_forced_tool() {
    let t = spawn_with("anthropic-messages", "", "").await;
    t.upstream.push(Reply::tool_call(
        "structured_output",
        r#"{"name":"Ada","age":36}"#,
    ));
    let (s, b) = t
        .chat(json!({"messages":[{"role":"user","content":"who?"}],"stop":"END","parallel_tool_calls":false,
            "response_format":{"type":"json_schema","json_schema":{"name":"person","schema":person_schema(),"strict":true}}}))
        .await;
    assert_eq!(s, 200, "{b}");
    let content = b["choices"][0]["message"]["content"].as_str().unwrap();
    let answer: Value = serde_json::from_str(content).unwrap();
    assert_eq!(answer, json!({"name":"Ada","age":36}));
    assert_eq!(b["choices"][0]["finish_reason"], "stop");
    assert!(
        b["choices"][0]["message"].get("tool_calls").is_none(),
        "{b}"
    );
    let up = &t.upstream.requests()[0].body;
    assert_eq!(up["stop_sequences"], json!(["END"]));
    let tool = up["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "structured_output")
        .expect("the structured-output tool");
    assert_eq!(tool["input_schema"], person_schema());
    // The agent's own tools are offered too, so the model must call one tool or the other.
    assert_eq!(
        up["tool_choice"],
        json!({"type":"any","disable_parallel_tool_use":true})
    );
}

#[actix_web::test]
async fn anthropic_structured_output_streams_as_content_deltas() {
    let t = spawn_with("anthropic-messages", "", "").await;
    t.upstream
        .push(Reply::tool_call("structured_output", r#"{"ok":true}"#));
    let mut r = t
        .post("/v1/chat/completions")
        .send_json(&json!({"stream":true,"messages":[{"role":"user","content":"ok?"}],"response_format":{"type":"json_object"}}))
        .await
        .unwrap();
    let chunks: Vec<Value> = read_sse_data(&mut r)
        .await
        .into_iter()
        .filter(|d| d != "[DONE]")
        .map(|d| serde_json::from_str(&d).unwrap())
        .collect();
    let text: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(text, r#"{"ok":true}"#);
    let finish = chunks
        .iter()
        .find_map(|c| c["choices"][0]["finish_reason"].as_str())
        .unwrap();
    assert_eq!(finish, "stop");
}

#[actix_web::test]
async fn responses_accepts_the_sdk_fields_and_passes_text_format_on() {
    let t = spawn_with("openai-completions", RESPONSES, "").await;
    let (s, _, b) = t
        .post_json(
            "/v1/responses",
            json!({"model":"openclaw","input":"who?","include":[],"store":false,"truncation":"auto",
                "parallel_tool_calls":true,"metadata":{"k":"v"},"user":"u1","service_tier":"auto",
                "reasoning":{"effort":"minimal"},"prompt_cache_key":"pk",
                "text":{"format":{"type":"json_schema","name":"person","schema":person_schema(),"strict":true}}}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["status"], "completed");
    assert_eq!(b["text"]["format"]["type"], "json_schema");
    assert_eq!(b["text"]["format"]["name"], "person");
    assert_eq!(b["service_tier"], "auto");
    assert_eq!(b["prompt_cache_key"], "pk");
    let up = &t.upstream.requests()[0].body;
    assert_eq!(
        up["response_format"],
        json!({"type":"json_schema","json_schema":{"name":"person","schema":person_schema(),"strict":true}})
    );
    assert_eq!(up["reasoning_effort"], "minimal");
    // Truly unknown keys stay a 400 naming the path.
    let (s, _, b) = t
        .post_json(
            "/v1/responses",
            json!({"model":"openclaw","input":"x","text":{"format":{"type":"text"},"bogus":1}}),
        )
        .await;
    assert_eq!(s, 400, "{b}");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("text.bogus: unknown field"),
        "{b}"
    );
}

#[actix_web::test]
async fn a_response_cut_by_max_output_tokens_is_incomplete_with_the_reason() {
    let t = spawn_with("openai-completions", RESPONSES, "").await;
    t.upstream
        .push(Reply::text("one two three four five").capped(2));
    let (s, _, b) = t
        .post_json(
            "/v1/responses",
            json!({"model":"openclaw","input":"count","max_output_tokens":2}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["status"], "incomplete");
    assert_eq!(
        b["incomplete_details"],
        json!({"reason":"max_output_tokens"})
    );
    assert_eq!(b["output"][0]["content"][0]["text"], "one two");
    assert_eq!(t.upstream.requests()[0].body["max_tokens"], 2);
    // Streamed: the terminal event is response.incomplete.
    t.upstream
        .push(Reply::text("one two three four five").capped(2));
    let mut r = t
        .post("/v1/responses")
        .send_json(&json!({"model":"openclaw","input":"count","max_output_tokens":2,"stream":true}))
        .await
        .unwrap();
    let data = read_sse_data(&mut r).await;
    let last: Value = serde_json::from_str(&data[data.len() - 2]).unwrap();
    assert_eq!(last["type"], "response.incomplete");
    assert_eq!(
        last["response"]["incomplete_details"]["reason"],
        "max_output_tokens"
    );
}
