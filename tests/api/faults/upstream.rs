//! A scripted OpenAI-compatible upstream written on raw TCP, so it can misbehave in ways an
//! HTTP framework will not: hang before or inside a response, reset the connection (RST),
//! send malformed SSE, flood, answer 429/5xx with or without `Retry-After`, or frame its body
//! by closing the connection (HTTP/1.0 style). Every connection gets the current [`Fault`]
//! (sticky until [`FaultyUpstream::set`] changes it), so retries meet the same fault.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the upstream does with each request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// A normal answer ("fine"), streamed or not as asked, with `Connection: close`.
    Ok,
    /// Reads the request and never answers (until the gateway hangs up).
    HangBeforeHead,
    /// Sends the head and a first delta (or half a JSON body), then stays silent.
    HangMidStream,
    /// Reads the request and resets the connection (SO_LINGER 0, then close).
    ResetBeforeHead,
    /// Sends the head and a first delta (or half a JSON body), then resets.
    ResetMidStream,
    /// A 200 SSE stream of lines that are not SSE at all, then close.
    GarbageLines,
    /// `data:` lines that are not JSON, then `[DONE]`.
    InvalidJsonData,
    /// Valid deltas, no finish and no `[DONE]`, then close.
    MissingDone,
    /// Deltas (or one endless, unframed JSON string) as fast as the gateway reads, until it
    /// hangs up.
    Flood,
    /// An error status with an OpenAI error body, `Retry-After: <n>` when given.
    Status(u16, Option<u32>),
    /// A valid answer on `HTTP/1.0` without `Content-Length`: the close frames the body.
    CloseFramed,
    /// Half an answer on `HTTP/1.0` without `Content-Length`, then close.
    CloseFramedTruncated,
}

/// The upstream: its port, the current fault and how many requests it has read.
pub struct FaultyUpstream {
    pub port: u16,
    fault: Arc<Mutex<Fault>>,
    requests: Arc<AtomicUsize>,
}

impl FaultyUpstream {
    /// Starts on 127.0.0.1:0 answering [`Fault::Ok`].
    pub async fn start() -> FaultyUpstream {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let fault = Arc::new(Mutex::new(Fault::Ok));
        let requests = Arc::new(AtomicUsize::new(0));
        let (f, n) = (fault.clone(), requests.clone());
        actix_rt::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let (f, n) = (f.clone(), n.clone());
                actix_rt::spawn(async move {
                    let _ = serve(sock, f, n).await;
                });
            }
        });
        FaultyUpstream {
            port,
            fault,
            requests,
        }
    }

    /// The `baseUrl` for a provider.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    /// Makes every following request meet `fault`.
    pub fn set(&self, fault: Fault) {
        *self.fault.lock().unwrap() = fault;
    }

    /// Requests read so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Serves requests on one connection until it closes or a fault ends it.
async fn serve(
    mut sock: TcpStream,
    fault: Arc<Mutex<Fault>>,
    requests: Arc<AtomicUsize>,
) -> std::io::Result<()> {
    loop {
        let Some(stream) = read_request(&mut sock).await? else {
            return Ok(());
        };
        requests.fetch_add(1, Ordering::SeqCst);
        let f = *fault.lock().unwrap();
        match act(&mut sock, f, stream).await? {
            Next::KeepAlive => continue,
            Next::Close => return sock.shutdown().await,
            Next::HoldUntilPeerCloses => return hold(sock).await,
            Next::Reset => {
                sock.set_zero_linger()?;
                drop(sock);
                return Ok(());
            }
        }
    }
}

enum Next {
    KeepAlive,
    Close,
    HoldUntilPeerCloses,
    Reset,
}

/// Reads one request; returns whether it asked for a stream, `None` on a clean close.
async fn read_request(sock: &mut TcpStream) -> std::io::Result<Option<bool>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        let n = sock.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let len: Option<usize> = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok());
    let done = |b: &[u8]| match len {
        Some(len) => b.len() >= head_end + len,
        None => b.ends_with(b"0\r\n\r\n"),
    };
    while !done(&buf) {
        let n = sock.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buf[head_end..]);
    Ok(Some(
        body.contains("\"stream\":true") || body.contains("\"stream\": true"),
    ))
}

/// Reads until the gateway hangs up: a hang costs the upstream nothing but a socket.
async fn hold(mut sock: TcpStream) -> std::io::Result<()> {
    let mut chunk = [0u8; 4096];
    while sock.read(&mut chunk).await? > 0 {}
    Ok(())
}

