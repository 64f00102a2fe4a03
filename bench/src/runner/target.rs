//! Where the benchmark's requests go and the keep-alive client that times them: the mock
//! directly, the gateway, or another server measured beside it (the floor, a peer); request
//! bodies, `Server-Timing` phases, and the content-delta check for streamed replies.

use std::io::{Error, ErrorKind};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::gateway::BEARER;
#[cfg(test)]
use super::gateway::TOKEN;
use crate::client::{HttpConn, SseParser};

/// Longest any single request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Where requests go: straight to the mock, through the gateway, or through another server
/// measured beside it (the floor forwarder, a peer gateway).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The mock model (`model: mock-model`).
    Direct(SocketAddr),
    /// The gateway (`model: openclaw`, bearer token, `user` = session).
    Gateway(SocketAddr),
    /// Another OpenAI-compatible server (`user` = session as for the gateway).
    Other(&'static Endpoint),
}

/// How to reach a server other than the gateway.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// Its address.
    pub addr: SocketAddr,
    /// The chat-completions path (e.g. `/v1/chat/completions`).
    pub path: String,
    /// The `Authorization` header value.
    pub auth: String,
    /// The `model` every request names.
    pub model: String,
}

impl Endpoint {
    /// A target for this endpoint (leaked: endpoints live for the whole run).
    pub fn leak(self) -> Target {
        Target::Other(Box::leak(Box::new(self)))
    }
}

impl Target {
    pub(crate) fn addr(self) -> SocketAddr {
        match self {
            Target::Direct(a) | Target::Gateway(a) => a,
            Target::Other(e) => e.addr,
        }
    }

