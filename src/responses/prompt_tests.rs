//! Tests for prompt building (spec §4.2, checklist §15.2).

use serde_json::json;

use super::*;
use crate::responses::schema::{parse_request, MediaSource};

fn turn(v: serde_json::Value) -> Result<TurnInput, PromptError> {
    build_turn(&parse_request(v.to_string().as_bytes()).unwrap())
}

#[test]
fn string_input_is_the_message() {
    let t = turn(json!({"model": "m", "input": "hello world"})).unwrap();
    assert_eq!(t.message, "hello world");
    assert!(t.history.is_empty());
    assert_eq!(t.extra_system_prompt, None);
    assert_eq!(
        t.items,
        vec![ConversationItem::Message {
            role: HistoryRole::User,
            text: "hello world".into()
        }]
    );
}

#[test]
fn single_user_item_is_bare_text() {
    let t = turn(json!({"model": "m", "input": [{"type": "message", "role": "user", "content": "hello there"}]})).unwrap();
    assert_eq!(t.message, "hello there");
}

#[test]
fn system_developer_and_instructions_form_the_extra_prompt() {
    let t = turn(json!({"model": "m", "instructions": "Be brief.", "input": [
        {"type": "message", "role": "system", "content": "You are a helpful assistant."},
        {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "Dev rule."}]},
        {"type": "message", "role": "user", "content": "Hello"}]})).unwrap();
    assert_eq!(
        t.extra_system_prompt.as_deref(),
        Some("Be brief.\n\nYou are a helpful assistant.\n\nDev rule.")
    );
    assert_eq!(t.message, "Hello");
}

#[test]
fn history_uses_the_exact_markers() {
    let t = turn(json!({"model": "m", "input": [
        {"type": "message", "role": "user", "content": "Hello, who are you?"},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "I am Claude."}]},
        {"type": "message", "role": "user", "content": "What did I just ask?"},
        {"type": "message", "role": "assistant", "content": "trailing, dropped"}]})).unwrap();
    assert_eq!(
        t.message,
        "[Chat messages since your last reply - for context]\nUser: Hello, who are you?\nAssistant: I am Claude.\n\n\
         [Current message - respond to this]\nUser: What did I just ask?"
    );
    assert_eq!(
        t.history,
        vec![
            HistoryEntry::user("Hello, who are you?"),
            HistoryEntry::assistant("I am Claude.")
        ]
    );
}

