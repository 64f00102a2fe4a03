//! Upstream HTTP plumbing: one `awc` client per thread (awc clients are `!Send` and pool their
//! connections), TCP_NODELAY on every upstream socket, and the provider error type.

use super::framing::CloseDelimited;
use actix_service::Service;
use actix_tls::connect::{ConnectError, ConnectInfo, Connection, ConnectorService};
use actix_web::http::Uri;
use futures_util::future::LocalBoxFuture;
use std::time::Duration;
use tokio::net::TcpStream;

/// How long to wait for a TCP (and TLS) connection to an upstream.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to wait for the response head once the request is sent.
pub const FIRST_BYTE_TIMEOUT: Duration = Duration::from_secs(120);
/// Longest a pooled upstream connection is reused after its last request. Servers that close
/// idle keep-alive connections commonly do so at 5 s (uvicorn — vLLM, LiteLLM —, Node, actix,
/// cpp-httplib); a connection reused at that moment is closed under the request ("connector
/// has been disconnected"), and a burst of connections released together (after many
/// concurrent streams) made all three attempts of a turn land in that window in the benchmark.
/// Staying under 5 s costs a new connection after a longer pause.
pub const POOL_KEEP_ALIVE: Duration = Duration::from_secs(4);
/// Largest non-streamed upstream body accepted.
pub const MAX_UPSTREAM_BODY: usize = 32 * 1024 * 1024;

/// Default cap on one model reply (text, reasoning and tool-call arguments together).
pub const DEFAULT_MAX_REPLY_BYTES: usize = 4 * 1024 * 1024;

/// Bounds of one upstream call.
#[derive(Clone, Copy, Debug)]
pub struct CallLimits {
    /// Longest wait for the response head.
    pub first_byte: Duration,
    /// Longest silence between two body reads (`None`: no limit).
    pub idle: Option<Duration>,
    /// Largest reply kept: past it the stream is cut and the reply ends as truncated.
    pub max_reply_bytes: usize,
}

/// Counts a streamed reply's bytes against [`CallLimits::max_reply_bytes`]; shared by the
/// event sink (which adds) and the stream loop (which stops once it is over).
pub struct ReplyMeter {
    used: std::cell::Cell<usize>,
    cap: usize,
}

impl ReplyMeter {
    /// A meter for one call.
    pub fn new(cap: usize) -> ReplyMeter {
        ReplyMeter {
            used: std::cell::Cell::new(0),
            cap,
        }
    }

    /// Adds what `e` carries.
    pub fn add(&self, e: &super::types::ModelEvent) {
        use super::types::ModelEvent as E;
        let n = match e {
            E::TextDelta(t) | E::ReasoningDelta(t) => t.len(),
            E::ToolCallStart { id, name, .. } => id.len() + name.len(),
            E::ToolCallArgs { fragment, .. } => fragment.len(),
        };
        self.used.set(self.used.get().saturating_add(n));
    }

    /// Whether the reply went past the cap (then the caller stops reading and marks the
    /// reply truncated, with a warning in the log).
    pub fn over(&self, provider: &str) -> bool {
        let over = self.used.get() > self.cap;
        if over {
            tracing::warn!(
                provider,
                bytes = self.used.get(),
                cap = self.cap,
                "model reply cut at agents.defaults.llm.maxReplyBytes"
            );
        }
        over
    }
}

/// Errors from a model provider, normalised across protocols.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ProviderError {
    /// No provider can serve the requested model.
    #[error("{0}")]
    NotConfigured(String),
    /// TCP/TLS connection failed.
    #[error("upstream {provider} unreachable: {message}")]
    Connect {
        /// Provider id.
        provider: String,
        /// Cause.
        message: String,
    },
    /// The upstream did not answer in time.
    #[error("upstream {provider} timed out ({phase})")]
    Timeout {
        /// Provider id.
        provider: String,
        /// `first byte` or `idle`.
        phase: &'static str,
    },
    /// The upstream answered with an error status.
    #[error("upstream {provider} returned HTTP {status}: {message}")]
    Status {
        /// Provider id.
        provider: String,
        /// HTTP status.
        status: u16,
        /// Upstream's error message (truncated).
        message: String,
        /// Seconds from `Retry-After`, if given.
        retry_after: Option<u64>,
    },
    /// The upstream's response did not follow its protocol.
    #[error("upstream {provider} sent an invalid response: {message}")]
    Protocol {
        /// Provider id.
        provider: String,
        /// What was wrong.
        message: String,
    },
    /// The stream broke after output had started.
    #[error("upstream {provider} stream interrupted: {message}")]
    Interrupted {
        /// Provider id.
        provider: String,
        /// Cause.
        message: String,
    },
}

