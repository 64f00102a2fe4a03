//! Checking a call's arguments against the tool's JSON schema before it runs, so a model that
//! got a field wrong receives a tool error naming that field (and can retry) instead of a
//! failed run. Covers what the built-in schemas use: an object with `required` fields and
//! typed `properties` (`string`, `integer`, `number`, `boolean`, `object`, `array`) with an
//! optional `minimum`.

use super::{Tool, ToolError};
use serde_json::Value;

/// Normalises `args` with the tool's aliases, then checks them against its schema.
pub fn prepare(tool: &dyn Tool, args: Value) -> Result<Value, ToolError> {
    let args = tool.normalize_args(args);
    validate(&tool.parameters(), &args)?;
    Ok(args)
}

/// Checks `args` against `schema`; the error names the first bad field.
pub fn validate(schema: &Value, args: &Value) -> Result<(), ToolError> {
    let bad = |m: String| Err(ToolError::InvalidInput(m));
    let Some(obj) = args.as_object() else {
        return bad("arguments must be a JSON object".into());
    };
    let required = schema.get("required").and_then(Value::as_array);
    for field in required.into_iter().flatten().filter_map(Value::as_str) {
        if obj.get(field).is_none_or(Value::is_null) {
            return bad(format!("missing required field `{field}`"));
        }
    }
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return Ok(());
    };
    for (field, spec) in props {
        let Some(v) = obj.get(field).filter(|v| !v.is_null()) else {
            continue;
        };
        let Some(ty) = spec.get("type").and_then(Value::as_str) else {
            continue;
        };
        let ok = match ty {
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "object" => v.is_object(),
            "array" => v.is_array(),
            _ => true,
        };
        if !ok {
            let article = if ty == "integer" || ty == "object" || ty == "array" {
                "an"
            } else {
                "a"
            };
            return bad(format!("field `{field}` must be {article} {ty}"));
        }
        if let (Some(min), Some(n)) = (spec.get("minimum").and_then(Value::as_f64), v.as_f64()) {
            if n < min {
                return bad(format!("field `{field}` must be at least {min}"));
            }
        }
    }
    Ok(())
}

/// Moves the first present alias of `canonical` to `canonical` (when it is absent).
pub fn alias(mut args: Value, canonical: &str, aliases: &[&str]) -> Value {
    if let Some(obj) = args.as_object_mut() {
        if obj.get(canonical).is_none_or(Value::is_null) {
            if let Some(v) = aliases.iter().find_map(|a| obj.remove(*a)) {
                obj.insert(canonical.to_string(), v);
            }
        }
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({"type": "object", "required": ["path"], "properties": {
            "path": {"type": "string"}, "offset": {"type": "integer", "minimum": 1},
            "flag": {"type": "boolean"}
        }})
    }

    fn err(args: Value) -> String {
        validate(&schema(), &args).unwrap_err().to_string()
    }

    #[test]
    fn bad_fields_are_named() {
        assert!(validate(&schema(), &json!({"path": "a", "offset": 2})).is_ok());
        assert_eq!(err(json!({})), "missing required field `path`");
        assert_eq!(err(json!({"path": 1})), "field `path` must be a string");
        assert_eq!(
            err(json!({"path": "a", "offset": "x"})),
            "field `offset` must be an integer"
        );
        assert_eq!(
            err(json!({"path": "a", "offset": 1.5})),
            "field `offset` must be an integer"
        );
        assert_eq!(
            err(json!({"path": "a", "offset": 0})),
            "field `offset` must be at least 1"
        );
        assert_eq!(
            err(json!({"path": "a", "flag": "yes"})),
            "field `flag` must be a boolean"
        );
        assert_eq!(err(json!([1])), "arguments must be a JSON object");
    }

    #[test]
    fn aliases_fill_the_canonical_name() {
        let a = alias(json!({"file_path": "x"}), "path", &["file_path"]);
        assert_eq!(a, json!({"path": "x"}));
        let a = alias(
            json!({"path": "y", "file_path": "x"}),
            "path",
            &["file_path"],
        );
        assert_eq!(a["path"], "y");
    }
}
