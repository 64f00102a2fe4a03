//! Every top-level field of a `/v1/chat/completions` request, sorted into three kinds: honoured
//! by the gateway, forwarded to the model (mapped for Anthropic), or refused with a 400 naming
//! the field. Nothing is dropped silently.

use crate::config::{Config, ModelChoice, ProviderApi};
use crate::error::GatewayError;
use crate::providers::types::{ModelOptions, ResponseFormat, ThinkingLevel};
use serde_json::{Map, Value};

/// Fields the gateway reads itself (or maps for every provider).
const HANDLED: &[&str] = &[
    "model",
    "messages",
    "stream",
    "stream_options",
    "user",
    "tools",
    "tool_choice",
    "max_tokens",
    "max_completion_tokens",
    "temperature",
    "top_p",
    "reasoning_effort",
    "response_format",
    "stop",
    "parallel_tool_calls",
    "n",
    "logprobs",
    "top_logprobs",
    "modalities",
    // The gateway keeps every session transcript itself; these two are accepted and not forwarded.
    "store",
    "metadata",
];

/// Fields forwarded verbatim to OpenAI-compatible upstreams; refused for Anthropic models.
pub const OPENAI_ONLY: &[&str] = &[
    "seed",
    "frequency_penalty",
    "presence_penalty",
    "logit_bias",
    "service_tier",
    "prediction",
    "verbosity",
    "web_search_options",
    "safety_identifier",
    "prompt_cache_key",
    "prompt_cache_retention",
];

/// What the request fields add to a turn.
#[derive(Debug, Default)]
pub struct ChatOptions {
    /// Model options (stop, structured output, pass-through).
    pub options: ModelOptions,
    /// `reasoning_effort` as a thinking level.
    pub thinking: Option<ThinkingLevel>,
}

fn bad(field: &str, message: impl Into<String>) -> GatewayError {
    GatewayError::bad_param(message, field)
}

/// Sorts the fields of `obj`; unknown and unsupported ones are a 400 naming the field.
pub fn parse(obj: &Map<String, Value>) -> Result<ChatOptions, GatewayError> {
    let mut out = ChatOptions::default();
    for (k, v) in obj {
        if OPENAI_ONLY.contains(&k.as_str()) {
            if !v.is_null() {
                out.options.openai_passthrough.insert(k.clone(), v.clone());
            }
            continue;
        }
        if !HANDLED.contains(&k.as_str()) {
            let msg = match k.as_str() {
                "functions" | "function_call" => {
                    format!("`{k}` (the legacy function-calling API) is not supported; use `tools` and `tool_choice`.")
                }
                "audio" => "`audio` output is not supported by this gateway.".to_string(),
                _ => format!("Unrecognized request argument supplied: {k}"),
            };
            return Err(bad(k, msg));
        }
    }
    check_types(obj)?;
    if let Some(n) = obj.get("n").filter(|v| !v.is_null()) {
        if n.as_u64() != Some(1) {
            return Err(bad(
                "n",
                "`n` must be 1: the gateway runs one agent turn per request and returns one choice.",
            ));
        }
    }
    if obj
        .get("logprobs")
        .is_some_and(|v| v.as_bool() == Some(true))
    {
        return Err(bad(
            "logprobs",
            "`logprobs` is not supported: the gateway does not relay token log probabilities.",
        ));
    }
    if obj
        .get("top_logprobs")
        .is_some_and(|v| !v.is_null() && v.as_u64() != Some(0))
    {
        return Err(bad(
            "top_logprobs",
            "`top_logprobs` is not supported: the gateway does not relay token log probabilities.",
        ));
    }
    if let Some(m) = obj.get("modalities").filter(|v| !v.is_null()) {
        let text_only = m
            .as_array()
            .is_some_and(|a| a.iter().all(|x| x.as_str() == Some("text")));
        if !text_only {
            return Err(bad(
                "modalities",
                "`modalities`: only the `text` output modality is supported.",
            ));
        }
    }
    if let Some(e) = obj.get("reasoning_effort").filter(|v| !v.is_null()) {
        out.thinking = Some(e.as_str().and_then(ThinkingLevel::parse).ok_or_else(|| {
            bad(
                "reasoning_effort",
                "`reasoning_effort` must be one of none, minimal, low, medium, high.",
            )
        })?);
    }
    out.options.stop = parse_stop(obj.get("stop"))?;
    out.options.response_format = parse_response_format(obj.get("response_format"))?;
    out.options.parallel_tool_calls = match obj.get("parallel_tool_calls") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => {
            return Err(bad(
                "parallel_tool_calls",
                "`parallel_tool_calls` must be a boolean",
            ))
        }
    };
    Ok(out)
}

