//! Which send failures are worth retrying: every connector maps a failed platform call to a
//! [`DeliveryError`] through these helpers, so the outbox sees one vocabulary.
//!
//! - transient ([`DeliveryError::Transient`]): HTTP 429 (with the platform's retry-after),
//!   408, 5xx, connection errors and timeouts;
//! - permanent ([`DeliveryError::Failed`]): any other 4xx, and answers the platform marks as
//!   refused.

use super::DeliveryError;
use awc::http::header::HeaderMap;

/// Whether an HTTP status is worth retrying (429, 408, 5xx).
pub fn is_transient_status(status: u16) -> bool {
    status == 429 || status == 408 || status >= 500
}

/// A failed HTTP answer: transient or permanent by its status.
pub fn http_error(status: u16, retry_after_ms: Option<u64>, error: String) -> DeliveryError {
    if is_transient_status(status) {
        DeliveryError::Transient {
            error,
            retry_after_ms,
        }
    } else {
        DeliveryError::Failed(error)
    }
}

/// A request that got no answer (connect, reset, timeout): transient.
pub fn network_error(error: String) -> DeliveryError {
    DeliveryError::transient(error)
}

/// `Retry-After` in ms: delta seconds (integer or decimal); HTTP dates are ignored.
pub fn retry_after_header(headers: &HeaderMap) -> Option<u64> {
    let v = headers.get("retry-after")?.to_str().ok()?;
    seconds_to_ms(v.trim().parse::<f64>().ok()?)
}

/// The failure's text without the `delivery failed:` prefix (for connector status lines).
pub fn reason(e: DeliveryError) -> String {
    match e {
        DeliveryError::Failed(m) | DeliveryError::Transient { error: m, .. } => m,
        other => other.to_string(),
    }
}

/// Seconds (a JSON number such as Telegram's `retry_after` or Discord's) in ms.
pub fn seconds_to_ms(secs: f64) -> Option<u64> {
    (secs.is_finite() && secs >= 0.0).then(|| (secs * 1000.0).ceil() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use awc::http::header::{HeaderName, HeaderValue};

    #[test]
    fn rate_limits_server_errors_and_timeouts_are_transient_other_4xx_are_not() {
        for s in [429, 408, 500, 502, 503] {
            assert!(matches!(
                http_error(s, None, "x".into()),
                DeliveryError::Transient { .. }
            ));
        }
        for s in [400, 401, 403, 404, 413] {
            assert!(matches!(
                http_error(s, None, "x".into()),
                DeliveryError::Failed(_)
            ));
        }
    }

    #[test]
    fn retry_after_is_read_in_seconds() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after_header(&h), None);
        h.insert(
            HeaderName::from_static("retry-after"),
            HeaderValue::from_static("2"),
        );
        assert_eq!(retry_after_header(&h), Some(2000));
        h.insert(
            HeaderName::from_static("retry-after"),
            HeaderValue::from_static("0.25"),
        );
        assert_eq!(retry_after_header(&h), Some(250));
        assert_eq!(seconds_to_ms(-1.0), None);
    }
}
