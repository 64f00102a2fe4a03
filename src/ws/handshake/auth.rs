//! Shared-secret (token/password) authentication for `connect`, with
//! constant-time comparison and OpenClaw's exact failure messages/details.
//!
//! Failure shape (golden `call-badtoken`):
//! `INVALID_REQUEST "unauthorized: gateway token mismatch (<hint>)"` with
//! `details {code:"AUTH_TOKEN_MISMATCH", authReason:"token_mismatch",
//! canRetryWithDeviceToken:false, recommendedNextStep:"update_auth_credentials"}`,
//! then close 1008 with the message as reason. clawgate issues no device
//! tokens, so `canRetryWithDeviceToken` is always `false`.

use serde_json::json;

use crate::ws::frames::ErrorShape;

/// Configured gateway auth mode (the crate's one; `as_str` gives `"none"`/`"token"`/`"password"`).
pub use crate::config::AuthMode;

/// The gateway's configured shared secret.
#[derive(Clone, PartialEq, Eq)]
pub struct SharedSecret {
    /// Auth mode.
    pub mode: AuthMode,
    /// Token or password (ignored for [`AuthMode::None`]; empty = not configured).
    pub value: String,
}

impl std::fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedSecret")
            .field("mode", &self.mode)
            .field("value", &"<redacted>")
            .finish()
    }
}

impl SharedSecret {
    /// Token mode.
    pub fn token(value: impl Into<String>) -> Self {
        Self {
            mode: AuthMode::Token,
            value: value.into(),
        }
    }

    /// Password mode.
    pub fn password(value: impl Into<String>) -> Self {
        Self {
            mode: AuthMode::Password,
            value: value.into(),
        }
    }

    /// No auth.
    pub fn none() -> Self {
        Self {
            mode: AuthMode::None,
            value: String::new(),
        }
    }
}

/// Constant-time secret comparison (the crate's [`crate::auth::secret_eq`]).
pub use crate::auth::secret_eq as secret_equals;

/// Why shared-secret auth failed (`details.authReason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthFailureReason {
    /// Token mode, no token sent.
    TokenMissing,
    /// Token mode, wrong token.
    TokenMismatch,
    /// Token mode, gateway has no token configured.
    TokenMissingConfig,
    /// Password mode, no password sent.
    PasswordMissing,
    /// Password mode, wrong password.
    PasswordMismatch,
    /// Password mode, gateway has no password configured.
    PasswordMissingConfig,
    /// Too many failures from this client (rate limiter lives in the core).
    RateLimited,
}

impl AuthFailureReason {
    /// `details.authReason`, e.g. `"token_mismatch"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TokenMissing => "token_missing",
            Self::TokenMismatch => "token_mismatch",
            Self::TokenMissingConfig => "token_missing_config",
            Self::PasswordMissing => "password_missing",
            Self::PasswordMismatch => "password_mismatch",
            Self::PasswordMissingConfig => "password_missing_config",
            Self::RateLimited => "rate_limited",
        }
    }

    /// `details.code`, e.g. `"AUTH_TOKEN_MISMATCH"`.
    pub fn detail_code(self) -> &'static str {
        match self {
            Self::TokenMissing => "AUTH_TOKEN_MISSING",
            Self::TokenMismatch => "AUTH_TOKEN_MISMATCH",
            Self::TokenMissingConfig => "AUTH_TOKEN_NOT_CONFIGURED",
            Self::PasswordMissing => "AUTH_PASSWORD_MISSING",
            Self::PasswordMismatch => "AUTH_PASSWORD_MISMATCH",
            Self::PasswordMissingConfig => "AUTH_PASSWORD_NOT_CONFIGURED",
            Self::RateLimited => "AUTH_RATE_LIMITED",
        }
    }

    /// `details.recommendedNextStep`.
    pub fn recommended_next_step(self) -> &'static str {
        match self {
            Self::TokenMissing
            | Self::TokenMissingConfig
            | Self::PasswordMissing
            | Self::PasswordMissingConfig => "update_auth_configuration",
            Self::TokenMismatch | Self::PasswordMismatch => "update_auth_credentials",
            Self::RateLimited => "wait_then_retry",
        }
    }
}

