//! The one error type at the HTTP edge, rendered in the OpenAI shape
//! `{"error":{"message","type","param","code"}}` with all four keys present.

use crate::providers::ProviderError;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

/// Everything an HTTP handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// The request is malformed or names something that does not exist.
    #[error("{message}")]
    BadRequest {
        /// Human-readable message.
        message: String,
        /// Offending parameter, when one is to blame.
        param: Option<String>,
        /// Machine-readable code.
        code: Option<&'static str>,
    },
    /// Missing or wrong credentials.
    #[error("Unauthorized")]
    Unauthorized,
    /// A credential went over a request limit (`gateway.http.limits`).
    #[error("{message}")]
    RateLimited {
        /// What was exceeded.
        message: String,
        /// Seconds until a retry may succeed.
        retry_after: u64,
    },
    /// Too many failed authentication attempts.
    #[error("Too many failed authentication attempts. Please try again later.")]
    AuthRateLimited {
        /// Seconds until the lockout ends.
        retry_after: u64,
    },
    /// Authenticated but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// No such resource.
    #[error("{0}")]
    NotFound(String),
    /// The resource's state forbids the request (HTTP 409); `details` says why.
    #[error("{message}")]
    Conflict {
        /// Human-readable message.
        message: String,
        /// Machine-readable reason, added to the error body.
        details: serde_json::Value,
    },
    /// Wrong method for a known path.
    #[error("Method Not Allowed")]
    MethodNotAllowed {
        /// Value of the `Allow` header.
        allow: &'static str,
    },
    /// Body over the endpoint's limit.
    #[error("Payload too large")]
    PayloadTooLarge,
    /// The client was too slow sending its body.
    #[error("Request body timeout")]
    BodyTimeout,
    /// The model provider failed.
    #[error(transparent)]
    Provider(#[from] ProviderError),
    /// The run hit its timeout.
    #[error("agent run timed out")]
    RunTimeout,
    /// The gateway cannot serve this right now (shutting down, overloaded).
    #[error("{0}")]
    Unavailable(String),
    /// A bug or an unexpected failure; the detail is logged, never returned.
    #[error("internal error")]
    Internal(String),
}

impl GatewayError {
    /// A 400 with just a message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        GatewayError::BadRequest {
            message: message.into(),
            param: None,
            code: None,
        }
    }

    /// A 400 naming the parameter at fault.
    pub fn bad_param(message: impl Into<String>, param: &str) -> Self {
        GatewayError::BadRequest {
            message: message.into(),
            param: Some(param.to_string()),
            code: None,
        }
    }

    /// The OpenAI `type` and `code` for this error.
    fn kind(&self) -> (&'static str, Option<&'static str>) {
        match self {
            GatewayError::BadRequest { code, .. } => ("invalid_request_error", *code),
            GatewayError::Unauthorized => ("unauthorized", None),
            GatewayError::AuthRateLimited { .. } => ("rate_limited", None),
            GatewayError::RateLimited { .. } => ("rate_limit_error", Some("rate_limited")),
            GatewayError::Forbidden(_) => ("forbidden", None),
            GatewayError::NotFound(_) => ("invalid_request_error", Some("not_found")),
            GatewayError::Conflict { .. } => ("invalid_request_error", Some("conflict")),
            GatewayError::MethodNotAllowed { .. } => {
                ("invalid_request_error", Some("method_not_allowed"))
            }
            GatewayError::PayloadTooLarge => ("invalid_request_error", Some("payload_too_large")),
            GatewayError::BodyTimeout => ("invalid_request_error", Some("request_timeout")),
            GatewayError::Provider(e) => match e {
                ProviderError::NotConfigured(_) => ("api_error", Some("provider_not_configured")),
                ProviderError::Connect { .. } => ("api_error", Some("upstream_unreachable")),
                ProviderError::Timeout { .. } => ("api_error", Some("upstream_timeout")),
                ProviderError::Status { status: 429, .. } => {
                    ("rate_limit_error", Some("upstream_rate_limited"))
                }
                ProviderError::Status { .. } => ("api_error", Some("upstream_error")),
                ProviderError::Protocol { .. } | ProviderError::Interrupted { .. } => {
                    ("api_error", Some("upstream_error"))
                }
            },
            GatewayError::RunTimeout => ("api_error", Some("timeout")),
            GatewayError::Unavailable(_) => ("api_error", Some("unavailable")),
            GatewayError::Internal(_) => ("api_error", None),
        }
    }

    /// The JSON body.
    pub fn body(&self) -> serde_json::Value {
        let (kind, code) = self.kind();
        let param = match self {
            GatewayError::BadRequest { param, .. } => param.clone(),
            _ => None,
        };
        let mut body = json!({"error": {"message": self.to_string(), "type": kind, "param": param, "code": code}});
        if let GatewayError::Conflict { details, .. } = self {
            body["error"]["details"] = details.clone();
        }
        body
    }
}

