//! [`AppError`]: what an application operation fails with, whatever edge asked. Each edge
//! converts it into its own shape: the OpenAI-style HTTP error, the WebSocket error frame, the
//! hooks' replies.

use crate::error::GatewayError;
use crate::ws::frames::ErrorShape;

/// An application failure.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AppError {
    /// The caller's input is wrong; `param` names the field at fault.
    #[error("{message}")]
    Invalid {
        /// Human-readable message.
        message: String,
        /// The field at fault.
        param: Option<&'static str>,
    },
    /// The named thing does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The gateway cannot do this right now (store or actor unavailable, shutting down).
    #[error("{0}")]
    Unavailable(String),
    /// The thing exists but its state forbids this (a disabled or ineligible skill);
    /// `details` says why in machine-readable form.
    #[error("{message}")]
    Conflict {
        /// Human-readable message.
        message: String,
        /// What is in the way (e.g. `{missing: {bins, env, …}}`).
        details: serde_json::Value,
    },
    /// The operation ran and failed (the detail is logged, not shown to HTTP callers).
    #[error("{0}")]
    Failed(String),
    /// Over a quota (an API key's); retry after this many seconds.
    #[error("{message}")]
    Limited {
        /// Human-readable message naming the limit.
        message: String,
        /// Seconds until a retry may succeed.
        retry_after: u64,
    },
}

impl AppError {
    /// An invalid-input error naming `param`.
    pub fn invalid(message: impl Into<String>, param: &'static str) -> Self {
        AppError::Invalid {
            message: message.into(),
            param: Some(param),
        }
    }
}

impl From<crate::storage::StoreError> for AppError {
    fn from(e: crate::storage::StoreError) -> Self {
        AppError::Unavailable(e.to_string())
    }
}

impl From<AppError> for GatewayError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid { message, param } => GatewayError::BadRequest {
                message,
                param: param.map(str::to_string),
                code: None,
            },
            AppError::NotFound(m) => GatewayError::NotFound(m),
            AppError::Forbidden(m) => GatewayError::Forbidden(m),
            AppError::Unavailable(m) => GatewayError::Unavailable(m),
            AppError::Conflict { message, details } => GatewayError::Conflict { message, details },
            AppError::Failed(m) => GatewayError::Internal(m),
            AppError::Limited {
                message,
                retry_after,
            } => GatewayError::RateLimited {
                message,
                retry_after,
            },
        }
    }
}

impl From<AppError> for ErrorShape {
    fn from(e: AppError) -> Self {
        match e {
            // OpenClaw answers a missing session with INVALID_REQUEST too.
            AppError::Invalid { message, .. } | AppError::NotFound(message) => {
                ErrorShape::invalid_request(message)
            }
            AppError::Forbidden(m) => ErrorShape::new(crate::ws::frames::ErrorCode::Forbidden, m),
            AppError::Unavailable(m) | AppError::Failed(m) => ErrorShape::unavailable(m),
            AppError::Conflict { message, .. } => ErrorShape::invalid_request(message),
            AppError::Limited {
                message,
                retry_after,
            } => ErrorShape::unavailable(message).retry_after(retry_after * 1000),
        }
    }
}
