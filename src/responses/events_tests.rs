//! Tests for the response resource and the SSE event sequence.

use serde_json::{json, Value};

use super::*;
use crate::responses::schema::parse_request;

fn emitter() -> StreamEmitter {
    StreamEmitter::new(ResponseResource::new("resp_1", 1_700_000_000, "openclaw"))
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

fn assert_sequence(events: &[Value]) {
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["sequence_number"], json!(i), "event {i}: {e}");
    }
}

const REQUIRED_KEYS: [&str; 34] = [
    "id",
    "object",
    "created_at",
    "completed_at",
    "status",
    "incomplete_details",
    "model",
    "previous_response_id",
    "instructions",
    "output",
    "error",
    "tools",
    "tool_choice",
    "truncation",
    "parallel_tool_calls",
    "text",
    "top_p",
    "presence_penalty",
    "frequency_penalty",
    "top_logprobs",
    "temperature",
    "reasoning",
    "usage",
    "max_output_tokens",
    "max_tool_calls",
    "store",
    "background",
    "service_tier",
    "metadata",
    "safety_identifier",
    "prompt_cache_key",
    "object",
    "status",
    "output",
];

#[test]
fn resource_has_every_required_key() {
    let v = ResponseResource::new("resp_1", 5, "m").to_value();
    for key in REQUIRED_KEYS {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["completed_at"], Value::Null);
    assert_eq!(v["text"], json!({"format": {"type": "text"}}));
    assert_eq!(v["usage"]["input_tokens_details"]["cached_tokens"], 0);
    assert_eq!(v["usage"]["output_tokens_details"]["reasoning_tokens"], 0);
    assert_eq!(v["tool_choice"], "auto");
    assert_eq!(v["truncation"], "disabled");
    assert_eq!(v["metadata"], json!({}));
}

#[test]
fn resource_echoes_the_request() {
    let req = parse_request(br#"{"model":"openclaw","input":"x","instructions":"I","metadata":{"b":"2","a":"1"},
        "tools":[{"type":"function","name":"get_weather"}],"tool_choice":{"type":"function","function":{"name":"get_weather"}},
        "max_output_tokens":9,"store":false,"temperature":0.5,"reasoning":{"effort":"high"}}"#).unwrap();
    let v = ResponseResource::from_request("resp_2", 7, &req).to_value();
    assert_eq!(v["instructions"], "I");
    assert_eq!(
        serde_json::to_string(&v["metadata"]).unwrap(),
        r#"{"b":"2","a":"1"}"#
    );
    assert_eq!(
        v["tools"],
        json!([{"type": "function", "name": "get_weather", "description": null, "parameters": null, "strict": null}])
    );
    assert_eq!(
        v["tool_choice"],
        json!({"type": "function", "name": "get_weather"})
    );
    assert_eq!(
        (v["max_output_tokens"].clone(), v["store"].clone()),
        (json!(9), json!(false))
    );
    assert_eq!(v["temperature"], 0.5);
    assert_eq!(v["reasoning"], json!({"effort": "high", "summary": null}));
}

#[test]
fn usage_mapping_matches_openclaw() {
    let u = Usage::from_run(3, 5, 1, 1, None);
    assert_eq!(
        (u.input_tokens, u.output_tokens, u.total_tokens),
        (3, 5, 10)
    );
    assert_eq!(Usage::from_run(3, 5, 1, 1, Some(42)).total_tokens, 42);
}

#[test]
fn text_stream_has_the_canonical_order() {
    let mut em = emitter();
    let mut ev = em.start();
    ev.extend(em.text_delta("he"));
    ev.extend(em.text_delta("llo"));
    ev.extend(em.finish(Usage::from_run(9, 5, 0, 0, None)));
    assert_eq!(
        types(&ev),
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed",
        ]
    );
    assert_sequence(&ev);
    assert_eq!(ev[0]["response"]["status"], "in_progress");
    assert_eq!(ev[0]["response"]["output"], json!([]));
    let id = ev[2]["item"]["id"].as_str().unwrap();
    assert!(id.starts_with("msg_"));
    assert_eq!(
        ev[2]["item"],
        json!({"type": "message", "id": id, "status": "in_progress", "role": "assistant", "content": []})
    );
    assert_eq!(
        ev[3]["part"],
        json!({"type": "output_text", "text": "", "annotations": []})
    );
    assert_eq!(ev[5]["delta"], "llo");
    assert_eq!(ev[6]["text"], "hello");
    assert_eq!(ev[8]["item"]["phase"], "final_answer");
    assert_eq!(ev[8]["item"]["status"], "completed");
    let done = &ev[9]["response"];
    assert_eq!(done["status"], "completed");
    assert!(done["completed_at"].as_i64().unwrap() >= 1_700_000_000);
    assert_eq!(done["output"][0]["content"][0]["text"], "hello");
    assert_eq!(done["usage"]["total_tokens"], 14);
    assert_eq!(em.response(), *done);
    assert!(em.is_finished());
    assert!(em.text_delta("late").is_empty());
}

