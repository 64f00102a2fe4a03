//! A small HTTP/1.1 keep-alive client over a tokio `TcpStream` with `TCP_NODELAY`, and an
//! incremental Server-Sent Events parser.
//!
//! It does exactly what the benchmark needs and nothing more: one request at a time per
//! connection, a request written with a single `write_all`, responses framed by
//! `Content-Length`, `Transfer-Encoding: chunked` or connection close, and bodies readable
//! incrementally (so the time of each SSE frame can be taken as it arrives).

use std::io::{Error, ErrorKind};
use std::net::SocketAddr;

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Largest response head accepted.
const MAX_HEAD: usize = 64 * 1024;

/// Status line and headers of a response.
#[derive(Clone, Debug)]
pub struct ResponseHead {
    /// Status code.
    pub status: u16,
    /// Headers with lowercase names, in received order.
    pub headers: Vec<(String, String)>,
}

impl ResponseHead {
    /// First value of header `name` (give it in lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A complete response.
#[derive(Clone, Debug)]
pub struct Response {
    /// Status line and headers.
    pub head: ResponseHead,
    /// The whole (de-chunked) body.
    pub body: Bytes,
}

impl Response {
    /// Status code.
    pub fn status(&self) -> u16 {
        self.head.status
    }

    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Where the body being read stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Body {
    /// No body in progress.
    Done,
    /// `Content-Length` bytes still to read.
    Length(u64),
    /// Chunked: expecting a chunk-size line.
    ChunkSize,
    /// Chunked: bytes of the current chunk still to read.
    ChunkData(u64),
    /// Chunked: the CRLF after a chunk's data.
    ChunkEnd,
    /// Chunked: trailer lines up to the empty line.
    Trailers,
    /// Read until the peer closes the connection.
    UntilClose,
}

/// One HTTP/1.1 connection.
#[derive(Debug)]
pub struct HttpConn {
    stream: TcpStream,
    buf: BytesMut,
    host: String,
    body: Body,
    reusable: bool,
}

impl HttpConn {
    /// Connects to `addr` and sets `TCP_NODELAY`.
    pub async fn connect(addr: SocketAddr) -> std::io::Result<HttpConn> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(HttpConn {
            stream,
            buf: BytesMut::with_capacity(16 * 1024),
            host: addr.to_string(),
            body: Body::Done,
            reusable: true,
        })
    }

    /// Whether another request may be sent on this connection (the last response was read to
    /// its end and did not ask to close, and the server has not closed it since, e.g. at its
    /// keep-alive timeout: a request written on such a connection would fail, an error of the
    /// client's pool rather than of the server, so it is checked as HTTP clients' pools do).
    pub fn is_reusable(&self) -> bool {
        self.reusable && self.body == Body::Done && !self.closed_by_peer()
    }

    /// Whether the peer closed the connection (or sent bytes nobody asked for) while it was idle.
    fn closed_by_peer(&self) -> bool {
        let mut byte = [0u8; 1];
        match self.stream.try_read(&mut byte) {
            Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
            Ok(_) => true,
        }
    }

    /// Writes one request. `Host` and `Content-Length` (when `body` is not empty, or the
    /// method is POST/PUT/PATCH) are added.
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<()> {
        if self.body != Body::Done {
            return Err(Error::other("previous response body not read to its end"));
        }
        let mut req = Vec::with_capacity(256 + body.len());
        req.extend_from_slice(
            format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.host).as_bytes(),
        );
        for (k, v) in headers {
            req.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
        }
        if !body.is_empty() || matches!(method, "POST" | "PUT" | "PATCH") {
            req.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
        }
        req.extend_from_slice(b"\r\n");
        req.extend_from_slice(body);
        self.stream.write_all(&req).await
    }

