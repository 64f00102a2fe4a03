//! Client histories that carry a tool round trip, kept as structured messages.
//!
//! OpenClaw folds client-supplied history into one user text. That is fine for plain chat but
//! breaks client tool loops: the model must see its own `tool_calls` and the `tool` results
//! (Anthropic: `tool_use` / `tool_result` blocks), or it calls the tool again. So when the
//! messages contain an assistant `tool_calls` entry or a `tool` message with a `tool_call_id`,
//! every message is passed as a real provider message instead (and persisted that way).

use crate::error::GatewayError;
use crate::providers::types::{Message, Role, ToolCall};
use serde_json::Value;

/// Whether `messages` carry a tool round trip (and so must not be folded).
pub fn has_tool_round_trip(messages: &[Value]) -> bool {
    messages.iter().any(|m| match m["role"].as_str() {
        Some("assistant") => m["tool_calls"].as_array().is_some_and(|c| !c.is_empty()),
        Some("tool") => m["tool_call_id"].as_str().is_some_and(|id| !id.is_empty()),
        _ => false,
    })
}

/// The assistant message's `tool_calls` as provider tool calls.
fn tool_calls(m: &Value, index: usize) -> Result<Vec<ToolCall>, GatewayError> {
    let Some(calls) = m["tool_calls"].as_array() else {
        return Ok(vec![]);
    };
    calls
        .iter()
        .enumerate()
        .map(|(j, c)| {
            let name = c
                .pointer("/function/name")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
                .ok_or_else(|| {
                    GatewayError::bad_param(
                        format!("messages[{index}].tool_calls[{j}].function.name is required"),
                        "messages",
                    )
                })?;
            Ok(ToolCall {
                id: c["id"].as_str().unwrap_or_default().to_string(),
                name: name.to_string(),
                arguments: match c.pointer("/function/arguments") {
                    Some(Value::String(s)) => s.clone(),
                    None | Some(Value::Null) => "{}".to_string(),
                    Some(other) => other.to_string(),
                },
            })
        })
        .collect()
}

/// One non-system message as a provider message; `text` is its content already flattened.
pub fn message(m: &Value, index: usize, text: String) -> Result<Message, GatewayError> {
    Ok(match m["role"].as_str().unwrap_or("") {
        "user" => Message::text(Role::User, text),
        "assistant" => Message {
            tool_calls: tool_calls(m, index)?,
            ..Message::text(Role::Assistant, text)
        },
        "tool" | "function" => Message {
            tool_call_id: m["tool_call_id"].as_str().map(str::to_string),
            ..Message::text(Role::Tool, text)
        },
        role => {
            return Err(GatewayError::bad_param(
                format!("unsupported message role `{role}`"),
                "messages",
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_tool_call_history_counts_as_a_round_trip() {
        let plain = [
            json!({"role":"user","content":"hi"}),
            json!({"role":"tool","content":"x"}),
        ];
        assert!(!has_tool_round_trip(&plain));
        let calls = [
            json!({"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]}),
        ];
        assert!(has_tool_round_trip(&calls));
        let result = [json!({"role":"tool","tool_call_id":"c","content":"x"})];
        assert!(has_tool_round_trip(&result));
    }

    #[test]
    fn assistant_calls_and_results_keep_their_ids() {
        let a = json!({"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]});
        let m = message(&a, 0, String::new()).unwrap();
        assert_eq!(m.tool_calls[0].id, "c1");
        assert_eq!(m.tool_calls[0].arguments, "{\"a\":1}");
        let t = json!({"role":"tool","tool_call_id":"c1","content":"ok"});
        let m = message(&t, 1, "ok".into()).unwrap();
        assert_eq!(
            (m.role, m.tool_call_id.as_deref()),
            (Role::Tool, Some("c1"))
        );
    }
}
