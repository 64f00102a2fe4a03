//! Webhook delivery of a finished cron run: `POST <url>` with the finished-event JSON,
//! `Content-Type: application/json` and, when configured, `Authorization: Bearer
//! <cron.webhookToken>`. The URL must be http(s) without credentials, and every address its
//! host resolves to must be public (unless `cron.webhookAllowPrivateNetwork`); the
//! connection goes to exactly the checked addresses (no DNS rebinding), and redirects are
//! not followed.

use crate::responses::fetch::PinnedResolver;
use crate::responses::net_guard::{is_blocked_hostname, is_forbidden_ip, normalize_host};
use actix_tls::connect::{Connector as TcpConnector, Resolver};
use awc::http::Uri;
use serde_json::Value;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// Deadline for one delivery.
pub const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// Where and how to post.
#[derive(Debug, Clone)]
pub struct WebhookTarget {
    /// The URL.
    pub url: String,
    /// Bearer token.
    pub token: Option<String>,
    /// Allow private and loopback addresses.
    pub allow_private: bool,
}

/// Posts `body` to the target; `Err` says why it was not delivered.
pub async fn post(target: &WebhookTarget, body: &Value) -> Result<(), String> {
    let uri: Uri = target
        .url
        .trim()
        .parse()
        .map_err(|e| format!("invalid webhook URL: {e}"))?;
    let scheme = uri.scheme_str().unwrap_or("");
    if scheme != "http" && scheme != "https" {
        return Err("webhook URL must be http(s)".into());
    }
    let authority = uri.authority().ok_or("webhook URL has no host")?;
    if authority.as_str().contains('@') {
        return Err("credentials in the webhook URL are not allowed".into());
    }
    let host = normalize_host(authority.host());
    if !target.allow_private && is_blocked_hostname(&host) {
        return Err(format!("webhook host `{host}` is blocked"));
    }
    let port = uri
        .port_u16()
        .unwrap_or(if scheme == "https" { 443 } else { 80 });
    let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|e| format!("cannot resolve `{host}`: {e}"))?
            .collect(),
    };
    if addrs.is_empty() {
        return Err(format!("cannot resolve `{host}`"));
    }
    if !target.allow_private && addrs.iter().any(|a| is_forbidden_ip(a.ip(), false)) {
        return Err("webhook URL resolves to a private address (blocked)".into());
    }
    let resolver = Resolver::custom(PinnedResolver::new(&host, addrs));
    let connector = awc::Connector::new()
        .connector(TcpConnector::new(resolver).service())
        .timeout(WEBHOOK_TIMEOUT);
    let client = awc::Client::builder()
        .connector(connector)
        .disable_redirects()
        .timeout(WEBHOOK_TIMEOUT)
        .finish();
    let mut req = client
        .post(uri)
        .insert_header(("content-type", "application/json"))
        .insert_header(("user-agent", "clawgate-cron"));
    if let Some(t) = &target.token {
        req = req.insert_header(("authorization", format!("Bearer {t}")));
    }
    let resp = req
        .send_body(body.to_string())
        .await
        .map_err(|e| format!("webhook request failed: {e}"))?;
    if resp.status().is_success() {
        Ok(())
    } else {
        Err(format!("webhook answered HTTP {}", resp.status().as_u16()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn private_and_non_http_targets_are_refused() {
        let t = |url: &str| WebhookTarget {
            url: url.into(),
            token: None,
            allow_private: false,
        };
        let body = serde_json::json!({});
        assert!(post(&t("http://127.0.0.1:9/x"), &body)
            .await
            .unwrap_err()
            .contains("private"));
        assert!(post(&t("http://10.0.0.1/x"), &body)
            .await
            .unwrap_err()
            .contains("private"));
        assert!(post(&t("ftp://example.com/x"), &body).await.is_err());
        assert!(post(&t("http://u:p@example.com/x"), &body)
            .await
            .unwrap_err()
            .contains("credentials"));
        assert!(post(&t("http://localhost/x"), &body).await.is_err());
    }
}