    /// Reads more bytes into the buffer; EOF is an error.
    async fn fill(&mut self) -> std::io::Result<()> {
        self.buf.reserve(8 * 1024);
        if self.stream.read_buf(&mut self.buf).await? == 0 {
            self.reusable = false;
            return Err(Error::new(
                ErrorKind::UnexpectedEof,
                "connection closed by peer",
            ));
        }
        Ok(())
    }

    /// Reads the status line and headers of the response (skipping `1xx` ones) and prepares
    /// the body for [`HttpConn::next_chunk`].
    pub async fn read_head(&mut self) -> std::io::Result<ResponseHead> {
        loop {
            let end = loop {
                if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                    break i;
                }
                if self.buf.len() > MAX_HEAD {
                    return Err(Error::new(
                        ErrorKind::InvalidData,
                        "response head too large",
                    ));
                }
                self.fill().await?;
            };
            let raw = self.buf.split_to(end + 4);
            let head = parse_head(&raw[..end])?;
            if (100..200).contains(&head.status) {
                continue;
            }
            let chunked = head
                .header("transfer-encoding")
                .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
            let length = head.header("content-length").map(str::trim);
            self.body = if head.status == 204 || head.status == 304 {
                Body::Done
            } else if chunked {
                Body::ChunkSize
            } else if let Some(len) = length {
                let len = len
                    .parse()
                    .map_err(|_| Error::new(ErrorKind::InvalidData, "bad content-length"))?;
                if len == 0 {
                    Body::Done
                } else {
                    Body::Length(len)
                }
            } else {
                self.reusable = false;
                Body::UntilClose
            };
            if head
                .header("connection")
                .is_some_and(|v| v.eq_ignore_ascii_case("close"))
            {
                self.reusable = false;
            }
            return Ok(head);
        }
    }

    /// The next piece of the body as it arrives, or `None` at its end.
    pub async fn next_chunk(&mut self) -> std::io::Result<Option<Bytes>> {
        loop {
            match self.body {
                Body::Done => return Ok(None),
                Body::Length(left) | Body::ChunkData(left) => {
                    if self.buf.is_empty() {
                        self.fill().await?;
                    }
                    let n = (self.buf.len() as u64).min(left);
                    let piece = self.buf.split_to(n as usize).freeze();
                    let left = left - n;
                    self.body = match self.body {
                        Body::Length(_) if left == 0 => Body::Done,
                        Body::Length(_) => Body::Length(left),
                        _ if left == 0 => Body::ChunkEnd,
                        _ => Body::ChunkData(left),
                    };
                    return Ok(Some(piece));
                }
                Body::ChunkSize => {
                    let line = self.line().await?;
                    let hex = line.split(';').next().unwrap_or("").trim();
                    let size = u64::from_str_radix(hex, 16)
                        .map_err(|_| Error::new(ErrorKind::InvalidData, "bad chunk size"))?;
                    self.body = if size == 0 {
                        Body::Trailers
                    } else {
                        Body::ChunkData(size)
                    };
                }
                Body::ChunkEnd => {
                    if !self.line().await?.is_empty() {
                        return Err(Error::new(
                            ErrorKind::InvalidData,
                            "missing CRLF after chunk",
                        ));
                    }
                    self.body = Body::ChunkSize;
                }
                Body::Trailers => {
                    if self.line().await?.is_empty() {
                        self.body = Body::Done;
                    }
                }
                Body::UntilClose => {
                    if self.buf.is_empty() {
                        self.buf.reserve(8 * 1024);
                        if self.stream.read_buf(&mut self.buf).await? == 0 {
                            self.body = Body::Done;
                            return Ok(None);
                        }
                    }
                    return Ok(Some(self.buf.split().freeze()));
                }
            }
        }
    }

    /// Reads one CRLF-terminated line (without the CRLF).
    async fn line(&mut self) -> std::io::Result<String> {
        loop {
            if let Some(i) = find(&self.buf, b"\r\n") {
                let line = String::from_utf8_lossy(&self.buf[..i]).into_owned();
                self.buf.advance(i + 2);
                return Ok(line);
            }
            if self.buf.len() > MAX_HEAD {
                return Err(Error::new(ErrorKind::InvalidData, "line too long"));
            }
            self.fill().await?;
        }
    }

    /// Reads the rest of the body.
    pub async fn read_body(&mut self) -> std::io::Result<Bytes> {
        let mut out = BytesMut::new();
        while let Some(piece) = self.next_chunk().await? {
            out.extend_from_slice(&piece);
        }
        Ok(out.freeze())
    }

    /// Sends a request and reads the whole response.
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<Response> {
        self.send(method, path, headers, body).await?;
        let head = self.read_head().await?;
        let body = self.read_body().await?;
        Ok(Response { head, body })
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn parse_head(raw: &[u8]) -> std::io::Result<ResponseHead> {
    let bad = |what: &str| Error::new(ErrorKind::InvalidData, format!("bad response {what}"));
    let text = std::str::from_utf8(raw).map_err(|_| bad("head encoding"))?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next().ok_or_else(|| bad("status line"))?;
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    if !version.starts_with("HTTP/1.") {
        return Err(bad("version"));
    }
    let status = parts
        .next()
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| bad("status code"))?;
    let mut headers = Vec::new();
    for line in lines {
        let (k, v) = line.split_once(':').ok_or_else(|| bad("header line"))?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    Ok(ResponseHead { status, headers })
}

/// One Server-Sent Event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` name, if any.
    pub event: Option<String>,
    /// The `data:` lines joined with `\n`.
    pub data: String,
}

