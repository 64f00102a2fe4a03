//! SSRF-guarded outbound POST for user-configured URLs (the webhook channel's `callbackUrl`
//! and cron webhook deliveries).
//!
//! The same policy as `crate::responses::fetch`: `http`/`https` only, no credentials in the
//! URL, blocked host names refused, every resolved address checked by
//! [`crate::responses::net_guard`], and the TCP connection pinned to the checked addresses
//! (no second DNS lookup). Redirects are not followed (a 3xx is a failure). With
//! `allow_private_network` (OpenClaw's `request.allowPrivateNetwork`) the address check is
//! skipped, so loopback and private addresses are reachable — for tests and LAN bridges.

use crate::responses::fetch::PinnedResolver;
use crate::responses::net_guard::{is_blocked_hostname, is_forbidden_ip, normalize_host};
use actix_tls::connect::{Connector as TcpConnector, Resolver};
use awc::http::Uri;
use bytes::Bytes;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// Maximum response body read back from a callback.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// Why a guarded POST failed (messages never include the URL's query or credentials).
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    /// The URL is not acceptable.
    #[error("invalid callback URL: {0}")]
    InvalidUrl(&'static str),
    /// The host resolves to an address the policy refuses.
    #[error("callback host resolves to a private or reserved address")]
    PrivateAddress,
    /// DNS failed.
    #[error("cannot resolve the callback host")]
    Resolve,
    /// Connection, TLS or timeout failure.
    #[error("callback request failed: {0}")]
    Send(String),
    /// The callback answered with a non-2xx status.
    #[error("callback answered HTTP {0}")]
    Status(u16),
}

/// POSTs `body` (JSON) to `url` under the SSRF policy; returns the response body.
pub async fn post_json(
    url: &str,
    body: Vec<u8>,
    headers: &[(&str, String)],
    allow_private_network: bool,
    timeout: Duration,
) -> Result<Bytes, OutboundError> {
    let uri: Uri = url
        .trim()
        .parse()
        .map_err(|_| OutboundError::InvalidUrl("unparsable"))?;
    let scheme = uri.scheme_str().unwrap_or("");
    if scheme != "http" && scheme != "https" {
        return Err(OutboundError::InvalidUrl("scheme must be http or https"));
    }
    let authority = uri
        .authority()
        .ok_or(OutboundError::InvalidUrl("missing host"))?;
    if authority.as_str().contains('@') {
        return Err(OutboundError::InvalidUrl("credentials are not allowed"));
    }
    let host = normalize_host(authority.host());
    if host.is_empty() {
        return Err(OutboundError::InvalidUrl("missing host"));
    }
    if !allow_private_network && is_blocked_hostname(&host) {
        return Err(OutboundError::PrivateAddress);
    }
    let port = uri
        .port_u16()
        .unwrap_or(if scheme == "https" { 443 } else { 80 });
    let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|_| OutboundError::Resolve)?
            .collect(),
    };
    if addrs.is_empty() {
        return Err(OutboundError::Resolve);
    }
    if !allow_private_network && addrs.iter().any(|a| is_forbidden_ip(a.ip(), false)) {
        return Err(OutboundError::PrivateAddress);
    }
    let resolver = Resolver::custom(PinnedResolver::new(&host, addrs));
    let connector = awc::Connector::new()
        .connector(TcpConnector::new(resolver).service())
        .timeout(timeout);
    let client = awc::Client::builder()
        .connector(connector)
        .disable_redirects()
        .timeout(timeout)
        .finish();
    let mut req = client
        .post(uri)
        .insert_header(("content-type", "application/json"))
        .insert_header(("user-agent", "clawgate-channels"));
    for (k, v) in headers {
        req = req.insert_header((*k, v.as_str()));
    }
    let mut resp = req
        .send_body(body)
        .await
        .map_err(|e| OutboundError::Send(e.to_string()))?;
    if !resp.status().is_success() {
        return Err(OutboundError::Status(resp.status().as_u16()));
    }
    resp.body()
        .limit(MAX_RESPONSE_BYTES)
        .await
        .map_err(|e| OutboundError::Send(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn private_and_loopback_targets_are_refused_without_the_flag() {
        for url in [
            "http://127.0.0.1:9/x",
            "http://10.0.0.1/x",
            "http://169.254.169.254/latest",
            "http://localhost/x",
        ] {
            let e = post_json(url, vec![], &[], false, Duration::from_secs(1))
                .await
                .unwrap_err();
            assert!(matches!(e, OutboundError::PrivateAddress), "{url}: {e}");
        }
    }

    #[actix_web::test]
    async fn bad_schemes_and_credentials_are_refused() {
        for url in ["file:///etc/passwd", "http://u:p@example.com/"] {
            let e = post_json(url, vec![], &[], true, Duration::from_secs(1))
                .await
                .unwrap_err();
            assert!(matches!(e, OutboundError::InvalidUrl(_)), "{url}: {e}");
        }
    }
}