/// Fields the gateway reads by type: a value of another type is refused, not ignored.
fn check_types(obj: &Map<String, Value>) -> Result<(), GatewayError> {
    for (k, v) in obj.iter().filter(|(_, v)| !v.is_null()) {
        let (ok, what) = match k.as_str() {
            "temperature" | "top_p" => (v.is_number(), "a number"),
            "max_tokens" | "max_completion_tokens" => (v.is_u64(), "a non-negative integer"),
            "stream" => (v.is_boolean(), "a boolean"),
            "user" => (v.is_string(), "a string"),
            "stream_options" | "metadata" => (v.is_object(), "an object"),
            _ => (true, ""),
        };
        if !ok {
            return Err(bad(k, format!("`{k}` must be {what}")));
        }
    }
    Ok(())
}

fn parse_stop(v: Option<&Value>) -> Result<Vec<String>, GatewayError> {
    let list = match v {
        None | Some(Value::Null) => return Ok(vec![]),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .map(|s| s.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| bad("stop", "`stop` must be a string or an array of strings"))?,
        Some(_) => {
            return Err(bad(
                "stop",
                "`stop` must be a string or an array of strings",
            ))
        }
    };
    if list.len() > 4 {
        return Err(bad("stop", "`stop` allows at most 4 sequences"));
    }
    Ok(list)
}

/// Parses an OpenAI Chat Completions `response_format` (`text` is `None`).
pub fn parse_response_format(v: Option<&Value>) -> Result<Option<ResponseFormat>, GatewayError> {
    const FIELD: &str = "response_format";
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    match v.get("type").and_then(Value::as_str) {
        Some("text") => Ok(None),
        Some("json_object") => Ok(Some(ResponseFormat::JsonObject)),
        Some("json_schema") => {
            let js = v
                .get("json_schema")
                .filter(|j| j.is_object())
                .ok_or_else(|| bad(FIELD, "`response_format.json_schema` must be an object"))?;
            json_schema(js, FIELD).map(Some)
        }
        _ => Err(bad(
            FIELD,
            "`response_format.type` must be `text`, `json_object` or `json_schema`",
        )),
    }
}

/// A `{name, schema, strict?}` object (Chat Completions `json_schema`, Responses `text.format`).
pub fn json_schema(js: &Value, field: &str) -> Result<ResponseFormat, GatewayError> {
    let name = match js.get("name") {
        None | Some(Value::Null) => "response".to_string(),
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(_) => {
            return Err(bad(
                field,
                "the JSON schema `name` must be a non-empty string",
            ))
        }
    };
    let schema = match js.get("schema") {
        None | Some(Value::Null) => serde_json::json!({"type": "object"}),
        Some(s @ Value::Object(_)) => s.clone(),
        Some(_) => return Err(bad(field, "the JSON schema `schema` must be an object")),
    };
    Ok(ResponseFormat::JsonSchema {
        name,
        schema,
        strict: js.get("strict").and_then(Value::as_bool),
    })
}

/// Refuses OpenAI-only fields when any model the turn may use speaks the Anthropic protocol.
pub fn check_provider(
    config: &Config,
    choice: &ModelChoice,
    options: &ModelOptions,
) -> Result<(), GatewayError> {
    let Some(field) = options.openai_passthrough.keys().next() else {
        return Ok(());
    };
    for m in choice.primary.iter().chain(choice.fallbacks.iter()) {
        let api = config.providers.get(&m.provider).map(|p| p.api);
        if api == Some(ProviderApi::AnthropicMessages) {
            return Err(bad(
                field,
                format!("`{field}` is not supported by model `{m}` (Anthropic Messages API has no equivalent)."),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(v: Value) -> Result<ChatOptions, GatewayError> {
        parse(v.as_object().unwrap())
    }

    #[test]
    fn known_fields_are_sorted_and_unknown_ones_named() {
        let o = fields(json!({"model":"m","seed":7,"stop":"END","response_format":{"type":"json_object"},"reasoning_effort":"low","n":1,"logprobs":false})).unwrap();
        assert_eq!(o.options.openai_passthrough.get("seed"), Some(&json!(7)));
        assert_eq!(o.options.stop, ["END"]);
        assert_eq!(o.options.response_format, Some(ResponseFormat::JsonObject));
        assert_eq!(o.thinking, Some(ThinkingLevel::Low));
        for (body, field) in [
            (json!({"bogus":1}), "bogus"),
            (json!({"n":2}), "n"),
            (json!({"logprobs":true}), "logprobs"),
            (json!({"top_logprobs":3}), "top_logprobs"),
            (json!({"functions":[]}), "functions"),
            (json!({"response_format":{"type":"xml"}}), "response_format"),
            (json!({"stop":[1]}), "stop"),
            (json!({"temperature":"hot"}), "temperature"),
            (json!({"max_tokens":-1}), "max_tokens"),
        ] {
            let e = fields(body).unwrap_err();
            assert!(e.to_string().contains(field), "{e}");
        }
    }

    #[test]
    fn json_schema_formats_keep_name_schema_and_strict() {
        let f = parse_response_format(Some(&json!({"type":"json_schema","json_schema":{"name":"w","schema":{"type":"object","required":["a"]},"strict":true}}))).unwrap();
        assert_eq!(
            f.unwrap().openai_value(),
            json!({"type":"json_schema","json_schema":{"name":"w","schema":{"type":"object","required":["a"]},"strict":true}})
        );
    }
}