#[test]
fn text_then_tool_call_completes_with_commentary() {
    let mut em = emitter();
    let mut ev = em.text_delta("Checking.");
    ev.extend(em.tool_call_start("call_1", "get_weather"));
    ev.extend(em.tool_call_args_delta("call_1", "{\"city\":"));
    ev.extend(em.tool_call_args_delta("call_1", "\"Paris\"}"));
    ev.extend(em.tool_call_done("call_1"));
    ev.extend(em.finish(Usage::default()));
    assert_eq!(
        types(&ev),
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.output_item.added",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.done",
            "response.output_item.done",
            "response.completed",
        ]
    );
    assert_sequence(&ev);
    assert_eq!(ev[7]["item"]["phase"], "commentary");
    let added = &ev[8];
    assert_eq!(added["output_index"], 1);
    assert_eq!(added["item"]["arguments"], "");
    assert_eq!(added["item"]["status"], "in_progress");
    assert!(added["item"]["id"].as_str().unwrap().starts_with("fc_"));
    assert_eq!(ev[11]["arguments"], "{\"city\":\"Paris\"}");
    let resp = &ev[13]["response"];
    // OpenAI answers `completed` with the function_call items (OpenClaw said `incomplete`).
    assert_eq!(resp["status"], "completed");
    let kinds: Vec<&str> = resp["output"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["message", "function_call"]);
    assert_eq!(resp["output"][1]["call_id"], "call_1");
    assert_eq!(resp["output"][1]["status"], "completed");
}

#[test]
fn tool_call_only() {
    let mut em = emitter();
    let ev: Vec<Value> = [
        em.tool_call("call_9", "get_time", "{}"),
        em.finish(Usage::default()),
    ]
    .concat();
    assert_eq!(
        types(&ev),
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.done",
            "response.output_item.done",
            "response.completed",
        ]
    );
    assert_sequence(&ev);
    assert_eq!(ev[2]["output_index"], 0);
    assert_eq!(ev[6]["response"]["status"], "completed");
    assert_eq!(ev[6]["response"]["output"][0]["name"], "get_time");
}

#[test]
fn parallel_calls_keep_output_order() {
    let mut em = emitter();
    em.tool_call_start("a", "f");
    em.tool_call_start("b", "g");
    em.tool_call_done("b");
    em.finish(Usage::default());
    let out = em.response()["output"].clone();
    assert_eq!(
        (out[0]["call_id"].as_str(), out[1]["call_id"].as_str()),
        (Some("a"), Some("b"))
    );
}

#[test]
fn failure_emits_error_then_response_failed() {
    let mut em = emitter();
    let mut ev = em.text_delta("partial");
    ev.extend(em.fail("internal error"));
    assert_eq!(
        types(&ev),
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "error",
            "response.failed",
        ]
    );
    assert_sequence(&ev);
    assert_eq!(
        ev[5]["error"],
        json!({"code": "api_error", "message": "internal error", "param": null})
    );
    let resp = &ev[6]["response"];
    assert_eq!(resp["status"], "failed");
    assert_eq!(resp["output"], json!([]));
    assert_eq!(
        resp["error"],
        json!({"code": "api_error", "message": "internal error"})
    );
    assert!(em.finish(Usage::default()).is_empty());
}

#[test]
fn empty_run_gets_the_fallback_text() {
    let mut em = emitter();
    let ev = em.finish(Usage::default());
    assert_eq!(ev[4]["delta"], "No response from OpenClaw.");
    assert_eq!(
        ev.last().unwrap()["response"]["output"][0]["content"][0]["text"],
        "No response from OpenClaw."
    );
    let mut silent = emitter().with_empty_fallback(None);
    assert_eq!(
        types(&silent.finish(Usage::default())),
        [
            "response.created",
            "response.in_progress",
            "response.completed"
        ]
    );
}

#[test]
fn sse_frame_is_one_buffer_with_event_equal_to_type() {
    let ev = json!({"type": "response.output_text.delta", "sequence_number": 4, "delta": "hi"});
    let frame = to_sse_frame(&ev);
    assert_eq!(
        &frame[..],
        b"event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":4,\"delta\":\"hi\"}\n\n"
    );
    assert_eq!(DONE_FRAME, b"data: [DONE]\n\n");
}

#[test]
fn a_response_cut_by_the_budget_ends_incomplete_with_its_reason() {
    let mut em = emitter();
    let mut ev = em.text_delta("Once upon");
    em.set_incomplete("max_output_tokens");
    ev.extend(em.finish(Usage::default()));
    assert_sequence(&ev);
    let last = ev.last().unwrap();
    assert_eq!(last["type"], "response.incomplete");
    assert_eq!(last["response"]["status"], "incomplete");
    assert_eq!(
        last["response"]["incomplete_details"],
        json!({"reason": "max_output_tokens"})
    );
    assert_eq!(last["response"]["output"][0]["status"], "incomplete");
}
