//! One connection's outbound queue and the task that writes it to the socket.
//!
//! Everything sent to a client (responses from its own calls, broadcast events from the hub)
//! goes through its [`Outbox`], so frames leave in the order they were queued. The queue is
//! bounded by *bytes*: when more than the limit is waiting (the client stopped reading), the
//! outbox refuses further frames and closes the socket with 1008 `slow consumer`. Pushing never
//! blocks, so a slow client can never stall a run, the hub or other clients.

use super::frames::{CloseDirective, REASON_SLOW_CONSUMER};
use bytes::Bytes;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;

/// A frame for the writer.
#[derive(Debug)]
pub enum OutFrame {
    /// A text frame.
    Text(Arc<str>),
    /// A pong answering a ping.
    Pong(Bytes),
    /// A liveness ping (sent on every tick; the client's pong proves it is alive).
    Ping,
    /// Close the socket (the writer stops after it).
    Close(CloseDirective),
}

/// Why a frame was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushError {
    /// The connection is closed or closing.
    Closed,
    /// The client is too slow; the connection is being closed.
    Slow,
}

#[derive(Debug)]
struct Shared {
    buffered: AtomicUsize,
    closed: AtomicBool,
    limit: usize,
}

/// Cloneable handle to one connection's outbound queue.
#[derive(Debug, Clone)]
pub struct Outbox {
    tx: mpsc::UnboundedSender<OutFrame>,
    shared: Arc<Shared>,
}

impl Outbox {
    /// A new queue allowing `limit` bytes in flight; returns the receiving end for [`write_loop`].
    pub fn new(limit: usize) -> (Outbox, mpsc::UnboundedReceiver<OutFrame>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            buffered: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
            limit,
        });
        (Outbox { tx, shared }, rx)
    }

    /// Queues a text frame; over the byte limit the connection is closed as a slow consumer.
    pub fn push(&self, text: Arc<str>) -> Result<(), PushError> {
        if self.shared.closed.load(Ordering::Relaxed) {
            return Err(PushError::Closed);
        }
        let len = text.len();
        let before = self.shared.buffered.fetch_add(len, Ordering::Relaxed);
        if before + len > self.shared.limit {
            self.shared.buffered.fetch_sub(len, Ordering::Relaxed);
            self.close(CloseDirective::policy(REASON_SLOW_CONSUMER));
            return Err(PushError::Slow);
        }
        self.tx.send(OutFrame::Text(text)).map_err(|_| {
            self.shared.closed.store(true, Ordering::Relaxed);
            PushError::Closed
        })
    }

    /// Queues a text frame built from a `String`.
    pub fn push_str(&self, text: String) -> Result<(), PushError> {
        self.push(Arc::from(text))
    }

    /// Queues a pong.
    pub fn pong(&self, data: Bytes) {
        if !self.is_closed() {
            let _ = self.tx.send(OutFrame::Pong(data));
        }
    }

    /// Queues a liveness ping.
    pub fn ping(&self) {
        if !self.is_closed() {
            let _ = self.tx.send(OutFrame::Ping);
        }
    }

    /// Closes the connection after what is already queued (only the first close counts).
    pub fn close(&self, directive: CloseDirective) {
        if !self.shared.closed.swap(true, Ordering::Relaxed) {
            let _ = self.tx.send(OutFrame::Close(directive));
        }
    }

    /// Resolves once the connection's writer is gone (the socket closed).
    pub async fn closed(&self) {
        self.tx.closed().await
    }

    /// Whether the connection is closed or closing.
    pub fn is_closed(&self) -> bool {
        self.shared.closed.load(Ordering::Relaxed) || self.tx.is_closed()
    }

    /// Whether `other` is a handle to the same connection's queue.
    pub fn same_as(&self, other: &Outbox) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Bytes queued and not yet handed to the socket.
    pub fn buffered(&self) -> usize {
        self.shared.buffered.load(Ordering::Relaxed)
    }
}

/// Writes queued frames to the socket until a close frame, a closed socket or the last
/// [`Outbox`] handle is gone.
pub async fn write_loop(
    mut session: actix_ws::Session,
    mut rx: mpsc::UnboundedReceiver<OutFrame>,
    outbox: Outbox,
) {
    let shared = outbox.shared.clone();
    drop(outbox);
    while let Some(frame) = rx.recv().await {
        match frame {
            OutFrame::Text(text) => {
                let len = text.len();
                let sent = session.text(&*text).await;
                shared.buffered.fetch_sub(len, Ordering::Relaxed);
                if sent.is_err() {
                    break;
                }
            }
            OutFrame::Pong(data) => {
                if session.pong(&data).await.is_err() {
                    break;
                }
            }
            OutFrame::Ping => {
                if session.ping(b"tick").await.is_err() {
                    break;
                }
            }
            OutFrame::Close(d) => {
                let reason = actix_ws::CloseReason {
                    code: actix_ws::CloseCode::from(d.code),
                    description: Some(d.reason),
                };
                let _ = session.close(Some(reason)).await;
                break;
            }
        }
    }
    shared.closed.store(true, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_over_the_byte_limit_close_the_connection_as_slow() {
        let (o, mut rx) = Outbox::new(10);
        assert_eq!(o.push(Arc::from("12345")), Ok(()));
        assert_eq!(o.push(Arc::from("123456")), Err(PushError::Slow));
        assert!(o.is_closed());
        assert_eq!(o.push(Arc::from("1")), Err(PushError::Closed));
        assert!(matches!(rx.try_recv(), Ok(OutFrame::Text(t)) if &*t == "12345"));
        match rx.try_recv() {
            Ok(OutFrame::Close(d)) => {
                assert_eq!(d.code, 1008);
                assert_eq!(d.reason, "slow consumer");
            }
            other => panic!("expected close, got {other:?}"),
        }
    }
}
