//! A minimal Chrome DevTools Protocol client over awc's WebSocket (see `docs/browser.md` for
//! why not a generated-bindings crate): one connection to the browser endpoint, commands
//! multiplexed by id, flattened target sessions by `sessionId`, events handed to one
//! consumer in order.
//!
//! The connection lives on the arbiter that opened it (awc is single-threaded): a writer task
//! drains the command queue, a reader task resolves pending commands and forwards events.
//! When the socket ends every pending command fails with [`CdpError::Closed`].

use actix_http::ws::{Frame, Item, Message};
use bytes::{Bytes, BytesMut};
use futures_util::{SinkExt as _, StreamExt as _};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Largest CDP message accepted (full-page screenshots are big).
const MAX_FRAME: usize = 256 * 1024 * 1024;
/// Deadline of one command unless the caller gives another.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A CDP failure.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CdpError {
    /// The socket is gone (the browser exited or closed it).
    #[error("the browser connection is closed")]
    Closed,
    /// The command did not answer in time.
    #[error("{0} timed out")]
    Timeout(String),
    /// The browser answered with an error.
    #[error("{method}: {message}")]
    Protocol {
        /// The command.
        method: String,
        /// The browser's message.
        message: String,
    },
    /// Could not connect.
    #[error("cannot connect to the browser: {0}")]
    Connect(String),
}

/// A command on the wire.
#[derive(Serialize)]
struct Command<'a> {
    id: u64,
    method: &'a str,
    params: &'a Value,
    #[serde(rename = "sessionId", skip_serializing_if = "Option::is_none")]
    session_id: Option<&'a str>,
}

/// Anything the browser sends: a response (`id`) or an event (`method`).
#[derive(Deserialize)]
struct Incoming {
    id: Option<u64>,
    method: Option<String>,
    #[serde(default)]
    params: Value,
    result: Option<Value>,
    error: Option<ProtocolError>,
    #[serde(rename = "sessionId")]
    session_id: Option<String>,
}

#[derive(Deserialize)]
struct ProtocolError {
    message: String,
}

/// An event from the browser.
#[derive(Debug, Clone)]
pub struct Event {
    /// `Domain.event`.
    pub method: String,
    /// Its parameters.
    pub params: Value,
    /// The target session it came from (`None`: the browser session).
    pub session_id: Option<String>,
}

type Pending = RefCell<HashMap<u64, (String, oneshot::Sender<Result<Value, CdpError>>)>>;

struct Inner {
    next_id: Cell<u64>,
    pending: Pending,
    out: mpsc::UnboundedSender<Message>,
    closed: Cell<bool>,
}

/// A connection (cheap to clone; usable only on the arbiter that opened it).
#[derive(Clone)]
pub struct Cdp {
    inner: Rc<Inner>,
}