/// Incremental SSE parser: feed it body pieces as they arrive, get whole events out.
/// Comment lines (`:`…) are skipped; `\n` and `\r\n` line ends are accepted.
#[derive(Debug, Default)]
pub struct SseParser {
    pending: Vec<u8>,
    event: Option<String>,
    data: Option<String>,
}

impl SseParser {
    /// A parser with no buffered input.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes, appending each completed event to `out`.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<SseEvent>) {
        self.pending.extend_from_slice(bytes);
        let mut start = 0;
        while let Some(nl) = self.pending[start..].iter().position(|&b| b == b'\n') {
            let mut line = &self.pending[start..start + nl];
            start += nl + 1;
            if line.last() == Some(&b'\r') {
                line = &line[..line.len() - 1];
            }
            let line = String::from_utf8_lossy(line).into_owned();
            self.line(&line, out);
        }
        self.pending.drain(..start);
    }

    fn line(&mut self, line: &str, out: &mut Vec<SseEvent>) {
        if line.is_empty() {
            if let Some(data) = self.data.take() {
                out.push(SseEvent {
                    event: self.event.take(),
                    data,
                });
            }
            self.event = None;
            return;
        }
        if line.starts_with(':') {
            return;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "data" => match &mut self.data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(value);
                }
                None => self.data = Some(value.to_string()),
            },
            "event" => self.event = Some(value.to_string()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse_parser_handles_split_frames_comments_and_crlf() {
        let mut p = SseParser::new();
        let mut out = Vec::new();
        p.feed(b": keep-alive\n\nevent: ping\r\nda", &mut out);
        assert!(out.is_empty());
        p.feed(b"ta: {\"a\":1}\r\n\r\ndata: x\ndata: y\n\n", &mut out);
        assert_eq!(
            out,
            vec![
                SseEvent {
                    event: Some("ping".into()),
                    data: "{\"a\":1}".into()
                },
                SseEvent {
                    event: None,
                    data: "x\ny".into()
                },
            ]
        );
    }

    #[test]
    fn head_parser_reads_status_and_lowercases_names() {
        let head =
            parse_head(b"HTTP/1.1 429 Too Many Requests\r\nContent-Type: a/b\r\nX-Y:  z ").unwrap();
        assert_eq!(head.status, 429);
        assert_eq!(head.header("content-type"), Some("a/b"));
        assert_eq!(head.header("x-y"), Some("z"));
    }
}
