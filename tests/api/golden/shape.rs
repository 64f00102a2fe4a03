//! Field-by-field shape comparison of two JSON values: same keys, same JSON types; values
//! are compared only for the few keys that name a kind (see [`VALUE_KEYS`]). Everything else
//! — ids, timestamps, text, counts, tokens — is naturally different between two runs and
//! is ignored by construction (only its type is checked).

use serde_json::Value;
use std::collections::BTreeSet;

/// Keys whose *values* must match too: they name what a frame or record is, which a client
/// dispatches on. All other values (ids, `ts`, `createdAt`, text, token counts, …) are ignored.
pub const VALUE_KEYS: &[&str] = &["type", "object", "ok", "event", "stream", "phase", "state"];

/// Subtrees not compared at all, with the reason.
/// Strings holding a JSON object (tool results) are parsed and compared as `path#json`.
pub const IGNORED_PATHS: &[(&str, &str)] = &[];

/// The JSON type name of `v`.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Differences between `expected` (recorded) and `actual` (clawgate), as `path: what` lines.
pub fn diff(expected: &Value, actual: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    walk(expected, actual, "$", &mut out);
    out
}

fn ignored(path: &str) -> bool {
    IGNORED_PATHS
        .iter()
        .any(|(p, _)| super::glob(p, path) || super::glob(p, &format!("x.{path}")))
}

fn walk(e: &Value, a: &Value, path: &str, out: &mut BTreeSet<String>) {
    if ignored(path) {
        return;
    }
    match (e, a) {
        (Value::Object(eo), Value::Object(ao)) => {
            for (k, ev) in eo {
                let p = format!("{path}.{k}");
                match ao.get(k) {
                    None => {
                        if !ignored(&p) {
                            out.insert(format!("{p}: missing"));
                        }
                    }
                    Some(av) => {
                        if VALUE_KEYS.contains(&k.as_str())
                            && !ev.is_object()
                            && !ev.is_array()
                            && ev != av
                        {
                            out.insert(format!("{p}: value {ev} != {av}"));
                        }
                        walk(ev, av, &p, out);
                    }
                }
            }
            for k in ao.keys().filter(|k| !eo.contains_key(*k)) {
                let p = format!("{path}.{k}");
                if !ignored(&p) {
                    out.insert(format!("{p}: extra"));
                }
            }
        }
        (Value::Array(ea), Value::Array(aa)) => {
            let p = format!("{path}[]");
            if aa.is_empty() && !ea.is_empty() {
                out.insert(format!("{p}: empty"));
            }
            if aa.is_empty() {
                return;
            }
            for (i, ev) in ea.iter().enumerate() {
                walk(ev, &aa[i.min(aa.len() - 1)], &p, out);
            }
        }
        (Value::String(es), Value::String(as_)) => {
            // Embedded JSON (tool results) is compared as JSON.
            if let (Ok(ej @ Value::Object(_)), Ok(aj @ Value::Object(_))) = (
                serde_json::from_str::<Value>(es),
                serde_json::from_str::<Value>(as_),
            ) {
                walk(&ej, &aj, &format!("{path}#json"), out);
            }
        }
        _ if type_name(e) != type_name(a) => {
            out.insert(format!("{path}: type {} != {}", type_name(e), type_name(a)));
        }
        _ => {}
    }
}

#[test]
fn shape_diff_reports_keys_and_types_not_values() {
    let e = serde_json::json!({"id": "a", "n": 1, "ok": true, "rows": [{"k": "x"}], "gone": 1});
    let a = serde_json::json!({"id": "b", "n": "1", "ok": false, "rows": [{"k": "y", "z": 2}]});
    let d: Vec<String> = diff(&e, &a).into_iter().collect();
    assert_eq!(
        d,
        vec![
            "$.gone: missing",
            "$.n: type number != string",
            "$.ok: value true != false",
            "$.rows[].z: extra",
        ]
    );
}
