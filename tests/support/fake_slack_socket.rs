//! A local fake of Slack for Socket Mode on 127.0.0.1:0: the Web API (`auth.test`,
//! `chat.postMessage`, and `apps.connections.open`, which checks the app-level token and answers
//! a fresh `ws://…/link/?ticket=<n>` URL) and the WebSocket behind that URL (actix-ws) speaking
//! Socket Mode: `hello` on connect, `events_api` envelopes on demand, `disconnect` on demand.
//! It records every connection, every acknowledgement the client sent back, every ping, and
//! every posted message, and knows which envelopes are still unacknowledged. On demand the
//! current socket goes silent (keeps the TCP connection, reads and answers nothing).

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, Notify};

pub const APP_TOKEN: &str = "xapp-1-A111-test-app-token";
pub const BOT_TOKEN: &str = "xoxb-socket-bot-token";

#[derive(Default)]
pub struct Log {
    /// `apps.connections.open` calls (with the right token).
    pub opens: usize,
    /// WebSocket connections, by ticket.
    pub connections: Vec<u64>,
    /// Envelope ids sent, in order.
    pub sent: Vec<String>,
    /// Envelope ids the client acknowledged.
    pub acks: Vec<String>,
    /// `chat.postMessage` bodies.
    pub posted: Vec<Value>,
    /// Requests refused for a wrong token.
    pub refused: usize,
    /// WebSocket pings received (all connections).
    pub pings: usize,
}

/// What the test asks of the current socket.
enum Ctl {
    Text(String),
    Close,
    Silence,
}

#[derive(Clone, Default)]
struct Shared {
    log: Arc<Mutex<Log>>,
    current: Arc<Mutex<Option<mpsc::UnboundedSender<Ctl>>>>,
    changed: Arc<Notify>,
    port: Arc<Mutex<u16>>,
    next: Arc<Mutex<u64>>,
}

impl Shared {
    fn touch(&self) {
        self.changed.notify_waiters();
    }
}

pub struct FakeSlackSocket {
    pub port: u16,
    shared: Shared,
}

fn bearer(req: &HttpRequest) -> String {
    req.headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim_start_matches("Bearer ")
        .to_string()
}

async fn api(
    req: HttpRequest,
    method: web::Path<String>,
    body: web::Bytes,
    shared: web::Data<Shared>,
) -> HttpResponse {
    let method = method.into_inner();
    let token = bearer(&req);
    let want = if method == "apps.connections.open" {
        APP_TOKEN
    } else {
        BOT_TOKEN
    };
    if token != want {
        shared.log.lock().unwrap().refused += 1;
        shared.touch();
        return HttpResponse::Ok().json(json!({"ok": false, "error": "invalid_auth"}));
    }
    let answer = match method.as_str() {
        "auth.test" => json!({"ok": true, "user_id": "UBOT", "user": "clawbot", "team": "T1"}),
        "apps.connections.open" => {
            let ticket = {
                let mut n = shared.next.lock().unwrap();
                *n += 1;
                *n
            };
            shared.log.lock().unwrap().opens += 1;
            let port = *shared.port.lock().unwrap();
            json!({"ok": true, "url": format!("ws://127.0.0.1:{port}/link/?ticket={ticket}")})
        }
        "chat.postMessage" => {
            let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            shared.log.lock().unwrap().posted.push(v.clone());
            json!({"ok": true, "channel": v["channel"], "ts": "1700000000.000200"})
        }
        _ => json!({"ok": false, "error": "unknown_method"}),
    };
    shared.touch();
    HttpResponse::Ok().json(answer)
}

#[derive(serde::Deserialize)]
struct Ticket {
    ticket: u64,
}

