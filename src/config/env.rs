//! `${ENV}` substitution over a parsed JSON5 tree, and mapping a key path back to a line.

use super::ConfigError;
use serde_json::Value;
use std::collections::BTreeMap;

/// Replaces `${NAME}` (upper-case name) in every string of `value`.
///
/// `$${NAME}` is an escape for a literal `${NAME}`. Variables are looked up in `overlay`
/// (the config's inline `env` block) when the process environment lacks them; a missing
/// variable is an error naming it and the key that referenced it.
pub fn substitute(
    value: &mut Value,
    overlay: &BTreeMap<String, String>,
    path: &str,
) -> Result<(), ConfigError> {
    match value {
        Value::String(s) if s.contains("${") => {
            *s = expand(s, overlay).map_err(|name| ConfigError::MissingEnv {
                name,
                key: path.to_string(),
            })?;
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                substitute(item, overlay, &format!("{path}[{i}]"))?;
            }
        }
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                let child = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                substitute(v, overlay, &child)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Expands one string; returns the missing variable's name on failure.
fn expand(s: &str, overlay: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find("${") {
        let escaped = pos > 0 && rest.as_bytes()[pos - 1] == b'$';
        let Some(end) = rest[pos..].find('}') else {
            break;
        };
        let name = &rest[pos + 2..pos + end];
        let valid = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
        if escaped {
            out.push_str(&rest[..pos - 1]);
            out.push_str(&rest[pos..pos + end + 1]);
        } else if valid {
            out.push_str(&rest[..pos]);
            let val = std::env::var(name)
                .ok()
                .or_else(|| overlay.get(name).cloned())
                .ok_or_else(|| name.to_string())?;
            out.push_str(&val);
        } else {
            out.push_str(&rest[..pos + end + 1]);
        }
        rest = &rest[pos + end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Best-effort 1-based line of the last segment of a dotted key path in the source text.
///
/// serde reports paths, not positions; the key's last segment is searched for as a bare or
/// quoted JSON5 key after the lines of its parents, which finds the right line in any config
/// a person writes.
pub fn line_of(source: &str, path: &str) -> Option<usize> {
    let segments: Vec<&str> = path
        .split('.')
        .map(|s| s.split('[').next().unwrap_or(s))
        .filter(|s| !s.is_empty() && *s != "?")
        .collect();
    let mut start_line = 0usize;
    let lines: Vec<&str> = source.lines().collect();
    let mut found = None;
    for seg in segments {
        let hit = lines
            .iter()
            .enumerate()
            .skip(start_line)
            .find(|(_, l)| is_key_line(l, seg))
            .map(|(i, _)| i)?;
        start_line = hit;
        found = Some(hit + 1);
    }
    found
}

fn is_key_line(line: &str, key: &str) -> bool {
    let mut rest = line;
    while let Some(pos) = rest.find(key) {
        let before = rest[..pos].trim_end();
        let after = rest[pos + key.len()..].trim_start();
        let after = after
            .strip_prefix('"')
            .or_else(|| after.strip_prefix('\''))
            .unwrap_or(after)
            .trim_start();
        let left_ok = before.is_empty()
            || before.ends_with('{')
            || before.ends_with(',')
            || before.ends_with('"')
            || before.ends_with('\'');
        if left_ok && after.starts_with(':') {
            return true;
        }
        rest = &rest[pos + key.len()..];
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_escapes_and_reports_missing_variables() {
        let mut overlay = BTreeMap::new();
        overlay.insert(
            "CLAWGATE_TEST_OVERLAY".to_string(),
            "from-overlay".to_string(),
        );
        assert_eq!(
            expand("a-${CLAWGATE_TEST_OVERLAY}-b", &overlay).unwrap(),
            "a-from-overlay-b"
        );
        assert_eq!(expand("$${KEEP_ME}", &overlay).unwrap(), "${KEEP_ME}");
        assert_eq!(expand("${lower}", &overlay).unwrap(), "${lower}");
        assert_eq!(
            expand("${CLAWGATE_SURELY_MISSING_VAR}", &overlay).unwrap_err(),
            "CLAWGATE_SURELY_MISSING_VAR"
        );
    }

    #[test]
    fn finds_the_line_of_a_nested_key() {
        let src =
            "{\n  gateway: {\n    port: 1,\n    auth: {\n      tokn: \"x\",\n    },\n  },\n}\n";
        assert_eq!(line_of(src, "gateway.auth.tokn"), Some(5));
        assert_eq!(line_of(src, "gateway.port"), Some(3));
        assert_eq!(line_of(src, "nope"), None);
    }
}