impl ResponseError for GatewayError {
    fn status_code(&self) -> StatusCode {
        match self {
            GatewayError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            GatewayError::Unauthorized => StatusCode::UNAUTHORIZED,
            GatewayError::AuthRateLimited { .. } | GatewayError::RateLimited { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            GatewayError::Forbidden(_) => StatusCode::FORBIDDEN,
            GatewayError::NotFound(_) => StatusCode::NOT_FOUND,
            GatewayError::Conflict { .. } => StatusCode::CONFLICT,
            GatewayError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            GatewayError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            GatewayError::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            GatewayError::Provider(e) => match e {
                ProviderError::NotConfigured(_) => StatusCode::SERVICE_UNAVAILABLE,
                ProviderError::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
                ProviderError::Status { status: 429, .. } => StatusCode::TOO_MANY_REQUESTS,
                ProviderError::Connect { .. }
                | ProviderError::Status { .. }
                | ProviderError::Protocol { .. }
                | ProviderError::Interrupted { .. } => StatusCode::BAD_GATEWAY,
            },
            GatewayError::RunTimeout => StatusCode::GATEWAY_TIMEOUT,
            GatewayError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            GatewayError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.render(self.body())
    }
}

impl GatewayError {
    /// The response for this error with `body` (another family's error shape): the same
    /// status, headers (`Retry-After`, `Allow`) and logging as the OpenAI-shaped one.
    pub fn render(&self, body: serde_json::Value) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = ?self, "request failed");
        } else if status != StatusCode::NOT_FOUND {
            tracing::debug!(error = %self, status = status.as_u16(), "request rejected");
        }
        let mut b = HttpResponse::build(status);
        b.insert_header((header::CONTENT_TYPE, "application/json; charset=utf-8"));
        match self {
            GatewayError::AuthRateLimited { retry_after }
            | GatewayError::RateLimited { retry_after, .. } => {
                b.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            GatewayError::MethodNotAllowed { allow } => {
                b.insert_header((header::ALLOW, *allow));
            }
            GatewayError::Provider(ProviderError::Status {
                status: 429,
                retry_after: Some(s),
                ..
            }) => {
                b.insert_header((header::RETRY_AFTER, s.to_string()));
            }
            _ => {}
        }
        b.body(body.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_body_has_all_four_keys() {
        for e in [
            GatewayError::Unauthorized,
            GatewayError::bad_param("x", "model"),
            GatewayError::Internal("secret detail".into()),
            GatewayError::Provider(ProviderError::Status {
                provider: "p".into(),
                status: 429,
                message: "slow".into(),
                retry_after: None,
            }),
        ] {
            let b = e.body();
            let obj = b["error"].as_object().unwrap();
            for k in ["message", "type", "param", "code"] {
                assert!(obj.contains_key(k), "{k} missing in {b}");
            }
        }
        assert_eq!(
            GatewayError::Internal("secret detail".into()).body()["error"]["message"],
            "internal error"
        );
    }
}