/// Checks the credentials a client sent against the configured secret.
/// Empty strings count as absent. Returns the auth method used on success.
pub fn check_shared_secret(
    secret: &SharedSecret,
    token: Option<&str>,
    password: Option<&str>,
) -> Result<AuthMode, AuthFailureReason> {
    let token = token.filter(|t| !t.is_empty());
    let password = password.filter(|p| !p.is_empty());
    match secret.mode {
        AuthMode::None => Ok(AuthMode::None),
        AuthMode::Token if secret.value.is_empty() => Err(AuthFailureReason::TokenMissingConfig),
        AuthMode::Token => match token {
            None => Err(AuthFailureReason::TokenMissing),
            Some(t) if secret_equals(t, &secret.value) => Ok(AuthMode::Token),
            Some(_) => Err(AuthFailureReason::TokenMismatch),
        },
        AuthMode::Password if secret.value.is_empty() => {
            Err(AuthFailureReason::PasswordMissingConfig)
        }
        AuthMode::Password => match password {
            None => Err(AuthFailureReason::PasswordMissing),
            Some(p) if secret_equals(p, &secret.value) => Ok(AuthMode::Password),
            Some(_) => Err(AuthFailureReason::PasswordMismatch),
        },
    }
}

/// Extracts the token from an `Authorization: Bearer <token>` header value.
pub fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, rest) = header.trim().split_once(' ')?;
    let token = rest.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Which kind of client failed, selecting the message hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientKind {
    /// `client.mode == "cli"`.
    Cli,
    /// `client.id == "openclaw-control-ui"`.
    ControlUi,
    /// Webchat (`client.mode == "webchat"` or id `webchat`/`webchat-ui`).
    Webchat,
    /// Anything else (backends, probes, nodes, ...).
    Other,
}

impl ClientKind {
    /// Classifies from `client.id` / `client.mode`.
    pub fn from_client(id: &str, mode: &str) -> Self {
        if mode == "cli" {
            ClientKind::Cli
        } else if id == "openclaw-control-ui" {
            ClientKind::ControlUi
        } else if mode == "webchat" || id == "webchat" || id == "webchat-ui" {
            ClientKind::Webchat
        } else {
            ClientKind::Other
        }
    }
}

/// OpenClaw's `formatGatewayAuthFailureMessage` (2026.9.x wording; local CLI
/// clients get the "use this gateway's ..." hint, as in golden `call-badtoken`).
pub fn auth_failure_message(reason: AuthFailureReason, kind: ClientKind, is_local: bool) -> String {
    let ui = matches!(kind, ClientKind::ControlUi | ClientKind::Webchat);
    let token_hint = match kind {
        ClientKind::Cli if is_local => "use this gateway's gateway.auth.token or pair the device",
        ClientKind::Cli => "set gateway.remote.token to match gateway.auth.token",
        _ if ui => "open the dashboard URL and paste the token in Control UI settings",
        _ => "provide gateway auth token",
    };
    let password_hint = match kind {
        ClientKind::Cli if is_local => "use this gateway's gateway.auth.password",
        ClientKind::Cli => "set gateway.remote.password to match gateway.auth.password",
        _ if ui => "enter the password in Control UI settings",
        _ => "provide gateway auth password",
    };
    match reason {
        AuthFailureReason::TokenMissing if ui => "unauthorized: gateway token missing (paste in Control UI settings or openclaw doctor --generate-gateway-token; restart)".to_string(),
        AuthFailureReason::TokenMissing => format!("unauthorized: gateway token missing ({token_hint})"),
        AuthFailureReason::TokenMismatch => format!("unauthorized: gateway token mismatch ({token_hint})"),
        AuthFailureReason::TokenMissingConfig => {
            "unauthorized: gateway token not configured on gateway (set gateway.auth.token)".to_string()
        }
        AuthFailureReason::PasswordMissing => format!("unauthorized: gateway password missing ({password_hint})"),
        AuthFailureReason::PasswordMismatch => format!("unauthorized: gateway password mismatch ({password_hint})"),
        AuthFailureReason::PasswordMissingConfig => {
            "unauthorized: gateway password not configured on gateway (set gateway.auth.password)".to_string()
        }
        AuthFailureReason::RateLimited => {
            "unauthorized: too many failed authentication attempts (retry later)".to_string()
        }
    }
}

/// The full `INVALID_REQUEST` error for an auth failure, with `details`.
pub fn auth_failure_error(
    reason: AuthFailureReason,
    kind: ClientKind,
    is_local: bool,
) -> ErrorShape {
    ErrorShape::invalid_request(auth_failure_message(reason, kind, is_local)).with_details(json!({
        "code": reason.detail_code(),
        "authReason": reason.as_str(),
        "canRetryWithDeviceToken": false,
        "recommendedNextStep": reason.recommended_next_step(),
    }))
}