async fn link(
    req: HttpRequest,
    body: web::Payload,
    q: web::Query<Ticket>,
    shared: web::Data<Shared>,
) -> Result<HttpResponse, actix_web::Error> {
    let (resp, mut session, mut stream) = actix_ws::handle(&req, body)?;
    let (tx, mut rx) = mpsc::unbounded_channel::<Ctl>();
    *shared.current.lock().unwrap() = Some(tx);
    shared.log.lock().unwrap().connections.push(q.ticket);
    shared.touch();
    let shared = shared.get_ref().clone();
    actix_web::rt::spawn(async move {
        let hello = json!({"type": "hello", "num_connections": 1,
            "connection_info": {"app_id": "A111"}, "debug_info": {"host": "fake"}});
        if session.text(hello.to_string()).await.is_err() {
            return;
        }
        loop {
            tokio::select! {
                msg = stream.recv() => match msg {
                    Some(Ok(actix_ws::Message::Text(t))) => {
                        let v: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
                        if let Some(id) = v["envelope_id"].as_str() {
                            shared.log.lock().unwrap().acks.push(id.to_string());
                            shared.touch();
                        }
                    }
                    Some(Ok(actix_ws::Message::Ping(p))) => {
                        shared.log.lock().unwrap().pings += 1;
                        shared.touch();
                        let _ = session.pong(&p).await;
                    }
                    Some(Ok(actix_ws::Message::Close(_))) | Some(Err(_)) | None => break,
                    Some(Ok(_)) => {}
                },
                out = rx.recv() => match out {
                    Some(Ctl::Text(text)) => if session.text(text).await.is_err() { break },
                    Some(Ctl::Close) | None => {
                        let _ = session.close(None).await;
                        return;
                    }
                    Some(Ctl::Silence) => {
                        // Hold the socket open, read and answer nothing, until replaced.
                        while rx.recv().await.is_some() {}
                        drop((session, stream));
                        return;
                    }
                },
            }
        }
    });
    Ok(resp)
}

impl FakeSlackSocket {
    pub async fn start() -> FakeSlackSocket {
        let shared = Shared::default();
        let data = web::Data::new(shared.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/api/{method}", web::post().to(api))
                .route("/link/", web::get().to(link))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .unwrap();
        let port = server.addrs()[0].port();
        *shared.port.lock().unwrap() = port;
        actix_web::rt::spawn(server.run());
        FakeSlackSocket { port, shared }
    }

    /// The Web API root (`apiRoot`).
    pub fn api_root(&self) -> String {
        format!("http://127.0.0.1:{}/api", self.port)
    }

    fn send(&self, v: Value) {
        if let Some(tx) = self.shared.current.lock().unwrap().as_ref() {
            let _ = tx.send(Ctl::Text(v.to_string()));
        }
    }

    /// Sends an `events_api` envelope carrying `event` on the current socket; returns its id.
    pub fn send_event(&self, event: Value) -> String {
        let id = format!("env-{}", uuid::Uuid::new_v4().simple());
        self.shared.log.lock().unwrap().sent.push(id.clone());
        self.send(
            json!({"type": "events_api", "envelope_id": id, "accepts_response_payload": false,
            "retry_attempt": 0, "retry_reason": "",
            "payload": {"type": "event_callback", "team_id": "T1", "api_app_id": "A111",
                "event_id": format!("Ev{id}"), "event_time": 1700000000, "event": event}}),
        );
        id
    }

    /// Sends `disconnect` (`refresh_requested`), then closes the socket, as Slack does.
    pub fn disconnect(&self) {
        self.send(json!({"type": "disconnect", "reason": "refresh_requested",
            "debug_info": {"host": "fake"}}));
        if let Some(tx) = self.shared.current.lock().unwrap().take() {
            let _ = tx.send(Ctl::Close);
        }
    }

    /// The current socket goes silent: no pongs, no frames, nothing read (the TCP connection
    /// stays open), as a socket whose server side hung.
    pub fn silence_current(&self) {
        if let Some(tx) = self.shared.current.lock().unwrap().as_ref() {
            let _ = tx.send(Ctl::Silence);
        }
    }

    /// Envelope ids sent but never acknowledged.
    pub fn unacked(&self) -> Vec<String> {
        let log = self.shared.log.lock().unwrap();
        log.sent
            .iter()
            .filter(|id| !log.acks.contains(id))
            .cloned()
            .collect()
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
