//! `{{expr}}` templates of hook mappings.
//!
//! An expression is `path`, `now` (ISO time), `headers.<lower-case name>`, `query.<key>`,
//! `payload.<dot.path[0]>` or a bare payload path (`messages[0].from`). Path segments named
//! `__proto__`, `prototype` or `constructor` resolve to nothing (OpenClaw blocks them); objects
//! and arrays render as JSON; anything missing renders as the empty string.

use serde_json::Value;
use std::collections::BTreeMap;

/// Segment names that never resolve.
const BLOCKED: &[&str] = &["__proto__", "prototype", "constructor"];

/// What templates can read.
#[derive(Debug, Clone, Default)]
pub struct TemplateContext {
    /// The JSON body.
    pub payload: Value,
    /// Request headers, lower-case names.
    pub headers: BTreeMap<String, String>,
    /// Query parameters.
    pub query: BTreeMap<String, String>,
    /// Sub-path after the hooks base path (`gmail`).
    pub path: String,
    /// Request time, ISO 8601.
    pub now: String,
}

enum Seg {
    Key(String),
    Index(usize),
}

/// Splits `a.b[0].c` into segments; `None` when a segment is blocked or malformed.
fn segments(path: &str) -> Option<Vec<Seg>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !name.is_empty() {
            if BLOCKED.contains(&name) {
                return None;
            }
            out.push(Seg::Key(name.to_string()));
        }
        while let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let inner = r[..end].trim().trim_matches(|c| c == '"' || c == '\'');
            match inner.parse::<usize>() {
                Ok(i) => out.push(Seg::Index(i)),
                Err(_) if BLOCKED.contains(&inner) => return None,
                Err(_) => out.push(Seg::Key(inner.to_string())),
            }
            rest = &r[end + 1..];
        }
        if !rest.is_empty() {
            return None;
        }
    }
    Some(out)
}

/// Looks `path` up in `value`.
pub fn lookup<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    let path = path.trim();
    if path.is_empty() {
        return Some(value);
    }
    segments(path)?.iter().try_fold(value, |v, seg| match seg {
        Seg::Key(k) => v.get(k.as_str()),
        Seg::Index(i) => v.get(*i),
    })
}

fn render_value(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn eval(expr: &str, ctx: &TemplateContext) -> String {
    let expr = expr.trim();
    match expr {
        "path" => return ctx.path.clone(),
        "now" => return ctx.now.clone(),
        _ => {}
    }
    if let Some(h) = expr.strip_prefix("headers.") {
        return ctx
            .headers
            .get(&h.to_ascii_lowercase())
            .cloned()
            .unwrap_or_default();
    }
    if let Some(q) = expr.strip_prefix("query.") {
        return ctx.query.get(q).cloned().unwrap_or_default();
    }
    if expr == "payload" {
        return render_value(Some(&ctx.payload));
    }
    let path = expr.strip_prefix("payload.").unwrap_or(expr);
    render_value(lookup(&ctx.payload, path))
}

/// Renders every `{{expr}}` in `template`.
pub fn render(template: &str, ctx: &TemplateContext) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                out.push_str(&eval(&after[..end], ctx));
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> TemplateContext {
        TemplateContext {
            payload: json!({"messages": [{"id": "m1", "from": "a@b", "meta": {"n": 1}}],
                            "source": "gh", "constructor": "x"}),
            headers: [("x-event".to_string(), "push".to_string())].into(),
            query: [("q".to_string(), "v".to_string())].into(),
            path: "gmail".into(),
            now: "2026-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn renders_payload_headers_query_path_and_now() {
        let t = "{{messages[0].from}}|{{payload.source}}|{{headers.X-Event}}|{{query.q}}|{{path}}|{{now}}";
        assert_eq!(
            render(t, &ctx()),
            "a@b|gh|push|v|gmail|2026-01-01T00:00:00Z"
        );
    }

    #[test]
    fn objects_render_as_json_and_missing_values_as_empty() {
        assert_eq!(render("{{messages[0].meta}}", &ctx()), r#"{"n":1}"#);
        assert_eq!(render("[{{nope.deeper}}]", &ctx()), "[]");
        assert_eq!(render("{{messages[5].id}}", &ctx()), "");
    }

    #[test]
    fn prototype_segments_are_blocked() {
        for t in [
            "{{constructor}}",
            "{{payload.__proto__}}",
            "{{messages[0].prototype}}",
            "{{messages['constructor']}}",
        ] {
            assert_eq!(render(t, &ctx()), "", "{t}");
        }
    }

    #[test]
    fn unterminated_braces_are_kept() {
        assert_eq!(render("a {{b", &ctx()), "a {{b");
    }
}