impl ProviderError {
    /// Whether trying again (or the next fallback) may succeed: only connection failures,
    /// first-byte timeouts, 429 and 5xx, and only before any output was received.
    pub fn retryable(&self) -> bool {
        match self {
            ProviderError::Connect { .. } => true,
            ProviderError::Timeout { phase, .. } => *phase == "first byte",
            ProviderError::Status { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }
}

/// Wraps the TCP connector so every upstream socket gets TCP_NODELAY (small SSE frames and
/// request bodies must not wait for Nagle plus delayed ACK) and reads close-delimited bodies
/// (see [`super::framing`]).
#[derive(Clone, Default)]
struct NoDelay(ConnectorService);

impl Service<ConnectInfo<Uri>> for NoDelay {
    type Response = Connection<Uri, CloseDelimited<TcpStream>>;
    type Error = ConnectError;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(
        &self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        Service::<ConnectInfo<Uri>>::poll_ready(&self.0, cx)
    }

    fn call(&self, req: ConnectInfo<Uri>) -> Self::Future {
        let fut = self.0.call(req);
        Box::pin(async move {
            let conn = fut.await?;
            // Failure to set the option only costs latency; the connection is still usable.
            let _ = conn.io_ref().set_nodelay(true);
            // Close-delimited HTTP/1.1 bodies (no length, no chunking) must be read to EOF.
            let (io, conn) = conn.replace_io(());
            let (_, conn) = conn.replace_io(CloseDelimited::new(io));
            Ok(conn)
        })
    }
}

thread_local! {
    static CLIENT: awc::Client = build_client();
}

fn build_client() -> awc::Client {
    let connector = awc::Connector::new()
        .connector(NoDelay::default())
        .timeout(CONNECT_TIMEOUT)
        .conn_keep_alive(POOL_KEEP_ALIVE)
        .limit(512);
    awc::Client::builder()
        .connector(connector)
        .timeout(FIRST_BYTE_TIMEOUT)
        .disable_redirects()
        .finish()
}

/// This thread's upstream client.
pub fn client() -> awc::Client {
    CLIENT.with(|c| c.clone())
}

/// Maps an awc send error to a provider error.
pub fn send_error(provider: &str, e: awc::error::SendRequestError) -> ProviderError {
    use awc::error::SendRequestError as E;
    match e {
        E::Timeout => ProviderError::Timeout {
            provider: provider.to_string(),
            phase: "first byte",
        },
        E::Connect(c) => ProviderError::Connect {
            provider: provider.to_string(),
            message: c.to_string(),
        },
        other => ProviderError::Connect {
            provider: provider.to_string(),
            message: other.to_string(),
        },
    }
}

/// Reads an error body and turns it into [`ProviderError::Status`], taking the message from
/// the OpenAI (`error.message`) or Anthropic (`error.message`) shape when present.
pub async fn status_error<S>(provider: &str, resp: &mut awc::ClientResponse<S>) -> ProviderError
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, actix_web::error::PayloadError>> + Unpin,
{
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let body = resp.body().limit(64 * 1024).await.unwrap_or_default();
    let message = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            v.pointer("/error/message")
                .or_else(|| v.pointer("/message"))
                .or_else(|| v.get("error").filter(|e| e.is_string()))
                .and_then(|m| m.as_str().map(str::to_string))
        })
        .unwrap_or_else(|| String::from_utf8_lossy(&body).chars().take(300).collect());
    ProviderError::status(provider, status, &message, retry_after)
}

impl ProviderError {
    /// An error status from `provider`. Clients see only the status class: the upstream's own
    /// words (which can quote part of an API key, or internal details) go to the log.
    pub fn status(
        provider: &str,
        status: u16,
        detail: &str,
        retry_after: Option<u64>,
    ) -> ProviderError {
        tracing::warn!(provider, status, detail = %truncate(detail, 500), "upstream answered with an error");
        ProviderError::Status {
            provider: provider.to_string(),
            status,
            message: status_class(status).to_string(),
            retry_after,
        }
    }
}

/// What a client is told about an upstream error status.
fn status_class(status: u16) -> &'static str {
    match status {
        400 | 422 => "the upstream rejected the request (details in the gateway log)",
        401 | 403 => "the upstream refused the gateway's credentials",
        404 => "the upstream does not know this model or endpoint",
        408 | 504 => "the upstream timed out",
        413 => "the request is too large for the upstream",
        429 => "the upstream is rate limiting requests",
        500..=599 => "the upstream failed (details in the gateway log)",
        _ => "the upstream returned an error (details in the gateway log)",
    }
}

/// Truncates to `max` characters.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

