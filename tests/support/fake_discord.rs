//! A local fake of the Discord Gateway (actix-ws on 127.0.0.1:0, path `/gateway`) speaking
//! opcodes 10 HELLO, 1/11 heartbeat, 2 IDENTIFY → READY, 6 RESUME → RESUMED, 0 dispatch,
//! 7 RECONNECT, 9 INVALID_SESSION. It records what the client sent.

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, Notify};

pub const BOT_ID: &str = "4242";
pub const SESSION_ID: &str = "sess-1";
pub const HEARTBEAT_MS: u64 = 50;

#[derive(Default)]
pub struct Log {
    pub connections: usize,
    pub identifies: Vec<Value>,
    pub resumes: Vec<Value>,
    pub heartbeats: Vec<Value>,
}

#[derive(Clone, Default)]
struct Shared {
    log: Arc<Mutex<Log>>,
    seq: Arc<Mutex<u64>>,
    current: Arc<Mutex<Option<mpsc::UnboundedSender<Option<String>>>>>,
    /// Fault knob: the current connection stops answering (set by `stall_current`).
    current_stalled: Arc<Mutex<Arc<std::sync::atomic::AtomicBool>>>,
    changed: Arc<Notify>,
    port: Arc<Mutex<u16>>,
}

impl Shared {
    fn next_seq(&self) -> u64 {
        let mut s = self.seq.lock().unwrap();
        *s += 1;
        *s
    }

    fn touch(&self) {
        self.changed.notify_waiters();
    }
}

pub struct FakeDiscord {
    pub port: u16,
    shared: Shared,
}

fn on_client_frame(shared: &Shared, text: &str, tx: &mpsc::UnboundedSender<Option<String>>) {
    let v: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let port = *shared.port.lock().unwrap();
    match v["op"].as_u64() {
        Some(1) => {
            shared.log.lock().unwrap().heartbeats.push(v["d"].clone());
            let _ = tx.send(Some(json!({"op": 11}).to_string()));
        }
        Some(2) => {
            shared.log.lock().unwrap().identifies.push(v["d"].clone());
            let s = shared.next_seq();
            let ready = json!({"op": 0, "t": "READY", "s": s, "d": {"v": 10, "session_id": SESSION_ID,
                "resume_gateway_url": format!("ws://127.0.0.1:{port}/gateway"),
                "user": {"id": BOT_ID, "username": "clawd", "bot": true}}});
            let _ = tx.send(Some(ready.to_string()));
        }
        Some(6) => {
            shared.log.lock().unwrap().resumes.push(v["d"].clone());
            let s = shared.next_seq();
            let _ = tx.send(Some(
                json!({"op": 0, "t": "RESUMED", "s": s, "d": null}).to_string(),
            ));
        }
        _ => {}
    }
    shared.touch();
}

async fn gateway(
    req: HttpRequest,
    body: web::Payload,
    shared: web::Data<Shared>,
) -> Result<HttpResponse, actix_web::Error> {
    let (resp, mut session, mut stream) = actix_ws::handle(&req, body)?;
    let (tx, mut rx) = mpsc::unbounded_channel::<Option<String>>();
    *shared.current.lock().unwrap() = Some(tx.clone());
    let stalled = Arc::new(std::sync::atomic::AtomicBool::new(false));
    *shared.current_stalled.lock().unwrap() = stalled.clone();
    shared.log.lock().unwrap().connections += 1;
    shared.touch();
    let shared = shared.get_ref().clone();
    actix_web::rt::spawn(async move {
        let hello = json!({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_MS}});
        if session.text(hello.to_string()).await.is_err() {
            return;
        }
        loop {
            tokio::select! {
                msg = stream.recv() => match msg {
                    Some(Ok(actix_ws::Message::Text(_)))
                        if stalled.load(std::sync::atomic::Ordering::SeqCst) => {}
                    Some(Ok(actix_ws::Message::Text(t))) => on_client_frame(&shared, &t, &tx),
                    Some(Ok(actix_ws::Message::Close(_))) | Some(Err(_)) | None => break,
                    Some(Ok(_)) => {}
                },
                out = rx.recv() => match out {
                    Some(Some(text)) => if session.text(text).await.is_err() { break },
                    Some(None) | None => {
                        let _ = session.close(Some(actix_ws::CloseReason {
                            code: actix_ws::CloseCode::Other(4000), description: None })).await;
                        return;
                    }
                },
            }
        }
    });
    Ok(resp)
}

impl FakeDiscord {
    pub async fn start() -> FakeDiscord {
        let shared = Shared::default();
        let data = web::Data::new(shared.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/gateway", web::get().to(gateway))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .unwrap();
        let port = server.addrs()[0].port();
        *shared.port.lock().unwrap() = port;
        actix_web::rt::spawn(server.run());
        FakeDiscord { port, shared }
    }

    pub fn gateway_url(&self) -> String {
        format!("ws://127.0.0.1:{}/gateway?v=10&encoding=json", self.port)
    }

    fn send(&self, v: Value) {
        if let Some(tx) = self.shared.current.lock().unwrap().as_ref() {
            let _ = tx.send(Some(v.to_string()));
        }
    }

    /// Dispatches MESSAGE_CREATE on the current connection.
    pub fn message(
        &self,
        id: &str,
        channel: &str,
        guild: Option<&str>,
        author: &str,
        content: &str,
    ) {
        let s = self.shared.next_seq();
        let mut d = json!({"id": id, "channel_id": channel, "content": content,
            "author": {"id": author, "username": format!("user{author}")}, "mentions": []});
        if let Some(g) = guild {
            d["guild_id"] = json!(g);
        }
        self.send(json!({"op": 0, "t": "MESSAGE_CREATE", "s": s, "d": d}));
    }

    /// Fault knob: the current connection stops responding (no heartbeat ACK, nothing at
    /// all) but stays open; later connections behave.
    pub fn stall_current(&self) {
        self.shared
            .current_stalled
            .lock()
            .unwrap()
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Sends op 7 RECONNECT, then closes the socket.
    pub fn force_reconnect(&self) {
        self.send(json!({"op": 7, "d": null}));
        if let Some(tx) = self.shared.current.lock().unwrap().take() {
            let _ = tx.send(None);
        }
    }

    /// Waits until `pred` holds for the log (10 s deadline); returns whether it did.
    pub async fn wait(&self, pred: impl Fn(&Log) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let notified = self.shared.changed.notified();
            if pred(&self.shared.log.lock().unwrap()) {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            let _ = tokio::time::timeout_at(deadline, notified).await;
        }
    }

    pub fn with_log<T>(&self, f: impl FnOnce(&Log) -> T) -> T {
        f(&self.shared.log.lock().unwrap())
    }
}

/// Discord's REST rate limit: 429 with `retry_after` (seconds, fractional) and `Retry-After`.
pub fn rate_limited(secs: f64) -> crate::fake_http::Fault {
    crate::fake_http::Fault::Answer(
        429,
        json!({"message": "You are being rate limited.", "retry_after": secs, "global": false}),
        vec![("retry-after", format!("{}", secs.ceil() as u64))],
    )
}

/// A REST 5xx.
pub fn server_error() -> crate::fake_http::Fault {
    crate::fake_http::Fault::status(
        500,
        json!({"message": "500: Internal Server Error", "code": 0}),
    )
}

/// A permanent refusal (`400 Cannot send an empty message`).
pub fn bad_request() -> crate::fake_http::Fault {
    crate::fake_http::Fault::status(
        400,
        json!({"message": "Cannot send an empty message", "code": 50006}),
    )
}
