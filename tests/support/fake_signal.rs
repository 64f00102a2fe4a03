//! A local fake of the signal-cli REST API (`bbernhard/signal-cli-rest-api`, normal mode):
//! `GET /v1/about`, a long-polling `GET /v1/receive/{number}?timeout=<s>` that answers the
//! queued envelopes (or `[]` when the timeout passes or a newer receive started),
//! `GET /v1/attachments/{id}` (the bytes given to [`FakeSignal::add_attachment`]), and `POST /v2/send` (recorded, answered
//! `201 {timestamp}`). [`FakeSignal::fail_next`] makes the next sends fail (not recorded).

use crate::fake_http::Fault;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

pub const BOT_NUMBER: &str = "+15550001111";

#[derive(Default)]
struct Shared {
    inbox: Mutex<VecDeque<Value>>,
    inbox_changed: Notify,
    sent: Mutex<Vec<Value>>,
    sent_changed: Notify,
    faults: Mutex<VecDeque<Fault>>,
    faulted: Mutex<usize>,
    /// Fault knob: this many coming receive requests are never answered.
    hang_receives: Mutex<usize>,
    /// Receive requests started so far: only the newest may take envelopes (a receive left
    /// open by a killed client must not swallow what its successor should get).
    receives: std::sync::atomic::AtomicU64,
    /// Attachment bytes by id (`GET /v1/attachments/{id}`).
    attachments: Mutex<std::collections::HashMap<String, Vec<u8>>>,
}

pub struct FakeSignal {
    pub port: u16,
    shared: Arc<Shared>,
}

async fn about() -> HttpResponse {
    HttpResponse::Ok().json(
        json!({"versions": ["v1", "v2"], "build": 2, "mode": "normal",
                                   "version": "0.92", "capabilities": {}}),
    )
}

async fn receive(
    req: HttpRequest,
    number: web::Path<String>,
    shared: web::Data<Arc<Shared>>,
) -> HttpResponse {
    if number.as_str() != BOT_NUMBER {
        return HttpResponse::BadRequest().json(json!({"error": "User is not registered"}));
    }
    let secs: u64 = req
        .query_string()
        .split('&')
        .find_map(|p| p.strip_prefix("timeout="))
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let hang = {
        let mut h = shared.hang_receives.lock().unwrap();
        let hang = *h > 0;
        *h = h.saturating_sub(1);
        hang
    };
    if hang {
        // A receive that stops responding: the request stays open, unanswered.
        std::future::pending::<()>().await;
    }
    let me = shared.receives.fetch_add(1, Ordering::SeqCst) + 1;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs.min(10));
    loop {
        let notified = shared.inbox_changed.notified();
        if shared.receives.load(Ordering::SeqCst) != me {
            return HttpResponse::Ok().json(json!([]));
        }
        let items: Vec<Value> = shared.inbox.lock().unwrap().drain(..).collect();
        if !items.is_empty() || tokio::time::Instant::now() >= deadline {
            return HttpResponse::Ok().json(items);
        }
        let _ = tokio::time::timeout_at(deadline, notified).await;
    }
}

async fn attachment(id: web::Path<String>, shared: web::Data<Arc<Shared>>) -> HttpResponse {
    match shared.attachments.lock().unwrap().get(id.as_str()) {
        Some(bytes) => HttpResponse::Ok()
            .content_type("application/octet-stream")
            .body(bytes.clone()),
        None => HttpResponse::NotFound().json(json!({"error": "attachment not found"})),
    }
}

async fn send(body: web::Json<Value>, shared: web::Data<Arc<Shared>>) -> HttpResponse {
    let fault = shared.faults.lock().unwrap().pop_front();
    if let Some(f) = fault {
        *shared.faulted.lock().unwrap() += 1;
        return crate::fake_http::apply(f).await;
    }
    shared.sent.lock().unwrap().push(body.into_inner());
    shared.sent_changed.notify_waiters();
    HttpResponse::Created().json(json!({"timestamp": "1700000000123"}))
}

impl FakeSignal {
    pub async fn start() -> FakeSignal {
        let shared = Arc::new(Shared::default());
        let data = web::Data::new(shared.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::JsonConfig::default().limit(32 * 1024 * 1024))
                .route("/v1/about", web::get().to(about))
                .route("/v1/receive/{number}", web::get().to(receive))
                .route("/v2/send", web::post().to(send))
                .route("/v1/attachments/{id}", web::get().to(attachment))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .unwrap();
        let port = server.addrs()[0].port();
        actix_web::rt::spawn(server.run());
        FakeSignal { port, shared }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Queues one received envelope (as signal-cli reports it) for the next receive.
    pub fn push(&self, envelope: Value) {
        self.shared
            .inbox
            .lock()
            .unwrap()
            .push_back(json!({"envelope": envelope, "account": BOT_NUMBER}));
        self.shared.inbox_changed.notify_waiters();
    }

    /// Serves `bytes` as the received attachment `id`.
    pub fn add_attachment(&self, id: &str, bytes: &[u8]) {
        self.shared
            .attachments
            .lock()
            .unwrap()
            .insert(id.to_string(), bytes.to_vec());
    }

    /// The next sends answer `faults`, one each, in order.
    pub fn fail_next(&self, faults: impl IntoIterator<Item = Fault>) {
        self.shared.faults.lock().unwrap().extend(faults);
    }

    /// How many sends were answered with a scripted failure.
    pub fn faulted(&self) -> usize {
        *self.shared.faulted.lock().unwrap()
    }

    /// Drops the failures not yet served.
    pub fn clear_faults(&self) {
        self.shared.faults.lock().unwrap().clear();
    }

    /// Fault knob: the next `n` receive requests are held open and never answered.
    pub fn hang_receives(&self, n: usize) {
        *self.shared.hang_receives.lock().unwrap() = n;
    }

    /// Waits until `n` sends were recorded (10 s deadline).
    pub async fn wait_sent(&self, n: usize) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let notified = self.shared.sent_changed.notified();
            let got = self.shared.sent.lock().unwrap().clone();
            if got.len() >= n || tokio::time::Instant::now() >= deadline {
                return got;
            }
            let _ = tokio::time::timeout_at(deadline, notified).await;
        }
    }
}

/// A direct text message from `from`.
pub fn text(from: &str, ts: i64, message: &str) -> Value {
    json!({"source": from, "sourceNumber": from, "sourceUuid": "a1b2c3d4-0000-4000-8000-000000000001",
           "sourceName": "Ada", "sourceDevice": 1, "timestamp": ts,
           "dataMessage": {"timestamp": ts, "message": message, "expiresInSeconds": 0, "viewOnce": false}})
}

/// signal-cli REST's rate-limit answer.
pub fn rate_limited() -> Fault {
    Fault::status(429, json!({"error": "Rate limit exceeded"}))
}

/// A server error.
pub fn server_error() -> Fault {
    Fault::status(500, json!({"error": "Internal Server Error"}))
}

/// A permanent refusal.
pub fn bad_request() -> Fault {
    Fault::status(400, json!({"error": "Invalid recipient"}))
}
