//! Tests for the strict request schema.

use serde_json::json;

use super::*;
use crate::responses::schema::*;

fn parse(v: serde_json::Value) -> std::result::Result<ResponsesRequest, SchemaError> {
    parse_request(v.to_string().as_bytes())
}

fn error(v: serde_json::Value) -> String {
    parse(v).unwrap_err().to_string()
}

#[test]
fn minimal_string_input() {
    let r = parse(json!({"model": "openclaw", "input": "hi"})).unwrap();
    assert_eq!(r.model, "openclaw");
    assert_eq!(r.input, Input::Text("hi".into()));
    assert!(!r.is_stream());
}

#[test]
fn required_fields_and_unknown_keys_are_named() {
    assert_eq!(error(json!({"input": "hi"})), "model: Required");
    assert_eq!(error(json!({"model": "m"})), "input: Required");
    assert_eq!(
        parse_request(b"").unwrap_err().to_string(),
        "model: Required"
    );
    assert_eq!(
        error(json!({"model": "m", "input": "hi", "frequency": 1})),
        "frequency: unknown field"
    );
    assert_eq!(
        error(
            json!({"model": "m", "input": [{"type": "message", "role": "user",
            "content": [{"type": "input_text", "text": "a"}, {"type": "input_text", "text": "b", "foo": 1}]}]})
        ),
        "input[0].content[1].foo: unknown field"
    );
    assert_eq!(
        error(json!({"model": 5, "input": "x"})),
        "model: Expected string, received number"
    );
    assert!(parse_request(b"{").unwrap_err().path.is_empty());
    assert_eq!(error(json!([1])), "Expected object, received array");
}

#[test]
fn scalar_fields_are_validated() {
    let base = |k: &str, v: serde_json::Value| {
        let mut o = json!({"model": "m", "input": "x"});
        o[k] = v;
        o
    };
    assert_eq!(
        error(base("max_output_tokens", json!(0))),
        "max_output_tokens: Number must be greater than 0"
    );
    assert_eq!(
        error(base("max_output_tokens", json!(1.5))),
        "max_output_tokens: Expected integer, received float"
    );
    assert_eq!(
        error(base("stream", json!("yes"))),
        "stream: Expected boolean, received string"
    );
    assert_eq!(
        error(base("metadata", json!({"a": 1}))),
        "metadata.a: Expected string, received number"
    );
    assert_eq!(
        error(base("truncation", json!("sometimes"))),
        "truncation: Invalid enum value. Expected 'auto' | 'disabled', received 'sometimes'"
    );
    assert_eq!(
        error(base("reasoning", json!({"effort": "max"})))
            .split(". ")
            .next()
            .unwrap(),
        "reasoning.effort: Invalid enum value"
    );
    let ok = parse(
        json!({"model": "m", "input": "x", "max_output_tokens": 123, "max_tool_calls": 2,
        "temperature": 0.2, "top_p": 0.9, "metadata": {"k": "v"}, "store": false, "user": "alice",
        "previous_response_id": "resp_1", "reasoning": {"effort": "low"}, "truncation": "auto",
        "parallel_tool_calls": false, "stream": true, "instructions": null}),
    )
    .unwrap();
    assert_eq!(ok.max_output_tokens, Some(123));
    assert_eq!(ok.metadata.as_ref().unwrap()["k"], "v");
    assert_eq!(
        ok.reasoning,
        Some(Reasoning {
            effort: Some(ReasoningEffort::Low),
            summary: None
        })
    );
    assert!(ok.is_stream());
    assert_eq!(ok.instructions, None);
}

#[test]
fn phase_only_on_assistant() {
    let ok = parse(json!({"model": "m", "input": [
        {"type": "message", "role": "assistant", "content": "a", "phase": "commentary"},
        {"type": "message", "role": "assistant", "content": "b", "phase": "final_answer"},
        {"type": "message", "role": "user", "content": "c"}]}));
    assert!(ok.is_ok());
    assert_eq!(
        error(
            json!({"model": "m", "input": [{"type": "message", "role": "user", "content": "a", "phase": "commentary"}]})
        ),
        "input[0].phase: `phase` is only valid on assistant messages."
    );
}

