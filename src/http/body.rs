//! Reading request bodies with a size limit, and JSON parsing with OpenAI-shaped errors.

use crate::error::GatewayError;
use actix_web::web;
use futures_util::StreamExt;
use serde_json::Value;
use std::time::Duration;

/// How long a client may take to send its body.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// Reads the whole body, failing with 413 past `limit` bytes and 408 when too slow.
pub async fn read_body(
    mut payload: web::Payload,
    limit: usize,
) -> Result<web::BytesMut, GatewayError> {
    let read = async {
        let mut buf = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| match e {
                actix_web::error::PayloadError::Overflow => GatewayError::PayloadTooLarge,
                other => GatewayError::bad_request(format!("cannot read request body: {other}")),
            })?;
            if buf.len() + chunk.len() > limit {
                return Err(GatewayError::PayloadTooLarge);
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(buf)
    };
    tokio::time::timeout(BODY_TIMEOUT, read)
        .await
        .map_err(|_| GatewayError::BodyTimeout)?
}

/// Reads and parses a JSON body; an empty body is `{}` (as OpenClaw).
pub async fn read_json(payload: web::Payload, limit: usize) -> Result<Value, GatewayError> {
    let body = read_body(payload, limit).await?;
    parse_json(&body)
}

/// Most JSON values one request body may hold. A parsed value costs 32+ bytes whatever its
/// text, so a body of tiny array elements would inflate ~35× in memory; this bounds a request's
/// parse to tens of MiB whatever its shape, far above any real request.
pub const MAX_JSON_VALUES: usize = 1_000_000;

/// Parses JSON bytes; a syntax error is a 400 naming the position, a body with more than
/// [`MAX_JSON_VALUES`] values a 400 before anything is allocated for them.
pub fn parse_json(body: &[u8]) -> Result<Value, GatewayError> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(Value::Object(Default::default()));
    }
    value_budget(body).map_err(|e| GatewayError::bad_request(format!("Invalid JSON body: {e}")))?;
    serde_json::from_slice(body)
        .map_err(|e| GatewayError::bad_request(format!("Invalid JSON body: {e}")))
}

/// Refuses a JSON text holding more than [`MAX_JSON_VALUES`] values (every edge that parses a
/// body into a `serde_json::Value` checks this first).
pub fn value_budget(body: &[u8]) -> Result<(), String> {
    if count_values(body, MAX_JSON_VALUES) > MAX_JSON_VALUES {
        return Err(format!("more than {MAX_JSON_VALUES} values"));
    }
    Ok(())
}

/// Counts the values in a JSON text (one per container, plus one per separator), in one pass
/// over the bytes outside strings, stopping once past `stop`. Exact for valid JSON; for
/// invalid text it is only a bound, and the parser reports the syntax error.
fn count_values(body: &[u8], stop: usize) -> usize {
    let (mut n, mut in_string, mut escaped) = (1usize, false, false);
    for &b in body {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b',' | b'[' | b'{' => {
                n += 1;
                if n > stop {
                    break;
                }
            }
            _ => {}
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_counted_outside_strings_only() {
        assert_eq!(count_values(br#"{"a":[1,2,3]}"#, 100), 5);
        assert_eq!(count_values(br#"{"a":"x,[{\",y"}"#, 100), 2);
        assert_eq!(
            count_values(b"[0,0,0,0,0,0]", 3),
            4,
            "stops once past the bound"
        );
    }

    #[test]
    fn a_body_of_a_million_tiny_elements_is_refused_before_parsing() {
        let mut body = b"[0".to_vec();
        for _ in 0..MAX_JSON_VALUES {
            body.extend_from_slice(b",0");
        }
        body.push(b']');
        let err = parse_json(&body).unwrap_err();
        assert!(err.to_string().contains("more than"), "{err}");
        let fine = format!("[{}]", vec!["0"; 1000].join(","));
        assert_eq!(
            parse_json(fine.as_bytes())
                .unwrap()
                .as_array()
                .unwrap()
                .len(),
            1000
        );
    }
}
