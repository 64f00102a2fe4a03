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

/// Parses JSON bytes; a syntax error is a 400 naming the position.
pub fn parse_json(body: &[u8]) -> Result<Value, GatewayError> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_slice(body)
        .map_err(|e| GatewayError::bad_request(format!("Invalid JSON body: {e}")))
}