#[test]
fn typeless_message_and_item_kinds() {
    let r = parse(json!({"model": "m", "input": [
        {"role": "user", "content": "hi"},
        {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "c1", "output": "42"},
        {"type": "item_reference", "id": "msg_1"},
        {"type": "reasoning", "summary": []},
        {"type": "compaction", "encrypted_content": "x"},
        {"type": "message", "id": "msg_2", "status": "completed", "role": "assistant",
         "content": [{"type": "output_text", "text": "t", "annotations": []}]}]}))
    .unwrap();
    let Input::Items(items) = r.input else {
        panic!()
    };
    assert_eq!(items.len(), 7);
    assert!(matches!(&items[2], Item::FunctionCallOutput(o) if o.output == "42"));
    assert_eq!(
        error(json!({"model": "m", "input": [{"type": "bogus"}]}))
            .split(". ")
            .next()
            .unwrap(),
        "input[0].type: Invalid discriminator value"
    );
    assert_eq!(
        error(
            json!({"model": "m", "input": [{"type": "function_call_output", "call_id": "", "output": "x"}]})
        ),
        "input[0].call_id: String must contain at least 1 character(s)"
    );
}

#[test]
fn image_parts_in_both_forms() {
    let img = |part: serde_json::Value| json!({"model": "m", "input": [{"type": "message", "role": "user", "content": [part]}]});
    let parts = |v| {
        let Input::Items(items) = parse(v).unwrap().input else {
            panic!()
        };
        let Item::Message(m) = &items[0] else {
            panic!()
        };
        let MessageContent::Parts(p) = &m.content else {
            panic!()
        };
        p[0].clone()
    };
    let ContentPart::InputImage(a) = parts(img(
        json!({"type": "input_image", "image_url": "https://x.test/a.png", "detail": "low"}),
    )) else {
        panic!()
    };
    assert_eq!(
        a.source,
        MediaSource::Url {
            url: "https://x.test/a.png".into()
        }
    );
    assert_eq!(a.detail, Some(ImageDetail::Low));
    let ContentPart::InputImage(b) = parts(img(
        json!({"type": "input_image", "image_url": "data:image/png;base64,iVBO"}),
    )) else {
        panic!()
    };
    assert_eq!(
        b.source,
        MediaSource::Base64 {
            media_type: Some("image/png".into()),
            data: "iVBO".into(),
            filename: None
        }
    );
    let ContentPart::InputImage(c) = parts(img(
        json!({"type": "input_image", "source": {"type": "base64", "media_type": "image/heic", "data": "AAAA"}}),
    )) else {
        panic!()
    };
    assert!(matches!(c.source, MediaSource::Base64 { .. }));
    assert!(parse(img(
        json!({"type": "input_image", "source": {"type": "url", "url": "https://x.test/i"}})
    ))
    .is_ok());
    assert!(error(img(json!({"type": "input_image", "source": {"type": "base64", "media_type": "application/pdf", "data": "AA"}})))
        .starts_with("input[0].content[0].source.media_type: Invalid enum value"));
    assert_eq!(
        error(img(
            json!({"type": "input_image", "image_url": "data:image/png,abc"})
        )),
        "input[0].content[0].image_url: invalid data URL: data: URLs must be base64-encoded"
    );
    assert_eq!(
        error(img(json!({"type": "input_image"}))),
        "input[0].content[0].image_url: Required"
    );
}

#[test]
fn file_parts_in_both_forms_and_top_level() {
    let r = parse(json!({"model": "m", "input": [
        {"type": "input_file", "file_data": "data:text/plain;base64,aGk=", "filename": "a.txt"},
        {"type": "input_file", "file_data": "aGk="},
        {"type": "input_file", "file_url": "https://x.test/f.pdf"},
        {"type": "input_file", "source": {"type": "base64", "media_type": "text/plain", "data": "aGk=", "filename": "s.txt"}},
        {"type": "input_image", "image_url": "https://x.test/i.png"},
        {"type": "message", "role": "user", "content": "go"}]})).unwrap();
    let Input::Items(items) = r.input else {
        panic!()
    };
    let Item::InputFile(a) = &items[0] else {
        panic!()
    };
    assert_eq!(a.filename.as_deref(), Some("a.txt"));
    assert_eq!(
        a.source,
        MediaSource::Base64 {
            media_type: Some("text/plain".into()),
            data: "aGk=".into(),
            filename: None
        }
    );
    let Item::InputFile(b) = &items[1] else {
        panic!()
    };
    assert_eq!(
        b.source,
        MediaSource::Base64 {
            media_type: None,
            data: "aGk=".into(),
            filename: None
        }
    );
    let Item::InputFile(d) = &items[3] else {
        panic!()
    };
    assert_eq!(d.filename.as_deref(), Some("s.txt"));
    assert!(matches!(items[4], Item::InputImage(_)));
    assert_eq!(
        error(
            json!({"model": "m", "input": [{"type": "input_file", "file_url": "u", "file_data": "aGk="}]})
        ),
        "input[0]: Specify only one of `file_data`, `file_url` or `source`"
    );
}

