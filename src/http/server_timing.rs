//! `Server-Timing` on every non-streamed HTTP response: `total;dur=<ms>` (time in the gateway,
//! from the request reaching the middleware stack to the response being ready) and, when the
//! response is a turn's answer, the turn's phases: `pre` (the gateway's time before the model
//! was called, queueing included), `provider` (in model calls) and `post` (after the last model
//! call until the outcome was committed). Durations are milliseconds with three decimals.
//! Streamed (SSE) answers carry no header: it is sent before the work it would describe.

use crate::core::run::{RunOutcome, TurnTimes};
use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::HttpResponse;
use std::fmt::Write;
use std::time::{Duration, Instant};

/// Marks `resp` as the answer of the turn `o`, so its `Server-Timing` carries the phases.
pub fn with_turn(mut resp: HttpResponse, o: &RunOutcome) -> HttpResponse {
    if let Some(t) = &o.times {
        resp.extensions_mut().insert(**t);
    }
    resp
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The header value.
pub fn value(total: Duration, turn: Option<&TurnTimes>) -> String {
    let mut v = String::new();
    if let Some(t) = turn {
        let _ = write!(
            v,
            "pre;dur={:.3}, provider;dur={:.3}, post;dur={:.3}, ",
            ms(t.pre_provider),
            ms(t.provider),
            ms(t.post_provider)
        );
    }
    let _ = write!(v, "total;dur={:.3}", ms(total));
    v
}

/// Adds `Server-Timing` (installed on the whole app).
pub async fn add(
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let start = Instant::now();
    let mut res = next.call(req).await?;
    let streaming = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    if streaming || res.status().as_u16() == 101 {
        return Ok(res);
    }
    let turn = res.response().extensions().get::<TurnTimes>().copied();
    if let Ok(v) = HeaderValue::from_str(&value(start.elapsed(), turn.as_ref())) {
        res.headers_mut()
            .insert(HeaderName::from_static("server-timing"), v);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_milliseconds_with_decimals() {
        let t = TurnTimes {
            pre_provider: Duration::from_micros(1500),
            provider: Duration::from_millis(20),
            post_provider: Duration::from_micros(250),
            total: Duration::from_micros(21750),
        };
        assert_eq!(
            value(Duration::from_micros(22125), Some(&t)),
            "pre;dur=1.500, provider;dur=20.000, post;dur=0.250, total;dur=22.125"
        );
        assert_eq!(value(Duration::from_micros(42), None), "total;dur=0.042");
    }
}