/// How a streamed response ended, the same way for every wire protocol: a stream that already
/// finished (it carried its stop reason) and then closed early is fine; a retryable failure
/// after output reached the caller becomes [`ProviderError::Interrupted`] (never retried: the
/// caller has seen part of the answer); anything else is returned as it is (and may be
/// retried or fall back).
pub fn stream_end(
    provider: &str,
    res: Result<(), ProviderError>,
    finished: bool,
    delivered: bool,
) -> Result<(), ProviderError> {
    match res {
        Ok(()) => Ok(()),
        Err(ProviderError::Interrupted { .. }) if finished => Ok(()),
        Err(e) if delivered && e.retryable() => Err(ProviderError::Interrupted {
            provider: provider.to_string(),
            message: e.to_string(),
        }),
        Err(e) => Err(e),
    }
}

/// Reads an upstream SSE body, calling `on_event` for each event until it returns `true`
/// (done) or the body ends. Each read waits at most `idle`.
pub async fn read_sse<S, F>(
    provider: &str,
    resp: &mut awc::ClientResponse<S>,
    idle: Option<Duration>,
    mut on_event: F,
) -> Result<(), ProviderError>
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, actix_web::error::PayloadError>> + Unpin,
    F: FnMut(super::sse::SseEvent) -> Result<bool, ProviderError>,
{
    use futures_util::StreamExt;
    let mut decoder = super::sse::SseDecoder::new();
    let mut events = Vec::new();
    loop {
        let next = match idle {
            Some(d) => match tokio::time::timeout(d, resp.next()).await {
                Ok(n) => n,
                Err(_) => {
                    return Err(ProviderError::Timeout {
                        provider: provider.to_string(),
                        phase: "idle",
                    })
                }
            },
            None => resp.next().await,
        };
        match next {
            Some(Ok(bytes)) => {
                decoder.feed(&bytes, &mut events);
                if decoder.overflowed() {
                    return Err(ProviderError::Protocol {
                        provider: provider.to_string(),
                        message: format!(
                            "a stream event exceeded {} MiB",
                            super::sse::MAX_EVENT_BYTES >> 20
                        ),
                    });
                }
            }
            Some(Err(e)) => {
                return Err(ProviderError::Interrupted {
                    provider: provider.to_string(),
                    message: e.to_string(),
                })
            }
            None => {
                decoder.finish(&mut events);
                for ev in events.drain(..) {
                    if on_event(ev)? {
                        return Ok(());
                    }
                }
                return Err(ProviderError::Interrupted {
                    provider: provider.to_string(),
                    message: "stream ended before completion".into(),
                });
            }
        }
        for ev in events.drain(..) {
            if on_event(ev)? {
                drain_ready(resp);
                return Ok(());
            }
        }
    }
}

/// After a stream's last event: reads whatever of the body has already arrived (a few reads,
/// never waiting). A body that ends right after its last event (the chunked terminator in the
/// same segment) then hands its connection back to awc's pool; dropped unfinished, the
/// connection would be closed and the next upstream call would open a new one (and, over
/// TLS, handshake again).
fn drain_ready<S>(resp: &mut awc::ClientResponse<S>)
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, actix_web::error::PayloadError>> + Unpin,
{
    use futures_util::{FutureExt, StreamExt};
    for _ in 0..4 {
        match resp.next().now_or_never() {
            Some(Some(Ok(_))) => continue,
            _ => return,
        }
    }
}

/// Reads a whole (non-streamed) JSON body, waiting at most `idle`.
pub async fn read_json<S>(
    provider: &str,
    resp: &mut awc::ClientResponse<S>,
    idle: Option<Duration>,
) -> Result<serde_json::Value, ProviderError>
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, actix_web::error::PayloadError>> + Unpin,
{
    let bytes = read_body(provider, resp, idle).await?;
    serde_json::from_slice(&bytes).map_err(|e| bad_json(provider, &e))
}

/// The protocol error for a reply body that is not the JSON expected.
pub fn bad_json(provider: &str, e: &serde_json::Error) -> ProviderError {
    ProviderError::Protocol {
        provider: provider.to_string(),
        message: format!("bad JSON: {e}"),
    }
}

/// Reads a whole reply body (at most [`MAX_UPSTREAM_BODY`]), waiting at most `idle` for it.
pub async fn read_body<S>(
    provider: &str,
    resp: &mut awc::ClientResponse<S>,
    idle: Option<Duration>,
) -> Result<bytes::Bytes, ProviderError>
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, actix_web::error::PayloadError>> + Unpin,
{
    let fut = resp.body().limit(MAX_UPSTREAM_BODY);
    match idle {
        Some(d) => tokio::time::timeout(d, fut)
            .await
            .map_err(|_| ProviderError::Timeout {
                provider: provider.to_string(),
                phase: "idle",
            })?,
        None => fut.await,
    }
    .map_err(|e| ProviderError::Interrupted {
        provider: provider.to_string(),
        message: e.to_string(),
    })
}
