//! An OpenAI-compatible upstream that frames every response by closing the connection, as
//! Python's `http.server` does: `HTTP/1.1 200` (or `HTTP/1.0`), no `Content-Length`, no chunked
//! encoding, then the body, then close. Its SSE uses CRLF line ends, keep-alive comments, `data:` without the
//! space and a long line, so every decoder path a real server may hit is exercised.

use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The words the upstream streams, one SSE event each.
pub const WORDS: [&str; 4] = ["Framed", " by", " closing", " the connection."];

pub struct CloseDelimitedUpstream {
    pub port: u16,
    bodies: Arc<Mutex<Vec<Value>>>,
}

impl CloseDelimitedUpstream {
    /// Starts on 127.0.0.1:0; `version` is the status line's protocol (`HTTP/1.1`, `HTTP/1.0`).
    pub async fn start(version: &'static str) -> CloseDelimitedUpstream {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let log = bodies.clone();
        actix_rt::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let log = log.clone();
                actix_rt::spawn(async move {
                    if let Some(body) = serve(sock, version).await {
                        log.lock().unwrap().push(body);
                    }
                });
            }
        });
        CloseDelimitedUpstream { port, bodies }
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    /// Request bodies received so far.
    pub fn bodies(&self) -> Vec<Value> {
        self.bodies.lock().unwrap().clone()
    }
}

/// Reads one request, answers it close-delimited and closes; returns the request body.
async fn serve(mut sock: TcpStream, version: &str) -> Option<Value> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body: Value = serde_json::from_slice(&buf[head_end..]).unwrap_or(Value::Null);
    let stream = body["stream"].as_bool().unwrap_or(false);
    let mut out = Vec::new();
    if stream {
        out.extend_from_slice(version.as_bytes());
        out.extend_from_slice(
            b" 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\r\n",
        );
        out.extend_from_slice(b": keep-alive\r\n\r\n");
        let chunk = |delta: Value, finish: Value| json!({"id":"cd-1","object":"chat.completion.chunk","created":0,"model":"m","choices":[{"index":0,"delta":delta,"finish_reason":finish}]});
        let first = chunk(json!({"role":"assistant","content":""}), Value::Null);
        out.extend_from_slice(format!("data:{first}\r\n\r\n").as_bytes());
        for w in WORDS {
            let c = chunk(json!({"content": w}), Value::Null);
            out.extend_from_slice(format!("event: message\r\ndata: {c}\r\n\r\n").as_bytes());
        }
        // A long comment line, then the finish chunk and the usage chunk.
        out.extend_from_slice(format!(":{}\r\n\r\n", "x".repeat(300_000)).as_bytes());
        let fin = chunk(json!({}), json!("stop"));
        out.extend_from_slice(format!("data: {fin}\r\n\r\n").as_bytes());
        let usage = json!({"id":"cd-1","object":"chat.completion.chunk","created":0,"model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}});
        out.extend_from_slice(format!("data: {usage}\r\n\r\ndata: [DONE]\r\n\r\n").as_bytes());
    } else {
        let v = json!({"id":"cd-1","object":"chat.completion","created":0,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":WORDS.concat()},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}});
        out.extend_from_slice(version.as_bytes());
        out.extend_from_slice(b" 200 OK\r\nContent-Type: application/json\r\n\r\n");
        out.extend_from_slice(v.to_string().as_bytes());
    }
    // Written in pieces, so the head and the events arrive in separate reads.
    for piece in out.chunks(1000) {
        if sock.write_all(piece).await.is_err() {
            return Some(body);
        }
    }
    let _ = sock.shutdown().await;
    Some(body)
}