    pub(crate) fn auth(self) -> &'static str {
        match self {
            Target::Direct(_) => "Bearer bench",
            Target::Gateway(_) => BEARER,
            Target::Other(e) => &e.auth,
        }
    }

    pub(crate) fn path(self) -> &'static str {
        match self {
            Target::Other(e) => &e.path,
            _ => "/v1/chat/completions",
        }
    }

    /// The chat-completions request body.
    pub fn body(self, user: &str, stream: bool) -> Vec<u8> {
        let stream = if stream { r#","stream":true"# } else { "" };
        let messages = r#"[{"role":"user","content":"hi"}]"#;
        let model = match self {
            Target::Direct(_) => {
                return format!(r#"{{"model":"mock-model","messages":{messages}{stream}}}"#)
                    .into_bytes()
            }
            Target::Gateway(_) => "openclaw",
            Target::Other(e) => &e.model,
        };
        let model = serde_json::to_string(model).expect("serializing a str cannot fail");
        let user = serde_json::to_string(user).expect("serializing a str cannot fail");
        format!(r#"{{"model":{model},"messages":{messages},"user":{user}{stream}}}"#).into_bytes()
    }
}

/// Timing of one streamed reply, taken at the client.
#[derive(Clone, Debug)]
pub struct StreamTiming {
    /// Request written → first non-empty content delta parsed.
    pub ttft: Duration,
    /// Gaps between consecutive content deltas.
    pub gaps: Vec<Duration>,
    /// Request written → end of the stream.
    pub total: Duration,
}

/// The gateway's own split of a turn, from its `Server-Timing` header (ms → µs).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Phases {
    /// Request accepted → first byte to the provider, µs.
    pub pre_us: f64,
    /// Provider call, µs.
    pub provider_us: f64,
    /// Provider's last byte → outcome committed, µs.
    pub post_us: f64,
}

impl Phases {
    /// Parses `pre;dur=1.5, provider;dur=20, post;dur=0.25, total;dur=22`; `None` without
    /// the three turn phases.
    pub fn parse(header: &str) -> Option<Phases> {
        Some(Phases {
            pre_us: timing_us(header, "pre")?,
            provider_us: timing_us(header, "provider")?,
            post_us: timing_us(header, "post")?,
        })
    }
}

/// The `total` entry of a `Server-Timing` header, ms → µs.
pub fn server_total_us(header: &str) -> Option<f64> {
    timing_us(header, "total")
}

/// The `dur` of the entry `name` in a `Server-Timing` header, ms → µs.
fn timing_us(header: &str, name: &str) -> Option<f64> {
    header.split(',').find_map(|part| {
        let mut it = part.trim().split(';');
        (it.next()?.trim() == name).then_some(())?;
        it.find_map(|kv| kv.trim().strip_prefix("dur="))?
            .parse::<f64>()
            .ok()
            .map(|ms| ms * 1000.0)
    })
}

/// A keep-alive client for one target that reconnects after an error or a closed connection.
#[derive(Debug)]
pub struct Client {
    target: Target,
    conn: Option<HttpConn>,
}

impl Client {
    /// A client with no connection yet.
    pub fn new(target: Target) -> Self {
        Client { target, conn: None }
    }

    async fn conn(&mut self) -> std::io::Result<&mut HttpConn> {
        if !self.conn.as_ref().is_some_and(HttpConn::is_reusable) {
            self.conn = Some(HttpConn::connect(self.target.addr()).await?);
        }
        self.conn
            .as_mut()
            .ok_or_else(|| Error::other("no connection"))
    }

    async fn send(&mut self, body: &[u8]) -> std::io::Result<()> {
        let (auth, path) = (self.target.auth(), self.target.path());
        let headers = [
            ("Content-Type", "application/json"),
            ("Authorization", auth),
        ];
        self.conn().await?.send("POST", path, &headers, body).await
    }

    /// One authenticated `GET path`; returns its latency. Non-200 is an error.
    pub async fn get(&mut self, path: &str) -> std::io::Result<Duration> {
        self.get_timed(path).await.map(|(d, _)| d)
    }

    /// As [`Client::get`], with the gateway's own `Server-Timing` `total` in µs (when sent):
    /// the part of the latency spent inside its handler stack.
    pub async fn get_timed(&mut self, path: &str) -> std::io::Result<(Duration, Option<f64>)> {
        let auth = self.target.auth();
        let result = tokio::time::timeout(REQUEST_TIMEOUT, async {
            let t0 = Instant::now();
            self.conn()
                .await?
                .send("GET", path, &[("Authorization", auth)], b"")
                .await?;
            let conn = self.conn().await?;
            let head = conn.read_head().await?;
            let _ = conn.read_body().await?;
            let took = t0.elapsed();
            if head.status != 200 {
                return Err(Error::other(format!("GET {path}: status {}", head.status)));
            }
            Ok((took, head.header("server-timing").and_then(server_total_us)))
        })
        .await
        .unwrap_or_else(|_| Err(Error::new(ErrorKind::TimedOut, "request timed out")));
        if result.is_err() {
            self.conn = None;
        }
        result
    }

    /// One non-stream turn; returns its latency and the response body. Non-200 is an error.
    pub async fn turn(&mut self, user: &str) -> std::io::Result<(Duration, bytes::Bytes)> {
        self.turn_full(user).await.map(|(d, _, b)| (d, b))
    }

    /// One non-stream turn with the gateway's `Server-Timing` phases (when it sent them).
    pub async fn turn_phases(&mut self, user: &str) -> std::io::Result<(Duration, Option<Phases>)> {
        let (d, head, _) = self.turn_full(user).await?;
        Ok((d, head.header("server-timing").and_then(Phases::parse)))
    }

    async fn turn_full(
        &mut self,
        user: &str,
    ) -> std::io::Result<(Duration, crate::client::ResponseHead, bytes::Bytes)> {
        let body = self.target.body(user, false);
        let result = tokio::time::timeout(REQUEST_TIMEOUT, async {
            let t0 = Instant::now();
            self.send(&body).await?;
            let conn = self.conn().await?;
            let head = conn.read_head().await?;
            let body = conn.read_body().await?;
            let took = t0.elapsed();
            if head.status != 200 {
                let text = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
                return Err(Error::other(format!("status {}: {text}", head.status)));
            }
            Ok((took, head, body))
        })
        .await
        .unwrap_or_else(|_| Err(Error::new(ErrorKind::TimedOut, "request timed out")));
        if result.is_err() {
            self.conn = None;
        }
        result
    }

    /// One streamed turn, timing each content delta as it is parsed.
    pub async fn stream_turn(&mut self, user: &str) -> std::io::Result<StreamTiming> {
        let body = self.target.body(user, true);
        let result = tokio::time::timeout(REQUEST_TIMEOUT, async {
            let t0 = Instant::now();
            self.send(&body).await?;
            let conn = self.conn().await?;
            let head = conn.read_head().await?;
            if head.status != 200 {
                let body = conn.read_body().await?;
                let text = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
                return Err(Error::other(format!("status {}: {text}", head.status)));
            }
            let mut parser = SseParser::new();
            let mut events = Vec::new();
            let mut times = Vec::new();
            while let Some(piece) = conn.next_chunk().await? {
                parser.feed(&piece, &mut events);
                let now = Instant::now();
                times.extend(
                    events
                        .drain(..)
                        .filter(|e| is_content_delta(&e.data))
                        .map(|_| now),
                );
            }
            let first = *times
                .first()
                .ok_or_else(|| Error::other("stream had no content delta"))?;
            let total = t0.elapsed();
            let gaps = times.windows(2).map(|w| w[1] - w[0]).collect();
            Ok(StreamTiming {
                ttft: first - t0,
                gaps,
                total,
            })
        })
        .await
        .unwrap_or_else(|_| Err(Error::new(ErrorKind::TimedOut, "request timed out")));
        if result.is_err() {
            self.conn = None;
        }
        result
    }
}

/// Whether an SSE data payload is a chat chunk with a non-empty `choices[0].delta.content`.
pub fn is_content_delta(data: &str) -> bool {
    if !data.starts_with('{') {
        return false;
    }
    serde_json::from_str::<serde_json::Value>(data).is_ok_and(|v| {
        v["choices"][0]["delta"]["content"]
            .as_str()
            .is_some_and(|c| !c.is_empty())
    })
}

/// A duration in µs.
pub(crate) fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_delta_detection() {
        assert!(is_content_delta(
            r#"{"choices":[{"delta":{"content":"x"}}]}"#
        ));
        assert!(!is_content_delta(
            r#"{"choices":[{"delta":{"role":"assistant","content":""}}]}"#
        ));
        assert!(!is_content_delta(r#"{"choices":[],"usage":{}}"#));
        assert!(!is_content_delta("[DONE]"));
    }

    #[test]
    fn server_timing_total_parses() {
        assert_eq!(server_total_us("total;dur=0.250"), Some(250.0));
        assert_eq!(server_total_us("pre;dur=1, total;dur=2.5"), Some(2500.0));
        assert_eq!(server_total_us("pre;dur=1"), None);
        assert_eq!(server_total_us("total;desc=x"), None);
    }

    #[test]
    fn server_timing_phases_parse() {
        let p =
            Phases::parse("pre;dur=1.500, provider;dur=20.000, post;dur=0.250, total;dur=22.125")
                .unwrap();
        assert_eq!(
            (p.pre_us, p.provider_us, p.post_us),
            (1500.0, 20000.0, 250.0)
        );
        assert_eq!(Phases::parse("total;dur=0.042"), None);
    }

    #[test]
    fn other_endpoints_name_their_model_and_path() {
        let t = Endpoint {
            addr: SocketAddr::from(([127, 0, 0, 1], 1)),
            path: "/api/v1/chat/completions".into(),
            auth: "Bearer k".into(),
            model: "openai/mock".into(),
        }
        .leak();
        let v: serde_json::Value = serde_json::from_slice(&t.body("u", false)).unwrap();
        assert_eq!(v["model"], "openai/mock");
        assert_eq!(v["user"], "u");
        assert_eq!(
            (t.path(), t.auth()),
            ("/api/v1/chat/completions", "Bearer k")
        );
    }

    #[test]
    fn gateway_body_carries_the_session_user() {
        let t = Target::Gateway(SocketAddr::from(([127, 0, 0, 1], 1)));
        let v: serde_json::Value = serde_json::from_slice(&t.body("s\"7", true)).unwrap();
        assert_eq!(v["model"], "openclaw");
        assert_eq!(v["user"], "s\"7");
        assert_eq!(v["stream"], true);
        assert_eq!(t.auth(), format!("Bearer {TOKEN}"));
    }
}
