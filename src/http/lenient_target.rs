//! Lenient request targets: raw UTF-8 and stray characters in a URL are percent-encoded before
//! actix parses the request line.
//!
//! actix-http parses the request target with `http` 0.2, which refuses every byte above 0x7F
//! and a few ASCII characters (`"`, `<`, `>`, `` ` ``) that clients and browsers send raw, e.g.
//! `GET /api/v1/memory/search?query=配置` (and `httparse` refuses controls and inner spaces).
//! The refusal happens inside the HTTP/1 dispatcher,
//! before any route or middleware runs, so the client got a bare `400` with an empty body on
//! every route, even `/health`. No handler can fix that; the connection is the right layer.
//!
//! [`LenientTarget`] wraps an accepted socket and rewrites only the request line of each
//! request: those bytes are percent-encoded (UTF-8 then decodes normally in query extractors).
//! It follows message framing so it never touches a body: after each head it passes
//! `Content-Length` bytes through; a chunked body, an `Upgrade` (WebSocket) or anything it cannot
//! frame switches it to plain pass-through for the rest of the connection.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Longest request head the rewriter holds; beyond it bytes pass through (actix refuses them).
const MAX_HEAD: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Collecting a request head.
    Head,
    /// Passing this many body bytes, then a head again.
    Body(u64),
    /// Everything passes untouched from here on.
    Pass,
}

/// An accepted socket whose request lines are made parseable. See the module docs.
#[derive(Debug)]
pub struct LenientTarget<T> {
    io: T,
    state: State,
    /// Head bytes held back.
    head: Vec<u8>,
    /// Bytes released to the reader, from `pos`.
    out: Vec<u8>,
    pos: usize,
}

impl<T> LenientTarget<T> {
    /// Wraps an accepted connection.
    pub fn new(io: T) -> Self {
        LenientTarget {
            io,
            state: State::Head,
            head: Vec::new(),
            out: Vec::new(),
            pos: 0,
        }
    }

    /// Releases the head held so far (rewritten when complete) and picks the next state.
    fn release(&mut self, complete: bool) {
        let mut head = std::mem::take(&mut self.head);
        self.state = if complete {
            let (rewritten, next) = rewrite_head(&head);
            head = rewritten;
            next
        } else {
            State::Pass
        };
        self.out = head;
        self.pos = 0;
    }
}

/// Whether a byte must be percent-encoded for `httparse` and `http` 0.2 to accept the target
/// (controls and spaces inside it included: the target is everything between the first and the
/// last space of the request line).
fn needs_encoding(b: u8) -> bool {
    b >= 0x7F || b <= 0x20 || matches!(b, b'"' | b'<' | b'>' | b'`')
}

/// Percent-encodes the bytes `http` 0.2 refuses in a request target.
pub fn encode_target(target: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(target.len());
    for &b in target {
        if needs_encoding(b) {
            out.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
        } else {
            out.push(b);
        }
    }
    out
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

/// Rewrites the request line of a complete head and says how the message continues.
fn rewrite_head(head: &[u8]) -> (Vec<u8>, State) {
    let line_end = head.iter().position(|b| *b == b'\n').unwrap_or(head.len());
    let line = &head[..line_end];
    let mut out = Vec::with_capacity(head.len() + 16);
    match (
        line.iter().position(|b| *b == b' '),
        line.iter().rposition(|b| *b == b' '),
    ) {
        (Some(a), Some(b)) if a < b => {
            out.extend_from_slice(&line[..=a]);
            out.extend_from_slice(&encode_target(&line[a + 1..b]));
            out.extend_from_slice(&line[b..]);
        }
        _ => out.extend_from_slice(line),
    }
    out.extend_from_slice(&head[line_end..]);
    let text = String::from_utf8_lossy(&head[line_end..]).to_ascii_lowercase();
    let mut length = 0u64;
    for l in text.lines() {
        let Some((name, value)) = l.split_once(':') else {
            continue;
        };
        let (name, value) = (name.trim(), value.trim());
        match name {
            "content-length" => match value.parse() {
                Ok(n) => length = n,
                Err(_) => return (out, State::Pass),
            },
            "transfer-encoding" | "upgrade" => return (out, State::Pass),
            _ => {}
        }
    }
    if line.starts_with(b"CONNECT ") {
        return (out, State::Pass);
    }
    let next = if length > 0 {
        State::Body(length)
    } else {
        State::Head
    };
    (out, next)
}

impl<T: AsyncRead + Unpin> AsyncRead for LenientTarget<T> {
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
            match this.state {
                State::Pass => return Pin::new(&mut this.io).poll_read(cx, buf),
                State::Body(left) => {
                    if buf.remaining() as u64 <= left {
                        let before = buf.filled().len();
                        ready!(Pin::new(&mut this.io).poll_read(cx, buf))?;
                        let n = (buf.filled().len() - before) as u64;
                        this.state = if n >= left {
                            State::Head
                        } else {
                            State::Body(left - n)
                        };
                        return Poll::Ready(Ok(()));
                    }
                    // Read no further than the body's end, so the next head is seen.
                    let mut tmp = [0u8; 8192];
                    let want = usize::try_from(left).unwrap_or(usize::MAX).min(tmp.len());
                    let mut rb = ReadBuf::new(&mut tmp[..want]);
                    ready!(Pin::new(&mut this.io).poll_read(cx, &mut rb))?;
                    let n = rb.filled().len();
                    buf.put_slice(rb.filled());
                    this.state = if n as u64 >= left {
                        State::Head
                    } else {
                        State::Body(left - n as u64)
                    };
                    return Poll::Ready(Ok(()));
                }
                State::Head => {
                    let mut tmp = [0u8; 8192];
                    let mut rb = ReadBuf::new(&mut tmp);
                    ready!(Pin::new(&mut this.io).poll_read(cx, &mut rb))?;
                    let got = rb.filled();
                    if got.is_empty() {
                        this.release(false);
                        if this.out.is_empty() {
                            return Poll::Ready(Ok(()));
                        }
                        continue;
                    }
                    this.head.extend_from_slice(got);
                    if let Some(end) = head_end(&this.head) {
                        let rest = this.head.split_off(end);
                        this.release(true);
                        // Bytes after the head: the body (or the next request) of this message.
                        this.head = rest;
                        if !this.head.is_empty() {
                            this.absorb_rest();
                        }
                    } else if this.head.len() > MAX_HEAD {
                        this.release(false);
                    }
                }
            }
        }
    }
}