#[test]
fn function_call_output_is_a_tool_entry_and_structured_items_keep_order() {
    let t = turn(json!({"model": "m", "input": [
        {"type": "message", "role": "user", "content": "weather?"},
        {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": "{\"city\":\"Paris\"}"},
        {"type": "function_call_output", "call_id": "call_1", "output": "Sunny, 70F."}]})).unwrap();
    assert_eq!(
        t.message,
        "[Chat messages since your last reply - for context]\nUser: weather?\n\n\
         [Current message - respond to this]\nTool:call_1: Sunny, 70F."
    );
    assert_eq!(
        t.items,
        vec![
            ConversationItem::Message {
                role: HistoryRole::User,
                text: "weather?".into()
            },
            ConversationItem::FunctionCall {
                call_id: "call_1".into(),
                name: "get_weather".into(),
                arguments: "{\"city\":\"Paris\"}".into()
            },
            ConversationItem::FunctionCallOutput {
                call_id: "call_1".into(),
                output: "Sunny, 70F.".into()
            },
        ]
    );
}

#[test]
fn missing_user_message_is_an_error() {
    let e = turn(
        json!({"model": "m", "input": [{"type": "message", "role": "system", "content": "sys"}]}),
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "Missing user message in `input`.");
    assert_eq!(
        turn(json!({"model": "m", "input": []})).unwrap_err(),
        PromptError::MissingUserMessage
    );
}

fn tools() -> serde_json::Value {
    json!([
        {"type": "function", "name": "get_weather", "parameters": {"type": "object"}},
        {"type": "function", "name": "get_time", "description": "time", "strict": true}
    ])
}

#[test]
fn tool_choice_none_auto_required_and_named() {
    let t =
        turn(json!({"model": "m", "input": "x", "tools": tools(), "tool_choice": "none"})).unwrap();
    assert!(t.client_tools.is_empty());
    assert_eq!(t.extra_system_prompt, None);

    let t = turn(json!({"model": "m", "input": "x", "tools": tools()})).unwrap();
    assert_eq!(t.client_tools.len(), 2);
    assert_eq!(t.tool_choice, ToolChoice::Auto);
    assert_eq!(
        t.client_tools[1].parameters,
        json!({"type": "object", "properties": {}})
    );

    let t = turn(json!({"model": "m", "input": "x", "tools": tools(), "tool_choice": "required"}))
        .unwrap();
    assert_eq!(
        t.extra_system_prompt.as_deref(),
        Some("You must call one of the available tools before responding.")
    );
    let e = turn(json!({"model": "m", "input": "x", "tool_choice": "required"})).unwrap_err();
    assert_eq!(e.to_string(), "invalid tool configuration");

    let t = turn(
        json!({"model": "m", "input": "x", "instructions": "I", "tools": tools(),
        "tool_choice": {"type": "function", "function": {"name": "get_time"}}}),
    )
    .unwrap();
    assert_eq!(t.client_tools.len(), 1);
    assert_eq!(t.client_tools[0].name, "get_time");
    assert_eq!(t.client_tools[0].strict, Some(true));
    assert_eq!(
        t.extra_system_prompt.as_deref(),
        Some("I\n\nYou must call the get_time tool before responding.")
    );
    assert_eq!(
        t.client_tools[0].to_chat_tool(),
        json!({"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}, "description": "time", "strict": true}})
    );
    let e = turn(json!({"model": "m", "input": "x", "tools": tools(), "tool_choice": {"type": "function", "name": "nope"}})).unwrap_err();
    assert_eq!(e, PromptError::UnknownTool("nope".into()));
}

#[test]
fn max_output_tokens_passes_through() {
    let t = turn(json!({"model": "m", "input": "x", "max_output_tokens": 123})).unwrap();
    assert_eq!(t.max_output_tokens, Some(123));
}

#[test]
fn attachments_are_collected_and_file_context_appended_last() {
    let mut t = turn(json!({"model": "m", "instructions": "I", "input": [
        {"type": "input_file", "file_data": "aGk=", "filename": "top.txt"},
        {"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": "read this"},
            {"type": "input_image", "image_url": "https://x.test/a.png"},
            {"type": "input_file", "source": {"type": "base64", "media_type": "text/plain", "data": "aGk=", "filename": "hello.txt"}}]}]})).unwrap();
    assert_eq!(t.message, "read this");
    assert_eq!(
        t.images,
        vec![MediaSource::Url {
            url: "https://x.test/a.png".into()
        }]
    );
    assert_eq!(t.files.len(), 2);
    assert_eq!(t.files[1].filename.as_deref(), Some("hello.txt"));
    t.append_file_context("<file name=\"hello.txt\">...</file>");
    assert_eq!(
        t.extra_system_prompt.as_deref(),
        Some("I\n\n<file name=\"hello.txt\">...</file>")
    );
}

#[test]
fn image_only_user_message_gets_a_placeholder() {
    let t = turn(
        json!({"model": "m", "input": [{"type": "message", "role": "user", "content": [
        {"type": "input_image", "image_url": "data:image/png;base64,iVBORw0KGgo="}]}]}),
    )
    .unwrap();
    assert_eq!(t.message, "User sent image(s) with no text.");
}

#[test]
fn render_conversation_is_shared_with_chat_completions() {
    let mut tool = HistoryEntry::tool_output("c9", "out");
    assert_eq!(render_conversation(&[], &tool), "out");
    tool.tool_name = Some("search".into());
    assert_eq!(tool.render(), "Tool:search: out");
    let bare = HistoryEntry {
        role: HistoryRole::Tool,
        text: "t".into(),
        tool_call_id: None,
        tool_name: None,
    };
    assert_eq!(bare.render(), "Tool: t");
    assert_eq!(
        render_conversation(&[HistoryEntry::assistant("a")], &HistoryEntry::user("u")),
        "[Chat messages since your last reply - for context]\nAssistant: a\n\n[Current message - respond to this]\nUser: u"
    );
}
