//! Browser-origin check for WebSocket clients (OpenClaw's CVE-2026-25253 class: a hostile web
//! page must not be able to drive a gateway on the victim's machine).
//!
//! A request without `Origin` is not from a browser page and passes. Otherwise the origin must
//! be listed in `gateway.controlUi.allowedOrigins` (`"*"` allows any) or be a loopback origin
//! (`localhost`, `127.0.0.0/8`, `[::1]`). An origin whose host merely equals the request's
//! `Host` header passes only with `gateway.controlUi.dangerouslyAllowHostHeaderOriginFallback`
//! (as in OpenClaw): a DNS-rebinding page sends exactly that pair.

use serde_json::Value;

/// The message of the rejection (with `details.code` [`ORIGIN_NOT_ALLOWED_CODE`]).
pub const ORIGIN_NOT_ALLOWED: &str =
    "origin not allowed (open the Control UI from the gateway host or allow it in gateway.controlUi.allowedOrigins)";
/// `details.code` of the rejection.
pub const ORIGIN_NOT_ALLOWED_CODE: &str = "CONTROL_UI_ORIGIN_NOT_ALLOWED";

fn host_of(origin: &str) -> Option<&str> {
    let rest = origin.split_once("://").map(|(_, r)| r)?;
    Some(rest.split('/').next().unwrap_or(rest))
}

fn hostname(authority: &str) -> &str {
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next().unwrap_or(v6);
    }
    authority
        .rsplit_once(':')
        .map(|(h, _)| h)
        .unwrap_or(authority)
}

fn is_loopback_host(h: &str) -> bool {
    let h = h.to_ascii_lowercase();
    h == "localhost"
        || h.ends_with(".localhost")
        || h == "::1"
        || h.parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether a client with this `Origin` (and `Host`) may connect under `control_ui` config.
pub fn origin_allowed(
    origin: Option<&str>,
    host: Option<&str>,
    control_ui: Option<&Value>,
) -> bool {
    let Some(origin) = origin.map(str::trim).filter(|o| !o.is_empty()) else {
        return true;
    };
    let allowed = control_ui
        .and_then(|c| c.get("allowedOrigins"))
        .and_then(Value::as_array);
    if let Some(list) = allowed {
        let o = origin.trim_end_matches('/').to_ascii_lowercase();
        if list
            .iter()
            .filter_map(Value::as_str)
            .any(|a| a == "*" || a.trim_end_matches('/').eq_ignore_ascii_case(&o))
        {
            return true;
        }
    }
    let Some(authority) = host_of(origin) else {
        return false;
    };
    let host_fallback = control_ui
        .and_then(|c| c.get("dangerouslyAllowHostHeaderOriginFallback"))
        .and_then(Value::as_bool)
        == Some(true);
    if host_fallback && host.is_some_and(|h| h.eq_ignore_ascii_case(authority)) {
        return true;
    }
    is_loopback_host(hostname(authority))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hostile_origins_are_refused_and_local_ones_allowed() {
        assert!(origin_allowed(None, Some("127.0.0.1:18789"), None));
        assert!(origin_allowed(
            Some("http://127.0.0.1:18789"),
            Some("127.0.0.1:18789"),
            None
        ));
        assert!(origin_allowed(
            Some("http://localhost:5173"),
            Some("127.0.0.1:18789"),
            None
        ));
        assert!(origin_allowed(Some("http://[::1]:3000"), None, None));
        assert!(!origin_allowed(
            Some("https://evil.example"),
            Some("127.0.0.1:18789"),
            None
        ));
        assert!(!origin_allowed(Some("null"), Some("127.0.0.1:18789"), None));
        let cfg = json!({"allowedOrigins": ["https://ui.example.com"]});
        assert!(origin_allowed(
            Some("https://ui.example.com"),
            None,
            Some(&cfg)
        ));
        assert!(!origin_allowed(
            Some("https://other.example.com"),
            None,
            Some(&cfg)
        ));
        assert!(origin_allowed(
            Some("https://x.y"),
            None,
            Some(&json!({"allowedOrigins": ["*"]}))
        ));
    }

    #[test]
    fn a_rebinding_origin_equal_to_the_host_needs_the_explicit_switch() {
        let (o, h) = (
            Some("http://evil.example:18789"),
            Some("evil.example:18789"),
        );
        assert!(!origin_allowed(o, h, None));
        assert!(!origin_allowed(o, h, Some(&json!({"allowedOrigins": []}))));
        let on = json!({"dangerouslyAllowHostHeaderOriginFallback": true});
        assert!(origin_allowed(o, h, Some(&on)));
    }
}
