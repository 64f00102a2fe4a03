//! Close-delimited upstream responses.
//!
//! HTTP/1.1 lets a server end a body by closing the connection when the response has neither
//! `Content-Length` nor `Transfer-Encoding` (RFC 9112 §6.3 rule 8). Python's `http.server`,
//! many hand-written SSE servers and some proxies answer that way. actix-http's client reads such
//! a body only for HTTP/1.0 and treats an HTTP/1.1 one as *empty*, so a whole SSE stream was lost
//! ("stream ended before completion").
//!
//! [`CloseDelimited`] wraps the upstream socket. After each request line it writes, it holds back
//! the bytes of the response head until the blank line, and when the head declares no length, no chunking and
//! a status that has a body, it rewrites the status line's `HTTP/1.1` as `HTTP/1.0` (same length).
//! actix then reads the body to EOF and does not reuse the connection, exactly what the server
//! meant. Everything else passes through untouched. TLS sits above this layer, so the rewrite only
//! applies to plain-HTTP upstreams (the usual case for local servers); a TLS stream never starts
//! with `HTTP/` and is passed through from its first byte.

use actix_rt::net::ActixStream;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf, Ready};

/// Longest response head held back; beyond it the bytes pass through unchanged.
const MAX_HEAD: usize = 64 * 1024;

/// An upstream socket that makes close-delimited HTTP/1.1 bodies readable. See the module docs.
#[derive(Debug)]
pub struct CloseDelimited<T> {
    io: T,
    /// A request line was written and its response head has not been seen yet.
    expect_head: bool,
    /// `Some(false)` once the peer is known not to speak plain HTTP (TLS): never touch it.
    plain: Option<bool>,
    /// Head bytes held back.
    head: Vec<u8>,
    /// Bytes released to the reader, from `pos`.
    out: Vec<u8>,
    pos: usize,
}

impl<T> CloseDelimited<T> {
    /// Wraps `io`.
    pub fn new(io: T) -> Self {
        CloseDelimited {
            io,
            expect_head: false,
            plain: None,
            head: Vec::new(),
            out: Vec::new(),
            pos: 0,
        }
    }

    fn release_head(&mut self) {
        self.out = std::mem::take(&mut self.head);
        self.pos = 0;
        self.expect_head = false;
    }
}

/// Position just past the blank line ending a head, if complete.
fn head_end(buf: &[u8]) -> Option<usize> {
    let crlf = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4);
    let lf = buf.windows(2).position(|w| w == b"\n\n").map(|i| i + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Whether `buf` begins the request line of a request whose response may carry a body (`HEAD`
/// and `CONNECT` responses never do, so they are left alone).
fn starts_request(buf: &[u8]) -> bool {
    const METHODS: [&[u8]; 7] = [
        b"GET ",
        b"POST ",
        b"PUT ",
        b"DELETE ",
        b"OPTIONS ",
        b"PATCH ",
        b"TRACE ",
    ];
    METHODS.iter().any(|m| buf.starts_with(m))
}

/// Rewrites `HTTP/1.1` to `HTTP/1.0` in a complete head that has a body but no framing.
pub fn mark_close_delimited(head: &mut [u8]) -> bool {
    if !head.starts_with(b"HTTP/1.1 ") {
        return false;
    }
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let mut lines = text.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.get(9..12))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    if status < 200 || status == 204 || status == 304 {
        return false;
    }
    let framed = lines.any(|l| {
        let name = l.split(':').next().unwrap_or("").trim();
        name == "content-length" || name == "transfer-encoding"
    });
    if framed {
        return false;
    }
    head[7] = b'0';
    true
}

impl<T: AsyncRead + Unpin> AsyncRead for CloseDelimited<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if crate::core::held::release_into(&mut this.out, &mut this.pos, buf) {
                return Poll::Ready(Ok(()));
            }
            if !this.expect_head || this.plain == Some(false) {
                return Pin::new(&mut this.io).poll_read(cx, buf);
            }
            let mut tmp = [0u8; 8192];
            let mut rb = ReadBuf::new(&mut tmp);
            ready!(Pin::new(&mut this.io).poll_read(cx, &mut rb))?;
            let got = rb.filled();
            if got.is_empty() {
                // EOF inside the head: hand over what there is, then EOF.
                this.release_head();
                if this.out.is_empty() {
                    return Poll::Ready(Ok(()));
                }
                continue;
            }
            this.head.extend_from_slice(got);
            if this.plain.is_none() && this.head.len() >= 5 {
                this.plain = Some(this.head.starts_with(b"HTTP/"));
            }
            if this.plain == Some(false) || this.head.len() > MAX_HEAD {
                this.release_head();
            } else if let Some(end) = head_end(&this.head) {
                mark_close_delimited(&mut this.head[..end]);
                this.release_head();
            }
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for CloseDelimited<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let n = ready!(Pin::new(&mut this.io).poll_write(cx, buf))?;
        // A new request starts with its request line (a body chunk or TLS record does not);
        // its response head is the next thing to read.
        if n > 0 && starts_request(buf) {
            this.expect_head = true;
        }
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

impl<T: ActixStream> ActixStream for CloseDelimited<T> {
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<Ready>> {
        if self.pos < self.out.len() {
            return Poll::Ready(Ok(Ready::READABLE));
        }
        self.io.poll_read_ready(cx)
    }

    fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<Ready>> {
        self.io.poll_write_ready(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn only_unframed_bodies_are_marked() {
        let mut h = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n".to_vec();
        assert!(mark_close_delimited(&mut h));
        assert!(h.starts_with(b"HTTP/1.0 200"));
        for framed in [
            &b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"HTTP/1.1 204 No Content\r\n\r\n",
            b"HTTP/1.1 101 Switching Protocols\r\n\r\n",
            b"HTTP/1.0 200 OK\r\n\r\n",
        ] {
            let mut h = framed.to_vec();
            assert!(
                !mark_close_delimited(&mut h),
                "{}",
                String::from_utf8_lossy(framed)
            );
            assert_eq!(h, framed);
        }
    }

    #[actix_rt::test]
    async fn a_head_split_across_reads_is_rewritten_and_the_body_passes() {
        let (client, mut server) = tokio::io::duplex(64);
        let mut c = CloseDelimited::new(client);
        c.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        let mut req = [0u8; 18];
        server.read_exact(&mut req).await.unwrap();
        let writer = async move {
            for part in [
                &b"HTTP/1.1 200 OK\r\nContent-"[..],
                b"Type: x\r\n",
                b"\r\ndata: 1\n\n",
            ] {
                server.write_all(part).await.unwrap();
            }
            drop(server);
        };
        let mut got = Vec::new();
        let (_, r) = tokio::join!(writer, c.read_to_end(&mut got));
        r.unwrap();
        assert_eq!(
            String::from_utf8(got).unwrap(),
            "HTTP/1.0 200 OK\r\nContent-Type: x\r\n\r\ndata: 1\n\n"
        );
    }
}
