//! Client tool loops: after the gateway answers with tool calls, the client's next request
//! carries the calls and their results, and the model must receive them as real tool messages
//! (OpenAI `tool` role, Anthropic `tool_result` blocks), not as folded text.

use crate::helpers::*;
use clawgate_bench::mock::Reply;
use serde_json::{json, Value};

const RESPONSES: &str = "http: { endpoints: { responses: { enabled: true } } }";

fn chat_tools() -> Value {
    json!([{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}])
}

fn responses_tools() -> Value {
    json!([{"type":"function","name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}])
}

/// Runs the two chat requests of a client tool loop; returns the second upstream body.
async fn chat_round_trip(t: &TestGateway) -> Value {
    t.upstream
        .push(Reply::tool_call("get_weather", r#"{"city":"Paris"}"#));
    let user = json!({"role":"user","content":"weather in Paris?"});
    let (s, first) = t
        .chat(json!({"model":"openclaw","messages":[user.clone()],"tools":chat_tools()}))
        .await;
    assert_eq!(s, 200, "{first}");
    let assistant = first["choices"][0]["message"].clone();
    let call_id = assistant["tool_calls"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    t.upstream.push(Reply::text("It is sunny in Paris."));
    let messages =
        json!([user, assistant, {"role":"tool","tool_call_id":call_id,"content":"sunny, 21C"}]);
    let (s, second) = t
        .chat(json!({"model":"openclaw","messages":messages,"tools":chat_tools()}))
        .await;
    assert_eq!(s, 200, "{second}");
    assert_eq!(
        second["choices"][0]["message"]["content"],
        "It is sunny in Paris."
    );
    assert_eq!(second["choices"][0]["finish_reason"], "stop");
    t.upstream.requests().last().unwrap().body.clone()
}

#[actix_web::test]
async fn a_chat_tool_loop_reaches_an_openai_upstream_as_tool_messages() {
    let t = spawn().await;
    let body = chat_round_trip(&t).await;
    let msgs = body["messages"].as_array().unwrap();
    let roles: Vec<&str> = msgs.iter().map(|m| m["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["system", "user", "assistant", "tool"]);
    assert_eq!(msgs[1]["content"], "weather in Paris?");
    let call = &msgs[2]["tool_calls"][0];
    assert_eq!(call["function"]["name"], "get_weather");
    assert_eq!(call["function"]["arguments"], r#"{"city":"Paris"}"#);
    assert_eq!(msgs[3]["tool_call_id"], call["id"]);
    assert_eq!(msgs[3]["content"], "sunny, 21C");
    // The client's tools are offered again, as it sent them.
    assert_eq!(body["tools"][0]["function"]["name"], "get_weather");
}

#[actix_web::test]
async fn a_chat_tool_loop_reaches_an_anthropic_upstream_as_tool_result_blocks() {
    let t = spawn_with("anthropic-messages", "", "").await;
    let body = chat_round_trip(&t).await;
    let msgs = body["messages"].as_array().unwrap();
    let roles: Vec<&str> = msgs.iter().map(|m| m["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["user", "assistant", "user"]);
    let tool_use = &msgs[1]["content"][0];
    assert_eq!(tool_use["type"], "tool_use");
    assert_eq!(tool_use["name"], "get_weather");
    assert_eq!(tool_use["input"], json!({"city":"Paris"}));
    let result = &msgs[2]["content"][0];
    assert_eq!(result["type"], "tool_result");
    assert_eq!(result["tool_use_id"], tool_use["id"]);
    assert_eq!(result["content"], "sunny, 21C");
}

#[actix_web::test]
async fn a_chat_tool_loop_is_persisted_as_tool_messages() {
    let t = spawn().await;
    t.upstream.push(Reply::text("Noted."));
    let messages = json!([
        {"role":"user","content":"weather?"},
        {"role":"assistant","content":null,"tool_calls":[{"id":"call_7","type":"function","function":{"name":"get_weather","arguments":"{}"}}]},
        {"role":"tool","tool_call_id":"call_7","content":"rain"}
    ]);
    let (s, b) = t
        .chat(json!({"user":"loop-user","messages":messages,"tools":chat_tools()}))
        .await;
    assert_eq!(s, 200, "{b}");
    // The next turn of the same session replays the stored history: still structured.
    let (s, b) = t
        .chat(json!({"user":"loop-user","messages":[{"role":"user","content":"and tomorrow?"}]}))
        .await;
    assert_eq!(s, 200, "{b}");
    let msgs = t.upstream.requests().last().unwrap().body["messages"].clone();
    let tool = msgs
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "tool")
        .expect("stored tool result")
        .clone();
    assert_eq!(tool["tool_call_id"], "call_7");
    assert_eq!(tool["content"], "rain");
}

#[actix_web::test]
async fn a_responses_tool_loop_reaches_an_anthropic_upstream_as_tool_result_blocks() {
    let t = spawn_with("anthropic-messages", RESPONSES, "").await;
    t.upstream
        .push(Reply::tool_call("get_weather", r#"{"city":"Oslo"}"#));
    let (s, _, r1) = t
        .post_json(
            "/v1/responses",
            json!({"model":"openclaw","input":"weather in Oslo?","tools":responses_tools()}),
        )
        .await;
    assert_eq!(s, 200, "{r1}");
    assert_eq!(r1["status"], "completed");
    let call = r1["output"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["type"] == "function_call")
        .expect("function_call item")
        .clone();
    t.upstream.push(Reply::text("Cold in Oslo."));
    let input = json!([
        {"type":"message","role":"user","content":"weather in Oslo?"},
        call.clone(),
        {"type":"function_call_output","call_id":call["call_id"],"output":"-3C"}
    ]);
    let (s, _, r2) = t
        .post_json(
            "/v1/responses",
            json!({"model":"openclaw","input":input,"tools":responses_tools()}),
        )
        .await;
    assert_eq!(s, 200, "{r2}");
    assert_eq!(r2["output"][0]["content"][0]["text"], "Cold in Oslo.");
    let body = t.upstream.requests().last().unwrap().body.clone();
    let msgs = body["messages"].as_array().unwrap();
    let tool_use = msgs
        .iter()
        .flat_map(|m| m["content"].as_array().cloned().unwrap_or_default())
        .find(|b| b["type"] == "tool_use")
        .expect("tool_use block");
    assert_eq!(tool_use["id"], call["call_id"]);
    let last = msgs.last().unwrap();
    assert_eq!(last["role"], "user");
    assert_eq!(last["content"][0]["type"], "tool_result");
    assert_eq!(last["content"][0]["tool_use_id"], call["call_id"]);
    assert_eq!(last["content"][0]["content"], "-3C");
}

#[actix_web::test]
async fn a_tool_loop_in_a_persistent_session_sends_each_tool_use_once() {
    // With `user`, the session keeps the first turn; the client then resends it with the result.
    let t = spawn_with("anthropic-messages", "", "").await;
    t.upstream
        .push(Reply::tool_call("get_weather", r#"{"city":"Paris"}"#));
    let user = json!({"role":"user","content":"weather in Paris?"});
    let (s, first) = t
        .chat(json!({"user":"u-loop","messages":[user.clone()],"tools":chat_tools()}))
        .await;
    assert_eq!(s, 200, "{first}");
    let assistant = first["choices"][0]["message"].clone();
    let call_id = assistant["tool_calls"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    t.upstream.push(Reply::text("Sunny."));
    let messages =
        json!([user, assistant, {"role":"tool","tool_call_id":call_id,"content":"sunny"}]);
    let (s, second) = t
        .chat(json!({"user":"u-loop","messages":messages,"tools":chat_tools()}))
        .await;
    assert_eq!(s, 200, "{second}");
    let body = t.upstream.requests().last().unwrap().body.clone();
    let blocks: Vec<Value> = body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["content"].as_array().cloned().unwrap_or_default())
        .collect();
    let uses = blocks.iter().filter(|b| b["type"] == "tool_use").count();
    let results: Vec<&Value> = blocks
        .iter()
        .filter(|b| b["type"] == "tool_result")
        .collect();
    assert_eq!(uses, 1, "{body}");
    assert_eq!(results.len(), 1, "{body}");
    assert_eq!(results[0]["content"], "sunny");
}