impl Cdp {
    /// Connects to a browser WebSocket endpoint; events go to the returned receiver (which
    /// ends when the connection does).
    pub async fn connect(ws_url: &str) -> Result<(Cdp, mpsc::UnboundedReceiver<Event>), CdpError> {
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(10))
            .finish();
        let (_, framed) = client
            .ws(ws_url)
            .max_frame_size(MAX_FRAME)
            .connect()
            .await
            .map_err(|e| CdpError::Connect(e.to_string()))?;
        let (mut sink, mut stream) = framed.split();
        let (out, mut out_rx) = mpsc::unbounded_channel::<Message>();
        let (ev_tx, ev_rx) = mpsc::unbounded_channel();
        let inner = Rc::new(Inner {
            next_id: Cell::new(1),
            pending: RefCell::default(),
            out,
            closed: Cell::new(false),
        });
        actix_rt::spawn(async move {
            while let Some(m) = out_rx.recv().await {
                if sink.send(m).await.is_err() {
                    break;
                }
            }
            let _ = sink.close().await;
        });
        let reader = inner.clone();
        actix_rt::spawn(async move {
            let mut partial = BytesMut::new();
            while let Some(frame) = stream.next().await {
                let text: Bytes = match frame {
                    Ok(Frame::Text(b)) | Ok(Frame::Binary(b)) => b,
                    Ok(Frame::Continuation(Item::FirstText(b)))
                    | Ok(Frame::Continuation(Item::FirstBinary(b)))
                    | Ok(Frame::Continuation(Item::Continue(b))) => {
                        partial.extend_from_slice(&b);
                        continue;
                    }
                    Ok(Frame::Continuation(Item::Last(b))) => {
                        partial.extend_from_slice(&b);
                        partial.split().freeze()
                    }
                    Ok(Frame::Ping(p)) => {
                        let _ = reader.out.send(Message::Pong(p));
                        continue;
                    }
                    Ok(Frame::Pong(_)) => continue,
                    Ok(Frame::Close(_)) | Err(_) => break,
                };
                let Ok(msg) = serde_json::from_slice::<Incoming>(&text) else {
                    continue;
                };
                if let Some(id) = msg.id {
                    let waiter = reader.pending.borrow_mut().remove(&id);
                    if let Some((method, tx)) = waiter {
                        let r = match msg.error {
                            Some(e) => Err(CdpError::Protocol {
                                method,
                                message: e.message,
                            }),
                            None => Ok(msg.result.unwrap_or(Value::Null)),
                        };
                        let _ = tx.send(r);
                    }
                } else if let Some(method) = msg.method {
                    let _ = ev_tx.send(Event {
                        method,
                        params: msg.params,
                        session_id: msg.session_id,
                    });
                }
            }
            reader.closed.set(true);
            for (_, (_, tx)) in reader.pending.borrow_mut().drain() {
                let _ = tx.send(Err(CdpError::Closed));
            }
        });
        Ok((Cdp { inner }, ev_rx))
    }

    /// Whether the socket has ended.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.get()
    }

    /// Sends `method` to `session` (`None`: the browser) and waits for its result.
    pub async fn call(
        &self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<Value, CdpError> {
        self.call_within(session, method, params, DEFAULT_TIMEOUT)
            .await
    }

    /// [`Cdp::call`] with its own deadline.
    pub async fn call_within(
        &self,
        session: Option<&str>,
        method: &str,
        params: Value,
        timeout: Duration,
    ) -> Result<Value, CdpError> {
        if self.is_closed() {
            return Err(CdpError::Closed);
        }
        let id = self.inner.next_id.get();
        self.inner.next_id.set(id + 1);
        let text = serde_json::to_string(&Command {
            id,
            method,
            params: &params,
            session_id: session,
        })
        .unwrap_or_default();
        let (tx, rx) = oneshot::channel();
        self.inner
            .pending
            .borrow_mut()
            .insert(id, (method.to_string(), tx));
        if self.inner.out.send(Message::Text(text.into())).is_err() {
            self.inner.pending.borrow_mut().remove(&id);
            return Err(CdpError::Closed);
        }
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(r)) => r,
            Ok(Err(_)) => Err(CdpError::Closed),
            Err(_) => {
                self.inner.pending.borrow_mut().remove(&id);
                Err(CdpError::Timeout(method.to_string()))
            }
        }
    }

    /// Sends `method` without waiting for its answer (event handlers that must not block).
    pub fn send(&self, session: Option<&str>, method: &str, params: Value) {
        let this = self.clone();
        let session = session.map(str::to_string);
        let method = method.to_string();
        actix_rt::spawn(async move {
            let _ = this.call(session.as_deref(), &method, params).await;
        });
    }

    /// Closes the socket.
    pub fn close(&self) {
        let _ = self.inner.out.send(Message::Close(None));
    }
}

/// `GET <http endpoint>/json/version` → its `webSocketDebuggerUrl` (attaching to a configured
/// `cdpUrl` given as `http://host:port`).
pub async fn resolve_ws_url(cdp_url: &str) -> Result<String, CdpError> {
    if cdp_url.starts_with("ws://") || cdp_url.starts_with("wss://") {
        return Ok(cdp_url.to_string());
    }
    let url = format!("{}/json/version", cdp_url.trim_end_matches('/'));
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(10))
        .finish();
    let mut resp = client
        .get(&url)
        .send()
        .await
        .map_err(|e| CdpError::Connect(e.to_string()))?;
    let v: Value = resp
        .json()
        .await
        .map_err(|e| CdpError::Connect(e.to_string()))?;
    v["webSocketDebuggerUrl"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| CdpError::Connect(format!("{url} has no webSocketDebuggerUrl")))
}
