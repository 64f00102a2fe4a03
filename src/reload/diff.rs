//! What a reload changes: the dotted paths that differ between two config files, the
//! settings that only apply after a restart, and JSON merge patches (`config.patch`).

use crate::config::Config;
use serde_json::Value;

/// How deep [`changed_paths`] names a change (`gateway.auth`, not `gateway.auth.token`).
const PATH_DEPTH: usize = 2;

/// The dotted paths (at most two levels deep) whose values differ between `old` and `new`,
/// sorted. Only key names are reported, never values.
pub fn changed_paths(old: &Value, new: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(old, new, String::new(), 0, &mut out);
    out.sort();
    out.dedup();
    out
}

fn walk(old: &Value, new: &Value, prefix: String, depth: usize, out: &mut Vec<String>) {
    if old == new {
        return;
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b)) if depth < PATH_DEPTH => {
            for k in a.keys().chain(b.keys()) {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                let null = Value::Null;
                walk(
                    a.get(k).unwrap_or(&null),
                    b.get(k).unwrap_or(&null),
                    path,
                    depth + 1,
                    out,
                );
            }
        }
        _ if prefix.is_empty() => out.push("*".into()),
        _ => out.push(prefix),
    }
}

/// Applies a JSON merge patch (RFC 7386) to `target`: objects merge key by key, `null`
/// removes a key, anything else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Default::default());
    }
    let t = target.as_object_mut().expect("made an object");
    for (k, v) in p {
        if v.is_null() {
            t.remove(k);
        } else {
            merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
        }
    }
}

/// Settings fixed when the gateway starts (listeners, the store, start-up built services):
/// when `new` changes one, it gets `old`'s value back and its name is returned.
pub fn keep_restart_only(old: &Config, new: &mut Config) -> Vec<&'static str> {
    let mut changed = Vec::new();
    macro_rules! keep {
        ($($field:ident).+, $name:literal) => {
            if format!("{:?}", old.$($field).+) != format!("{:?}", new.$($field).+) {
                changed.push($name);
                new.$($field).+ = old.$($field).+.clone();
            }
        };
    }
    keep!(port, "gateway.port");
    keep!(bind, "gateway.bind");
    keep!(state_dir, "state dir");
    keep!(auth.rate_limit, "gateway.auth.rateLimit");
    keep!(ws, "gateway WebSocket limits");
    keep!(http_limits, "gateway HTTP limits");
    keep!(hsts, "gateway.http.securityHeaders");
    keep!(skills, "skills");
    keep!(memory, "memory");
    keep!(cluster, "cluster");
    keep!(tls, "gateway.tls (the certificate files themselves reload)");
    keep!(cluster, "cluster");
    changed
}

/// A provider found by probing Ollama at start-up is not in the file: a reload of a file that
/// still asks for the probe keeps what the probe found.
pub fn carry_probed(old: &Config, new: &mut Config) {
    if !(old.probe_ollama && new.probe_ollama) {
        return;
    }
    if let Some(p) = old.providers.get("ollama") {
        new.providers
            .entry("ollama".into())
            .or_insert_with(|| p.clone());
        if new.default_model.primary.is_none() {
            new.default_model = old.default_model.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changed_paths_name_keys_two_levels_deep() {
        let old = json!({"gateway": {"auth": {"token": "a"}, "port": 1}, "agents": {"list": [1]}});
        let new = json!({"gateway": {"auth": {"token": "b"}, "port": 1}, "agents": {"list": [1]}, "cron": {"enabled": false}});
        assert_eq!(changed_paths(&old, &new), vec!["cron", "gateway.auth"]);
        assert!(changed_paths(&old, &old).is_empty());
    }

    #[test]
    fn merge_patch_follows_rfc_7386() {
        let mut v = json!({"a": {"b": 1, "c": 2}, "d": [1, 2], "e": 1});
        merge_patch(
            &mut v,
            &json!({"a": {"b": null, "x": 3}, "d": [3], "e": null}),
        );
        assert_eq!(v, json!({"a": {"c": 2, "x": 3}, "d": [3]}));
    }

    #[test]
    fn restart_only_settings_keep_their_running_values() {
        let old = crate::config::load_str_for_tests("{ gateway: { port: 1000 } }");
        let mut new = crate::config::load_str_for_tests(
            "{ gateway: { port: 2000 }, session: { mainKey: 'other' } }",
        );
        assert_eq!(keep_restart_only(&old, &mut new), vec!["gateway.port"]);
        assert_eq!(new.port, 1000);
        assert_eq!(new.main_key, "other");
    }
}