/// Rate-limited auth failure, retryable after `retry_after_ms`.
pub fn rate_limited_error(kind: ClientKind, is_local: bool, retry_after_ms: u64) -> ErrorShape {
    auth_failure_error(AuthFailureReason::RateLimited, kind, is_local).retry_after(retry_after_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_compare() {
        assert!(secret_equals("peer-token", "peer-token"));
        assert!(!secret_equals("peer-token", "peer-tokem"));
        assert!(!secret_equals("", "x"));
        assert!(!secret_equals("peer-token-longer", "peer-token"));
    }

    #[test]
    fn shared_secret_outcomes() {
        let t = SharedSecret::token("peer-token");
        assert_eq!(
            check_shared_secret(&t, Some("peer-token"), None),
            Ok(AuthMode::Token)
        );
        assert_eq!(
            check_shared_secret(&t, Some("wrong-token"), None),
            Err(AuthFailureReason::TokenMismatch)
        );
        assert_eq!(
            check_shared_secret(&t, Some(""), Some("pw")),
            Err(AuthFailureReason::TokenMissing)
        );
        assert_eq!(
            check_shared_secret(&SharedSecret::token(""), Some("x"), None),
            Err(AuthFailureReason::TokenMissingConfig)
        );
        let p = SharedSecret::password("hunter2");
        assert_eq!(
            check_shared_secret(&p, Some("hunter2"), None),
            Err(AuthFailureReason::PasswordMissing)
        );
        assert_eq!(
            check_shared_secret(&p, None, Some("hunter3")),
            Err(AuthFailureReason::PasswordMismatch)
        );
        assert_eq!(
            check_shared_secret(&p, None, Some("hunter2")),
            Ok(AuthMode::Password)
        );
        assert_eq!(
            check_shared_secret(&SharedSecret::none(), None, None),
            Ok(AuthMode::None)
        );
        assert!(!format!("{t:?}").contains("peer-token"));
    }

    #[test]
    fn golden_badtoken_error_is_byte_identical() {
        let e = auth_failure_error(
            AuthFailureReason::TokenMismatch,
            ClientKind::from_client("cli", "cli"),
            true,
        );
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"code":"INVALID_REQUEST","message":"unauthorized: gateway token mismatch (use this gateway's gateway.auth.token or pair the device)","details":{"code":"AUTH_TOKEN_MISMATCH","authReason":"token_mismatch","canRetryWithDeviceToken":false,"recommendedNextStep":"update_auth_credentials"}}"#
        );
    }

    #[test]
    fn messages_per_client_kind() {
        use AuthFailureReason::*;
        assert_eq!(
            auth_failure_message(TokenMissing, ClientKind::Other, false),
            "unauthorized: gateway token missing (provide gateway auth token)"
        );
        assert_eq!(
            auth_failure_message(TokenMismatch, ClientKind::Cli, false),
            "unauthorized: gateway token mismatch (set gateway.remote.token to match gateway.auth.token)"
        );
        assert_eq!(
            auth_failure_message(PasswordMismatch, ClientKind::Webchat, false),
            "unauthorized: gateway password mismatch (enter the password in Control UI settings)"
        );
        assert_eq!(
            auth_failure_message(PasswordMissing, ClientKind::Other, true),
            "unauthorized: gateway password missing (provide gateway auth password)"
        );
        assert_eq!(
            auth_failure_message(TokenMissing, ClientKind::ControlUi, true),
            "unauthorized: gateway token missing (paste in Control UI settings or openclaw doctor --generate-gateway-token; restart)"
        );
        let e = rate_limited_error(ClientKind::Other, false, 30_000);
        assert_eq!(
            e.message,
            "unauthorized: too many failed authentication attempts (retry later)"
        );
        assert_eq!(
            e.details.as_ref().unwrap()["recommendedNextStep"],
            "wait_then_retry"
        );
        assert_eq!(e.retry_after_ms, Some(30_000));
        let e = auth_failure_error(PasswordMissing, ClientKind::Other, false);
        assert_eq!(
            e.details.unwrap(),
            json!({"code":"AUTH_PASSWORD_MISSING","authReason":"password_missing",
                   "canRetryWithDeviceToken":false,"recommendedNextStep":"update_auth_configuration"})
        );
    }

    #[test]
    fn client_kinds_and_bearer() {
        assert_eq!(
            ClientKind::from_client("gateway-client", "backend"),
            ClientKind::Other
        );
        assert_eq!(
            ClientKind::from_client("webchat-ui", "ui"),
            ClientKind::Webchat
        );
        assert_eq!(
            ClientKind::from_client("openclaw-control-ui", "ui"),
            ClientKind::ControlUi
        );
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
    }
}
