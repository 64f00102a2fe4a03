//! Request limits by route family, per credential (`gateway.http.limits`; seed 003's 100
//! requests a minute, 10 at once, 10 MB bodies and 300 s on the seeds' families by default; the
//! OpenAI-compatible endpoints, `/tools/invoke` and hooks only when configured). A limited
//! family's answers carry `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`;
//! a request over a limit gets a 429 with `Retry-After` in its family's error shape and never
//! reaches the handler. A request holds its concurrency slot until its response body has been
//! sent (a stream counts while it streams).

use crate::config::{FamilyLimits, HttpLimits};
use crate::error::GatewayError;
use actix_web::body::{BodySize, BoxBody, MessageBody};
use bytes::Bytes;
use dashmap::DashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

/// The limited family a route path belongs to (see [`crate::config::LIMIT_FAMILIES`]).
pub fn family_of(path: &str) -> Option<&'static str> {
    const PREFIXES: &[(&str, &str)] = &[
        ("/api/v1/", "api_v1"),
        ("/v1/agent/", "agent"),
        ("/v1/sessions", "sessions"),
        ("/sessions/", "sessions"),
        ("/v1/channels", "channels"),
        ("/browser", "browser"),
        ("/v1/browser", "browser"),
        ("/v1/chat/completions", "openai"),
        ("/v1/responses", "openai"),
        ("/v1/embeddings", "openai"),
        ("/v1/models", "openai"),
        ("/tools/invoke", "tools_invoke"),
    ];
    PREFIXES
        .iter()
        .find(|(p, _)| path.starts_with(p))
        .map(|(_, f)| *f)
}

/// Per-family, per-credential counters.
#[derive(Debug, Default)]
pub struct Limiter {
    limits: HttpLimits,
    windows: DashMap<(&'static str, String), (Instant, u32)>,
    in_flight: DashMap<(&'static str, String), Arc<AtomicU32>>,
}

/// `X-RateLimit-*` values: limit, remaining, seconds to reset.
pub type RateHeaders = Option<(u32, u32, u64)>;

/// What a request was admitted with: the headers to send and the concurrency slot it holds.
#[derive(Debug)]
pub struct Admitted {
    /// `X-RateLimit-*` values: limit, remaining, seconds to reset.
    pub headers: RateHeaders,
    slot: Option<Slot>,
}

#[derive(Debug)]
struct Slot(Arc<AtomicU32>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Limiter {
    /// A limiter with these limits.
    pub fn new(limits: HttpLimits) -> Self {
        Limiter {
            limits,
            ..Default::default()
        }
    }

    /// The limits of `family`, if it is limited.
    pub fn family(&self, family: &str) -> Option<&FamilyLimits> {
        self.limits.family(family)
    }

    /// Admits a request of `family` from `credential`, or says which limit it is over.
    pub fn admit(
        &self,
        family: &'static str,
        credential: &str,
    ) -> Result<Admitted, (GatewayError, RateHeaders)> {
        let mut headers = None;
        let Some(limits) = self.limits.family(family) else {
            return Ok(Admitted {
                headers,
                slot: None,
            });
        };
        let key = (limits.budget, credential.to_string());
        if limits.rate_per_minute > 0 {
            let limit = limits.rate_per_minute;
            let now = Instant::now();
            let mut w = self.windows.entry(key.clone()).or_insert((now, 0));
            if now.duration_since(w.0) >= WINDOW {
                *w = (now, 0);
            }
            let reset = WINDOW
                .saturating_sub(now.duration_since(w.0))
                .as_secs()
                .max(1);
            if w.1 >= limit {
                let e = GatewayError::RateLimited {
                    message: format!("Rate limit exceeded: {limit} requests per minute."),
                    retry_after: reset,
                };
                return Err((e, Some((limit, 0, reset))));
            }
            w.1 += 1;
            headers = Some((limit, limit - w.1, reset));
        }
        let mut slot = None;
        if limits.max_concurrent > 0 {
            let counter = self.in_flight.entry(key).or_default().clone();
            let before = counter.fetch_add(1, Ordering::AcqRel);
            let held = Slot(counter);
            if before >= limits.max_concurrent {
                let e = GatewayError::RateLimited {
                    message: format!(
                        "Too many concurrent requests: at most {} at once.",
                        limits.max_concurrent
                    ),
                    retry_after: 1,
                };
                return Err((e, headers));
            }
            slot = Some(held);
        }
        Ok(Admitted { headers, slot })
    }
}

impl Admitted {
    /// Wraps a response body so the concurrency slot is released when the body is done.
    pub fn hold(self, body: BoxBody) -> BoxBody {
        match self.slot {
            None => body,
            Some(slot) => BoxBody::new(Held { body, _slot: slot }),
        }
    }
}

/// A response body holding a concurrency slot.
struct Held {
    body: BoxBody,
    _slot: Slot,
}

impl MessageBody for Held {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.body).poll_next(cx)
    }
}

/// Adds the `X-RateLimit-*` headers.
pub fn add_headers(h: &mut actix_web::http::header::HeaderMap, v: RateHeaders) {
    use actix_web::http::header::{HeaderName, HeaderValue};
    let Some((limit, remaining, reset)) = v else {
        return;
    };
    for (name, value) in [
        ("x-ratelimit-limit", limit.to_string()),
        ("x-ratelimit-remaining", remaining.to_string()),
        ("x-ratelimit-reset", reset.to_string()),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(HeaderName::from_static(name), v);
        }
    }
}
