//! A rendered response body as a timed script of frames, and its conversion to an actix body.

use std::time::Duration;

use actix_web::body::{BodyStream, SizedStream};
use bytes::{Bytes, BytesMut};
use futures_util::stream::{self, Stream};

use super::tool_rounds::{then_on_end, OnEnd};

/// How a scripted body ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// The body completes normally.
    Finish,
    /// The connection is dropped after the last frame (nothing more is written, not even the
    /// terminating chunk of a chunked body).
    Drop,
    /// Fail at once, before the buffered response head is flushed: the peer sees the
    /// connection close without a single byte (only meaningful with no frames).
    Abort,
}

/// Frames to write, each after its pause, then an [`End`].
#[derive(Debug)]
pub(crate) struct Script {
    frames: Vec<(Duration, Bytes)>,
    pending: BytesMut,
    pending_delay: Duration,
    end: End,
}

impl Script {
    /// An empty script that finishes normally.
    pub(crate) fn new() -> Self {
        Script {
            frames: Vec::new(),
            pending: BytesMut::with_capacity(1024),
            pending_delay: Duration::ZERO,
            end: End::Finish,
        }
    }

    /// Appends a frame written `delay` after the previous one. Frames with no delay are merged
    /// into the previous write.
    pub(crate) fn push(&mut self, delay: Duration, frame: &[u8]) {
        if !delay.is_zero() && !self.pending.is_empty() {
            self.flush();
        }
        if self.pending.is_empty() {
            self.pending_delay = delay;
        }
        self.pending.extend_from_slice(frame);
    }

    /// Sets how the body ends.
    pub(crate) fn end(mut self, end: End) -> Self {
        self.end = end;
        self
    }

    fn flush(&mut self) {
        let bytes = self.pending.split().freeze();
        self.frames.push((self.pending_delay, bytes));
        self.pending_delay = Duration::ZERO;
    }

    /// Finalizes into the frame list and the ending.
    fn finish(mut self) -> (Vec<(Duration, Bytes)>, End) {
        if !self.pending.is_empty() {
            self.flush();
        }
        (self.frames, self.end)
    }

    /// Converts into a chunked (unsized) body stream.
    pub(crate) fn into_body(self) -> BodyStream<impl Stream<Item = Result<Bytes, std::io::Error>>> {
        let (frames, end) = self.finish();
        BodyStream::new(timed(frames, end))
    }

    /// Converts into a chunked body stream that runs `on_end` (if any) at the poll that finds
    /// the frames exhausted, right before actix writes the end of the body.
    pub(crate) fn into_body_then(
        self,
        on_end: Option<OnEnd>,
    ) -> BodyStream<impl Stream<Item = Result<Bytes, std::io::Error>>> {
        let (frames, end) = self.finish();
        BodyStream::new(then_on_end(timed(frames, end), on_end))
    }

    /// Converts into a body announcing `Content-Length: len` (used to send a truncated body).
    pub(crate) fn into_sized_body(
        self,
        len: u64,
    ) -> SizedStream<impl Stream<Item = Result<Bytes, std::io::Error>>> {
        let (frames, end) = self.finish();
        SizedStream::new(len, timed(frames, end))
    }
}

/// Yields the frames after their pauses. On [`End::Drop`] it waits a moment (so the frames
/// already queued are flushed to the socket) and then fails the stream, which makes actix drop
/// the connection without writing anything else.
fn timed(
    frames: Vec<(Duration, Bytes)>,
    end: End,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    let state = (frames.into_iter(), end, false);
    stream::unfold(state, |(mut frames, end, done)| async move {
        if done {
            return None;
        }
        match frames.next() {
            Some((delay, bytes)) => {
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                Some((Ok(bytes), (frames, end, false)))
            }
            None if end != End::Finish => {
                if end == End::Drop {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                let err = std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "mock upstream: scripted disconnect",
                );
                Some((Err(err), (frames, end, true)))
            }
            None => None,
        }
    })
}

/// JSON string literal (with quotes) for `s`.
pub(crate) fn q(s: &str) -> String {
    serde_json::to_string(s).expect("serializing a str cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_delay_frames_merge_and_delayed_ones_split() {
        let mut s = Script::new();
        s.push(Duration::ZERO, b"a");
        s.push(Duration::ZERO, b"b");
        s.push(Duration::from_millis(1), b"c");
        s.push(Duration::ZERO, b"d");
        let (frames, end) = s.finish();
        assert_eq!(end, End::Finish);
        let got: Vec<_> = frames
            .iter()
            .map(|(d, b)| (d.as_millis(), b.clone()))
            .collect();
        assert_eq!(got, vec![(0, Bytes::from("ab")), (1, Bytes::from("cd"))]);
    }
}