impl<T> LenientTarget<T> {
    /// Moves bytes read past a head into the output according to the new state, leaving any
    /// following head in `self.head` for the next round.
    fn absorb_rest(&mut self) {
        loop {
            match self.state {
                State::Pass => {
                    self.out.append(&mut self.head);
                    return;
                }
                State::Body(left) => {
                    let take = usize::try_from(left)
                        .unwrap_or(usize::MAX)
                        .min(self.head.len());
                    let rest = self.head.split_off(take);
                    self.out.append(&mut self.head);
                    self.head = rest;
                    self.state = if take as u64 >= left {
                        State::Head
                    } else {
                        State::Body(left - take as u64)
                    };
                    if self.head.is_empty() {
                        return;
                    }
                }
                State::Head => {
                    let Some(end) = head_end(&self.head) else {
                        return;
                    };
                    let rest = self.head.split_off(end);
                    let held = std::mem::take(&mut self.head);
                    let (rewritten, next) = rewrite_head(&held);
                    self.out.extend_from_slice(&rewritten);
                    self.state = next;
                    self.head = rest;
                    if self.head.is_empty() {
                        return;
                    }
                }
            }
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for LenientTarget<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn only_the_request_target_is_encoded() {
        let head = "GET /s?query=配置&q=\"x\" HTTP/1.1\r\nX-Name: é\r\n\r\n".as_bytes();
        let (out, next) = rewrite_head(head);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "GET /s?query=%E9%85%8D%E7%BD%AE&q=%22x%22 HTTP/1.1\r\nX-Name: é\r\n\r\n"
        );
        assert_eq!(next, State::Head);
        let (_, next) = rewrite_head(b"POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\n");
        assert_eq!(next, State::Body(5));
        let (_, next) = rewrite_head(b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n");
        assert_eq!(next, State::Pass);
    }

    #[actix_rt::test]
    async fn bodies_pass_untouched_and_pipelined_heads_are_rewritten() {
        let (mut client, server) = tokio::io::duplex(1 << 16);
        let mut s = LenientTarget::new(server);
        let input =
            "POST /a?x=é HTTP/1.1\r\nContent-Length: 7\r\n\r\n{\"é\":1GET /b?y=ü HTTP/1.1\r\n\r\n";
        let writer = async move {
            for piece in input.as_bytes().chunks(7) {
                client.write_all(piece).await.unwrap();
            }
            drop(client);
        };
        let mut got = Vec::new();
        let (_, r) = tokio::join!(writer, s.read_to_end(&mut got));
        r.unwrap();
        assert_eq!(
            String::from_utf8(got).unwrap(),
            "POST /a?x=%C3%A9 HTTP/1.1\r\nContent-Length: 7\r\n\r\n{\"é\":1GET /b?y=%C3%BC HTTP/1.1\r\n\r\n"
        );
    }
}
