//! Webhook delivery of a finished cron run: `POST <url>` with the finished-event JSON,
//! `Content-Type: application/json` and, when configured, `Authorization: Bearer
//! <cron.webhookToken>`. The URL must be http(s) without credentials, and every address its
//! host resolves to must be public (unless `cron.webhookAllowPrivateNetwork`); the
//! connection goes to exactly the checked addresses (no DNS rebinding), and redirects are
//! not followed.

use crate::channels::http_out::post_json;
use serde_json::Value;
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

/// Posts `body` to the target through the shared SSRF-guarded POST
/// ([`crate::channels::http_out::post_json`]); `Err` says why it was not delivered.
pub async fn post(target: &WebhookTarget, body: &Value) -> Result<(), String> {
    let mut headers = vec![("user-agent", "clawgate-cron".to_string())];
    if let Some(t) = &target.token {
        headers.push(("authorization", format!("Bearer {t}")));
    }
    post_json(
        &target.url,
        body.to_string().into_bytes(),
        &headers,
        target.allow_private,
        WEBHOOK_TIMEOUT,
    )
    .await
    .map(|_| ())
    .map_err(|e| format!("webhook: {e}"))
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
