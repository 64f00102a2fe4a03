//! "Model-like" mode: the mock decides its reply from the request, the way a compliant model
//! would, so real client libraries can run whole tool loops and structured-output calls.
//!
//! Rules, in order (a queued [`Reply`] still wins over all of them):
//! 1. Tools offered and `tool_choice` not `none`:
//!    - a forced tool (`{"type":"function","function":{"name"}}` / Anthropic `{"type":"tool"}`)
//!      is called;
//!    - with no tool result at the end of the conversation, the first tool is called;
//!    - after a tool result with `required` / Anthropic `any`, the last offered tool is called.
//! 2. `response_format` `json_object` / `json_schema`: the answer is a JSON object with every
//!    property of the schema filled with a sample of its type.
//! 3. After a tool result: `The tool returned: <result>`.
//! 4. Otherwise the queued or default reply.
//!
//! Text answers are capped at `max_tokens` / `max_completion_tokens` chunks (one chunk is one
//! token) and then end with `finish_reason: "length"` (Anthropic `max_tokens`). Tool arguments
//! fill every schema property (strings with `"San Francisco"`).

use serde_json::{Map, Value};

use super::reply::{Reply, ToolCall, Usage};

/// The parts of a request the model-like mode reads.
pub(crate) struct View<'a> {
    /// `tools` (OpenAI or Anthropic shape).
    pub tools: &'a [Value],
    /// `messages`.
    pub messages: &'a [Value],
    /// `tool_choice`, `Null` when absent.
    pub tool_choice: &'a Value,
    /// `response_format`, `Null` when absent.
    pub response_format: &'a Value,
}

/// A sample value for `schema`: every property filled, strings `"San Francisco"`.
pub(crate) fn sample(schema: &Value, depth: usize) -> Value {
    if depth > 8 {
        return Value::Null;
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(first) = schema
            .get(key)
            .and_then(Value::as_array)
            .and_then(|e| e.first())
        {
            return sample(first, depth + 1);
        }
    }
    let kind = match &schema["type"] {
        Value::Array(types) => types
            .iter()
            .find(|t| *t != "null")
            .cloned()
            .unwrap_or_default(),
        other => other.clone(),
    };
    match kind
        .as_str()
        .unwrap_or(if schema.get("properties").is_some() {
            "object"
        } else {
            "string"
        }) {
        "object" => {
            let mut out = Map::new();
            if let Some(props) = schema["properties"].as_object() {
                for (k, v) in props {
                    out.insert(k.clone(), sample(v, depth + 1));
                }
            }
            Value::Object(out)
        }
        "array" => Value::Array(vec![sample(&schema["items"], depth + 1)]),
        "integer" | "number" => 1.into(),
        "boolean" => true.into(),
        "null" => Value::Null,
        _ => "San Francisco".into(),
    }
}

fn tool_name(tool: &Value) -> Option<&str> {
    tool.get("function").unwrap_or(tool).get("name")?.as_str()
}

fn tool_schema(tool: &Value) -> &Value {
    let def = tool.get("function").unwrap_or(tool);
    def.get("parameters")
        .or_else(|| def.get("input_schema"))
        .unwrap_or(&Value::Null)
}

/// Text of a content value: a string, or the `text` of its parts.
fn text_of(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str().or_else(|| p["content"].as_str()))
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    }
}

/// The result text when the conversation ends with a tool result.
fn trailing_result(messages: &[Value]) -> Option<String> {
    let last = messages.last()?;
    if last["role"] == "tool" {
        return Some(text_of(&last["content"]));
    }
    let blocks = last["content"].as_array()?;
    let results: Vec<String> = blocks
        .iter()
        .filter(|b| b["type"] == "tool_result")
        .map(|b| text_of(&b["content"]))
        .collect();
    (!results.is_empty()).then(|| results.join("\n"))
}

fn call(tool: &Value, seq: u64) -> Option<Reply> {
    let name = tool_name(tool)?;
    Some(Reply::ToolCalls {
        text: None,
        calls: vec![ToolCall {
            id: format!("call_mock_{seq}"),
            name: name.to_string(),
            arguments: sample(tool_schema(tool), 0).to_string(),
        }],
        usage: Usage::new(9, 1),
    })
}

/// The model-like reply, or `None` to use the queued/default reply.
pub(crate) fn decide(v: &View<'_>, seq: u64) -> Option<Reply> {
    let result = trailing_result(v.messages);
    let choice = v.tool_choice;
    let forced = match choice.pointer("/function/name") {
        Some(n) => n.as_str(),
        None if choice["type"] == "tool" => choice["name"].as_str(),
        None => None,
    };
    let any = choice == "required" || choice["type"] == "any";
    if !v.tools.is_empty() && choice != "none" {
        if let Some(name) = forced {
            if let Some(t) = v.tools.iter().find(|t| tool_name(t) == Some(name)) {
                return call(t, seq);
            }
        }
        if result.is_none() {
            return call(&v.tools[0], seq);
        }
        if any {
            return call(v.tools.last()?, seq);
        }
    }
    let format = v.response_format;
    if format["type"] == "json_object" || format["type"] == "json_schema" {
        let schema = format
            .pointer("/json_schema/schema")
            .unwrap_or(&Value::Null);
        let answer = match sample(schema, 0) {
            o @ Value::Object(_) => o,
            _ => Value::Object(Map::new()),
        };
        return Some(Reply::chunks(&[&answer.to_string()]));
    }
    result.map(|r| Reply::text(&format!("The tool returned: {r}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn view<'a>(
        tools: &'a [Value],
        messages: &'a [Value],
        choice: &'a Value,
        format: &'a Value,
    ) -> View<'a> {
        View {
            tools,
            messages,
            tool_choice: choice,
            response_format: format,
        }
    }

    #[test]
    fn calls_a_tool_then_uses_its_result() {
        let tools = [
            json!({"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}),
        ];
        let first = [json!({"role":"user","content":"weather?"})];
        match decide(&view(&tools, &first, &Value::Null, &Value::Null), 3) {
            Some(Reply::ToolCalls { calls, .. }) => {
                assert_eq!(calls[0].name, "get_weather");
                assert_eq!(calls[0].arguments, r#"{"city":"San Francisco"}"#);
                assert_eq!(calls[0].id, "call_mock_3");
            }
            other => panic!("{other:?}"),
        }
        let after = [
            json!({"role":"user","content":"weather?"}),
            json!({"role":"user","content":[{"type":"tool_result","tool_use_id":"x","content":"sunny"}]}),
        ];
        match decide(&view(&tools, &after, &Value::Null, &Value::Null), 4) {
            Some(Reply::Text { chunks, .. }) => {
                assert_eq!(chunks.concat(), "The tool returned: sunny")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn json_formats_fill_every_property() {
        let format = json!({"type":"json_schema","json_schema":{"name":"p","schema":{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"},"tags":{"type":"array","items":{"type":"string"}}},"required":["name","age","tags"]}}});
        let msgs = [json!({"role":"user","content":"who?"})];
        match decide(&view(&[], &msgs, &Value::Null, &format), 0) {
            Some(Reply::Text { chunks, .. }) => {
                let v: Value = serde_json::from_str(&chunks.concat()).unwrap();
                assert_eq!(
                    v,
                    json!({"name":"San Francisco","age":1,"tags":["San Francisco"]})
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
