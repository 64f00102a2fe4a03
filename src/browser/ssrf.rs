//! The SSRF policy of pages: which URLs a navigation or a page's request may reach. The
//! address rules are the gateway's ([`crate::responses::net_guard`], as `web_fetch` uses):
//! private, loopback, link-local (incl. 169.254.169.254), CGNAT, multicast and reserved
//! addresses and the metadata/`localhost` host names are refused unless `browser.ssrfPolicy`
//! allows them — all private networks (`allowPrivateNetwork`) or named hosts
//! (`allowedHosts`). A `hostnameAllowlist` restricts pages to the listed hosts.
//!
//! Every request the browser makes is paused by CDP `Fetch` interception and checked here
//! (see `actors/browser`), not only the first URL. Chromium resolves the name again after
//! the check, so a DNS answer that changes between the two is a remaining gap (documented).

use crate::config::BrowserSsrfPolicy;
use crate::responses::net_guard::{
    host_matches_allowlist, is_blocked_hostname, is_forbidden_ip, normalize_host,
};
use std::net::IpAddr;

/// Schemes a page may load (the interception sees `blob:` of the page's own origin too).
const NETWORK_SCHEMES: [&str; 4] = ["http", "https", "ws", "wss"];

/// Why a URL is refused.
pub type Refusal = String;

/// Checks a URL the model or a caller asks to navigate to: only `http(s)` (and `about:blank`).
pub fn check_navigation_scheme(url: &str) -> Result<(), Refusal> {
    if url == "about:blank" {
        return Ok(());
    }
    let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
    match scheme.as_deref() {
        Some("http") | Some("https") => Ok(()),
        Some(s) => Err(format!("navigation to {s}: URLs is not allowed")),
        None => Err("not an absolute URL".into()),
    }
}

/// Checks one request URL against `policy`, resolving its host name; `Ok` when it may go.
pub async fn check_request(url: &str, policy: &BrowserSsrfPolicy) -> Result<(), Refusal> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("data:") || lower.starts_with("blob:") || lower == "about:blank" {
        // In-page content, no network access.
        return Ok(());
    }
    let uri: awc::http::Uri = url.parse().map_err(|_| format!("invalid URL {url}"))?;
    let scheme = uri.scheme_str().unwrap_or("").to_ascii_lowercase();
    if !NETWORK_SCHEMES.contains(&scheme.as_str()) {
        return Err(format!("{scheme}: URLs are not allowed"));
    }
    let host = normalize_host(uri.host().unwrap_or(""));
    if host.is_empty() {
        return Err("URL has no host".into());
    }
    if !host_matches_allowlist(&host, &policy.hostname_allowlist) {
        return Err(format!(
            "host {host} is not in browser.ssrfPolicy.hostnameAllowlist"
        ));
    }
    if policy.allow_private_network
        || (!policy.allowed_hosts.is_empty()
            && host_matches_allowlist(&host, &policy.allowed_hosts))
    {
        return Ok(());
    }
    if is_blocked_hostname(&host) {
        return Err(format!("host {host} is blocked"));
    }
    let addrs: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => {
            let port = uri.port_u16().unwrap_or(443);
            tokio::net::lookup_host((host.as_str(), port))
                .await
                .map_err(|e| format!("cannot resolve {host}: {e}"))?
                .map(|a| a.ip())
                .collect()
        }
    };
    if addrs.is_empty() {
        return Err(format!("cannot resolve {host}"));
    }
    match addrs.iter().find(|ip| is_forbidden_ip(**ip, false)) {
        Some(ip) => Err(format!(
            "{host} resolves to a private or special address ({ip})"
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allow(hosts: &[&str]) -> BrowserSsrfPolicy {
        BrowserSsrfPolicy {
            allowed_hosts: hosts.iter().map(|h| h.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn schemes() {
        assert!(check_navigation_scheme("https://example.com").is_ok());
        assert!(check_navigation_scheme("about:blank").is_ok());
        for u in [
            "file:///etc/passwd",
            "chrome://settings",
            "data:text/html,hi",
            "javascript:1",
        ] {
            assert!(check_navigation_scheme(u).is_err(), "{u}");
        }
    }

    #[actix_rt::test]
    async fn private_addresses_need_an_explicit_allowance() {
        let none = BrowserSsrfPolicy::default();
        for u in [
            "http://127.0.0.1:8080/",
            "http://169.254.169.254/latest/meta-data",
            "http://10.1.2.3/",
            "http://localhost/",
            "http://[::1]/",
            "file:///etc/passwd",
        ] {
            assert!(check_request(u, &none).await.is_err(), "{u}");
        }
        let lo = allow(&["127.0.0.1"]);
        assert!(check_request("http://127.0.0.1:9/x", &lo).await.is_ok());
        assert!(check_request("http://10.0.0.1/x", &lo).await.is_err());
        assert!(check_request("http://169.254.169.254/", &lo).await.is_err());
        let all = BrowserSsrfPolicy {
            allow_private_network: true,
            ..Default::default()
        };
        assert!(check_request("http://10.0.0.1/x", &all).await.is_ok());
        let only = BrowserSsrfPolicy {
            allow_private_network: true,
            hostname_allowlist: vec!["127.0.0.1".into()],
            ..Default::default()
        };
        assert!(check_request("http://10.0.0.1/x", &only).await.is_err());
    }
}
