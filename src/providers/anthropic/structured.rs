//! Structured output on the Anthropic Messages API.
//!
//! Anthropic has no `response_format`. The gateway offers one extra tool whose `input_schema` is
//! the requested schema and forces the model to call it (`tool_choice: {type:"tool"}`; when the
//! client offered tools too, `{type:"any"}` so the model may still call one of them). The tool's
//! input is then streamed to the client as the answer text, so the client sees plain JSON in
//! `content`, exactly as from OpenAI. With extended thinking on, Anthropic refuses forced tool
//! use; the tool is then offered with `auto` and the system prompt asks for it.

use crate::providers::types::ResponseFormat;
use serde_json::{json, Value};

/// Name of the tool that carries the structured answer.
pub const TOOL_NAME: &str = "structured_output";

/// The tool definition for `format`.
pub fn tool(format: &ResponseFormat) -> Value {
    let what = match format {
        ResponseFormat::JsonObject => "a JSON object".to_string(),
        ResponseFormat::JsonSchema { name, .. } => format!("the `{name}` JSON object"),
    };
    json!({
        "name": TOOL_NAME,
        "description": format!("Give your final answer by calling this tool: its input is {what}, the whole answer."),
        "input_schema": format.schema(),
    })
}

/// The system prompt with an instruction to answer through the tool appended.
pub fn system_hint(system: &str) -> String {
    let hint = format!("Give your final answer by calling the `{TOOL_NAME}` tool.");
    if system.is_empty() {
        hint
    } else {
        format!("{system}\n\n{hint}")
    }
}