fn chunk(content: &str) -> String {
    let c = serde_json::json!({"id": "chatcmpl-f", "object": "chat.completion.chunk", "created": 0, "model": "m",
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": null}]});
    format!("data: {c}\n\n")
}

fn finish() -> String {
    let c = serde_json::json!({"id": "chatcmpl-f", "object": "chat.completion.chunk", "created": 0, "model": "m",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]});
    format!("data: {c}\n\ndata: [DONE]\n\n")
}

fn completion(text: &str) -> String {
    serde_json::json!({"id": "chatcmpl-f", "object": "chat.completion", "created": 0, "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})
    .to_string()
}

const SSE_HEAD: &str =
    "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";

async fn act(sock: &mut TcpStream, fault: Fault, stream: bool) -> std::io::Result<Next> {
    let partial = |stream: bool| {
        if stream {
            format!("{SSE_HEAD}{}", chunk("part"))
        } else {
            let body = completion("half an answer");
            format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{}",
                body.len(),
                &body[..body.len() / 2]
            )
        }
    };
    let answer = |stream: bool, version: &str| {
        if stream {
            format!(
                "{version} 200 OK\r\ncontent-type: text/event-stream\r\n\r\n{}{}",
                chunk("fine"),
                finish()
            )
        } else {
            format!(
                "{version} 200 OK\r\ncontent-type: application/json\r\n\r\n{}",
                completion("fine")
            )
        }
    };
    match fault {
        Fault::Ok => {
            let text = if stream {
                format!("{SSE_HEAD}{}{}", chunk("fine"), finish())
            } else {
                let body = completion("fine");
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                )
            };
            sock.write_all(text.as_bytes()).await?;
            Ok(if stream { Next::Close } else { Next::KeepAlive })
        }
        Fault::HangBeforeHead => Ok(Next::HoldUntilPeerCloses),
        Fault::ResetBeforeHead => Ok(Next::Reset),
        Fault::HangMidStream => {
            sock.write_all(partial(stream).as_bytes()).await?;
            Ok(Next::HoldUntilPeerCloses)
        }
        Fault::ResetMidStream => {
            sock.write_all(partial(stream).as_bytes()).await?;
            sock.flush().await?;
            Ok(Next::Reset)
        }
        Fault::GarbageLines => {
            let text = format!(
                "{SSE_HEAD}<html>502 Bad Gateway</html>\n\u{0}\u{7f}garbage\n:::\nevent\n{}\n\n",
                "x".repeat(10_000)
            );
            sock.write_all(text.as_bytes()).await?;
            Ok(Next::Close)
        }
        Fault::InvalidJsonData => {
            let text = format!(
                "{SSE_HEAD}data: {{not json\n\ndata: [1, 2\n\ndata: \"a string\"\n\ndata: [DONE]\n\n"
            );
            sock.write_all(text.as_bytes()).await?;
            Ok(Next::Close)
        }
        Fault::MissingDone => {
            let text = format!("{SSE_HEAD}{}{}", chunk("cut"), chunk(" short"));
            sock.write_all(text.as_bytes()).await?;
            Ok(Next::Close)
        }
        Fault::Flood => {
            if stream {
                sock.write_all(SSE_HEAD.as_bytes()).await?;
                let burst = chunk("0123456789").repeat(100);
                while sock.write_all(burst.as_bytes()).await.is_ok() {}
            } else {
                // No length: the body is framed by a close that never comes.
                let head = "HTTP/1.0 200 OK\r\ncontent-type: application/json\r\n\r\n{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"";
                sock.write_all(head.as_bytes()).await?;
                let burst = "0123456789".repeat(1000);
                while sock.write_all(burst.as_bytes()).await.is_ok() {}
            }
            Ok(Next::Close)
        }
        Fault::Status(status, retry_after) => {
            let body = serde_json::json!({"error": {"message": format!("upstream says {status}"), "type": "server_error", "code": null}}).to_string();
            let retry = retry_after
                .map(|s| format!("retry-after: {s}\r\n"))
                .unwrap_or_default();
            let text = format!(
                "HTTP/1.1 {status} Whatever\r\ncontent-type: application/json\r\n{retry}content-length: {}\r\n\r\n{body}",
                body.len()
            );
            sock.write_all(text.as_bytes()).await?;
            Ok(Next::KeepAlive)
        }
        Fault::CloseFramed => {
            sock.write_all(answer(stream, "HTTP/1.0").as_bytes())
                .await?;
            Ok(Next::Close)
        }
        Fault::CloseFramedTruncated => {
            let full = answer(stream, "HTTP/1.0");
            let cut = full.len() - 20;
            sock.write_all(&full.as_bytes()[..cut]).await?;
            Ok(Next::Close)
        }
    }
}