#[test]
fn tools_flat_only() {
    let ok = parse(json!({"model": "m", "input": "x", "tools": [
        {"type": "function", "name": "get_weather", "description": "d", "parameters": {"type": "object"}, "strict": true}]})).unwrap();
    assert_eq!(ok.tools.unwrap()[0].strict, Some(true));
    assert_eq!(
        error(
            json!({"model": "m", "input": "x", "tools": [{"type": "function", "function": {"name": "f"}}]})
        ),
        "tools[0].function: unknown field"
    );
    assert_eq!(
        error(json!({"model": "m", "input": "x", "tools": [{"type": "function"}]})),
        "tools[0].name: Required"
    );
    assert_eq!(
        error(json!({"model": "m", "input": "x", "tools": [{"type": "function", "name": ""}]})),
        "tools[0].name: String must contain at least 1 character(s)"
    );
}

#[test]
fn tool_choice_forms() {
    let tc = |v| {
        parse(json!({"model": "m", "input": "x", "tool_choice": v})).map(|r| r.tool_choice.unwrap())
    };
    assert_eq!(tc(json!("required")).unwrap(), ToolChoice::Required);
    assert_eq!(tc(json!("none")).unwrap(), ToolChoice::None);
    assert_eq!(
        tc(json!({"type": "function", "name": "a"})).unwrap(),
        ToolChoice::Function("a".into())
    );
    assert_eq!(
        tc(json!({"type": "function", "function": {"name": "b"}})).unwrap(),
        ToolChoice::Function("b".into())
    );
    assert_eq!(
        tc(json!({"type": "function"})).unwrap_err().to_string(),
        "tool_choice.name: Required"
    );
    assert!(tc(json!("sometimes")).is_err());
    assert_eq!(
        ToolChoice::Function("a".into()).to_value(),
        json!({"type": "function", "name": "a"})
    );
}

#[test]
fn typed_request_round_trips_through_serde() {
    let r = parse(
        json!({"model": "m", "input": [{"type": "message", "role": "user", "content": "hi"}],
        "tool_choice": "auto"}),
    )
    .unwrap();
    let v = serde_json::to_value(&r).unwrap();
    let back: ResponsesRequest = serde_json::from_value(v).unwrap();
    assert_eq!(back, r);
}

#[test]
fn sdk_fields_are_accepted_at_their_defaults_and_refused_by_name_otherwise() {
    let ok = parse(
        json!({"model": "m", "input": "x", "include": [], "background": false,
        "top_logprobs": 0, "stream_options": {"include_obfuscation": false}, "service_tier": "auto",
        "text": {"format": {"type": "json_object"}, "verbosity": "low"}}),
    )
    .unwrap();
    let base = |k: &str, v: serde_json::Value| {
        let mut b = json!({"model": "m", "input": "x"});
        b[k] = v;
        b
    };
    assert_eq!(ok.include, Some(vec![]));
    assert_eq!(ok.text.unwrap().format, Some(TextFormat::JsonObject));
    assert_eq!(
        error(base("background", json!(true))),
        "background: background mode is not supported"
    );
    assert_eq!(
        error(base("top_logprobs", json!(3))),
        "top_logprobs: log probabilities are not returned"
    );
    assert_eq!(
        error(base(
            "text",
            json!({"format": {"type": "json_schema", "name": "n"}})
        )),
        "text.format.schema: Required"
    );
}
