//! A local fake of the Telegram Bot API (`getMe`, `getUpdates` long polling, `sendMessage`,
//! multipart `sendPhoto`/`sendDocument`/`sendAnimation`/`sendVideo`, recorded with `method`)
//! on 127.0.0.1:0. It keeps every update ever queued and answers `getUpdates` with those at
//! or past the requested offset, so a client that forgets its offset sees old updates again.
//! It counts the `getUpdates` calls in flight (and the most ever in flight at once), so a test
//! can check that only one gateway polls an account.
//!
//! [`FakeTelegram::fail_next`] makes the next sends fail ([`too_many_requests`], [`bad_request`],
//! [`crate::fake_http::Fault::Hang`]); failed sends are not in [`FakeTelegram::sent`].

use crate::fake_http::Fault;
use actix_web::{web, App, HttpResponse, HttpServer};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

pub const BOT_TOKEN: &str = "123456:TEST-telegram-token";
pub const BOT_USERNAME: &str = "claw_bot";

#[derive(Default)]
struct Inner {
    updates: Vec<Value>,
    sent: Vec<Value>,
    offsets: Vec<i64>,
    next_update: i64,
    next_message: i64,
    /// `setWebhook` / `deleteWebhook` calls (with `method`).
    webhook_calls: Vec<Value>,
    /// Downloadable files by `file_id` (`getFile` + `/file/bot<token>/<path>`).
    files: std::collections::HashMap<String, Vec<u8>>,
    /// Scripted failures of the next sends.
    faults: std::collections::VecDeque<Fault>,
    faulted: usize,
    /// Fault knob: this many coming `getUpdates` requests are never answered.
    hang_polls: usize,
}

#[derive(Clone, Default)]
struct Shared {
    inner: Arc<Mutex<Inner>>,
    changed: Arc<Notify>,
    polls: Arc<Polls>,
}

/// `getUpdates` calls in flight now and at most.
#[derive(Default)]
struct Polls {
    now: AtomicUsize,
    max: AtomicUsize,
    total: AtomicUsize,
}

/// One `getUpdates` in flight; ended when the handler returns or is dropped (the client went
/// away).
struct InFlight(Arc<Polls>);

impl InFlight {
    fn new(p: &Arc<Polls>) -> InFlight {
        let n = p.now.fetch_add(1, Ordering::SeqCst) + 1;
        p.max.fetch_max(n, Ordering::SeqCst);
        p.total.fetch_add(1, Ordering::SeqCst);
        InFlight(p.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

pub struct FakeTelegram {
    pub port: u16,
    shared: Shared,
}

async fn api(
    http: actix_web::HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
    shared: web::Data<Shared>,
) -> HttpResponse {
    let (token, method) = path.into_inner();
    if token != format!("bot{BOT_TOKEN}") {
        return HttpResponse::Unauthorized()
            .json(json!({"ok": false, "error_code": 401, "description": "Unauthorized"}));
    }
    let ct = http
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut req: Value = crate::form_body::decode(ct, &body).await;
    if method.starts_with("send") {
        let fault = {
            let mut g = shared.inner.lock().unwrap();
            let f = g.faults.pop_front();
            g.faulted += usize::from(f.is_some());
            f
        };
        if let Some(f) = fault {
            shared.changed.notify_waiters();
            return crate::fake_http::apply(f).await;
        }
    }
    match method.as_str() {
        "getMe" => HttpResponse::Ok().json(json!({"ok": true, "result":
            {"id": 999, "is_bot": true, "first_name": "Claw", "username": BOT_USERNAME}})),
        "getUpdates" => {
            let _in_flight = InFlight::new(&shared.polls);
            let offset = req["offset"].as_i64().unwrap_or(0);
            let hang = {
                let mut g = shared.inner.lock().unwrap();
                let h = g.hang_polls > 0;
                g.hang_polls = g.hang_polls.saturating_sub(1);
                h
            };
            if hang {
                // A poll that stops responding: the request stays open, unanswered.
                shared.inner.lock().unwrap().offsets.push(offset);
                std::future::pending::<()>().await;
            }
            let wait = Duration::from_secs(req["timeout"].as_u64().unwrap_or(0).min(1));
            shared.inner.lock().unwrap().offsets.push(offset);
            let deadline = tokio::time::Instant::now() + wait;
            loop {
                let notified = shared.changed.notified();
                let ready: Vec<Value> = shared
                    .inner
                    .lock()
                    .unwrap()
                    .updates
                    .iter()
                    .filter(|u| u["update_id"].as_i64().unwrap_or(0) >= offset)
                    .cloned()
                    .collect();
                if !ready.is_empty() || tokio::time::Instant::now() >= deadline {
                    return HttpResponse::Ok().json(json!({"ok": true, "result": ready}));
                }
                let _ = tokio::time::timeout_at(deadline, notified).await;
            }
        }
        "sendPhoto" | "sendDocument" | "sendAnimation" | "sendVideo" => {
            // Multipart uploads: recorded with the method; `chat_id` arrives as text.
            req["method"] = json!(method);
            let mut g = shared.inner.lock().unwrap();
            g.next_message += 1;
            let id = 1000 + g.next_message;
            g.sent.push(req.clone());
            drop(g);
            shared.changed.notify_waiters();
            HttpResponse::Ok().json(json!({"ok": true, "result": {"message_id": id, "date": 0,
                "chat": {"id": 1, "type": "private"}, "caption": req["caption"]}}))
        }
        "setWebhook" | "deleteWebhook" => {
            req["method"] = json!(method);
            shared.inner.lock().unwrap().webhook_calls.push(req);
            shared.changed.notify_waiters();
            HttpResponse::Ok().json(json!({"ok": true, "result": true}))
        }
        "getFile" => {
            let id = req["file_id"].as_str().unwrap_or("").to_string();
            let size = shared.inner.lock().unwrap().files.get(&id).map(Vec::len);
            match size {
                Some(n) => HttpResponse::Ok().json(json!({"ok": true, "result":
                    {"file_id": id, "file_unique_id": format!("u{id}"), "file_size": n,
                     "file_path": format!("media/{id}.bin")}})),
                None => HttpResponse::BadRequest().json(json!({"ok": false, "error_code": 400,
                    "description": "Bad Request: invalid file_id"})),
            }
        }
        "sendMessage" => {
            let mut g = shared.inner.lock().unwrap();
            g.next_message += 1;
            let id = 1000 + g.next_message;
            g.sent.push(req.clone());
            drop(g);
            shared.changed.notify_waiters();
            // Telegram answers with the chat's numeric id, also for an `@username` target.
            let numeric = req["chat_id"]
                .as_i64()
                .or_else(|| req["chat_id"].as_str().and_then(|s| s.parse().ok()));
            let chat = match numeric {
                Some(id) => json!({"id": id, "type": "private"}),
                None => json!({"id": -1001234567890_i64, "type": "supergroup",
                    "username": req["chat_id"].as_str().unwrap_or("").trim_start_matches('@')}),
            };
            HttpResponse::Ok().json(json!({"ok": true, "result": {"message_id": id, "date": 0,
                "chat": chat, "text": req["text"]}}))
        }
        _ => HttpResponse::NotFound()
            .json(json!({"ok": false, "error_code": 404, "description": "Not Found"})),
    }
}

/// `GET /file/bot<token>/media/<file_id>.bin`: the bytes of a file added with `add_file`.
async fn file(path: web::Path<(String, String)>, shared: web::Data<Shared>) -> HttpResponse {
    let (token, name) = path.into_inner();
    if token != format!("bot{BOT_TOKEN}") {
        return HttpResponse::Unauthorized().finish();
    }
    let id = name.trim_end_matches(".bin");
    match shared.inner.lock().unwrap().files.get(id) {
        Some(b) => HttpResponse::Ok()
            .content_type("application/octet-stream")
            .body(b.clone()),
        None => HttpResponse::NotFound().finish(),
    }
}

impl FakeTelegram {
    pub async fn start() -> FakeTelegram {
        let shared = Shared::default();
        let data = web::Data::new(shared.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/{token}/{method}", web::post().to(api))
                .route("/file/{token}/media/{name}", web::get().to(file))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .unwrap();
        let port = server.addrs()[0].port();
        let server = server.run();
        actix_web::rt::spawn(server);
        FakeTelegram { port, shared }
    }

    pub fn api_root(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Queues a text message from `from_id` in chat `chat_id` (private when equal).
    pub fn push_text(&self, chat_id: i64, from_id: i64, username: &str, text: &str) -> i64 {
        let kind = if chat_id == from_id {
            "private"
        } else {
            "supergroup"
        };
        self.push(json!({"message_id": 0, "date": 0,
            "from": {"id": from_id, "is_bot": false, "first_name": username, "username": username},
            "chat": {"id": chat_id, "type": kind}, "text": text}))
    }

    /// Queues a message (its `message_id` is set to the update id); returns the update id.
    pub fn push(&self, mut message: Value) -> i64 {
        let mut g = self.shared.inner.lock().unwrap();
        g.next_update += 1;
        let id = g.next_update;
        message["message_id"] = json!(id);
        g.updates.push(json!({"update_id": id, "message": message}));
        drop(g);
        self.shared.changed.notify_waiters();
        id
    }

    /// Makes `bytes` downloadable as `file_id`.
    pub fn add_file(&self, file_id: &str, bytes: &[u8]) {
        let mut g = self.shared.inner.lock().unwrap();
        g.files.insert(file_id.to_string(), bytes.to_vec());
    }

    /// `setWebhook` / `deleteWebhook` calls so far (each with `method`).
    pub fn webhook_calls(&self) -> Vec<Value> {
        self.shared.inner.lock().unwrap().webhook_calls.clone()
    }

    /// Waits until at least `n` webhook calls were made (10 s deadline).
    pub async fn wait_webhook_calls(&self, n: usize) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let notified = self.shared.changed.notified();
            let calls = self.webhook_calls();
            if calls.len() >= n || tokio::time::Instant::now() >= deadline {
                return calls;
            }
            let _ = tokio::time::timeout_at(deadline, notified).await;
        }
    }

    /// POSTs `message` as an update to a webhook at `url` the way Telegram does, with
    /// `secret` in `X-Telegram-Bot-Api-Secret-Token` (none when `None`); returns the status.
    pub async fn post_update(&self, url: &str, secret: Option<&str>, mut message: Value) -> u16 {
        let id = {
            let mut g = self.shared.inner.lock().unwrap();
            g.next_update += 1;
            g.next_update
        };
        message["message_id"] = json!(id);
        let update = json!({"update_id": id, "message": message});
        let mut req = awc::Client::new()
            .post(url)
            .insert_header(("content-type", "application/json"));
        if let Some(s) = secret {
            req = req.insert_header(("x-telegram-bot-api-secret-token", s));
        }
        req.send_body(update.to_string())
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
    }

    /// The next sends (any `send*` method) answer `faults`, one each, in order.
    pub fn fail_next(&self, faults: impl IntoIterator<Item = Fault>) {
        self.shared.inner.lock().unwrap().faults.extend(faults);
    }

    /// Drops the failures not yet served.
    pub fn clear_faults(&self) {
        self.shared.inner.lock().unwrap().faults.clear();
    }

    /// How many sends were answered with a scripted failure.
    pub fn faulted(&self) -> usize {
        self.shared.inner.lock().unwrap().faulted
    }

    /// Fault knob: the next `n` `getUpdates` requests are held open and never answered.
    pub fn hang_polls(&self, n: usize) {
        self.shared.inner.lock().unwrap().hang_polls = n;
    }

    /// Fault knob: hands the message of update `update_id` over again under a new update id
    /// (a platform redelivery: same chat, same `message_id`); returns the new update id.
    pub fn redeliver(&self, update_id: i64) -> i64 {
        let mut g = self.shared.inner.lock().unwrap();
        let old = g
            .updates
            .iter()
            .find(|u| u["update_id"] == update_id)
            .cloned()
            .expect("a queued update");
        g.next_update += 1;
        let id = g.next_update;
        g.updates
            .push(json!({"update_id": id, "message": old["message"]}));
        drop(g);
        self.shared.changed.notify_waiters();
        id
    }

    pub fn sent(&self) -> Vec<Value> {
        self.shared.inner.lock().unwrap().sent.clone()
    }

    /// The most `getUpdates` calls ever in flight at once.
    #[allow(dead_code)]
    pub fn max_concurrent_polls(&self) -> usize {
        self.shared.polls.max.load(Ordering::SeqCst)
    }

    /// `getUpdates` calls so far.
    #[allow(dead_code)]
    pub fn polls(&self) -> usize {
        self.shared.polls.total.load(Ordering::SeqCst)
    }

    pub fn offsets(&self) -> Vec<i64> {
        self.shared.inner.lock().unwrap().offsets.clone()
    }

    /// Waits until at least `n` messages were sent (10 s deadline so a failure cannot hang).
    pub async fn wait_sent(&self, n: usize) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let notified = self.shared.changed.notified();
            let sent = self.sent();
            if sent.len() >= n || tokio::time::Instant::now() >= deadline {
                return sent;
            }
            let _ = tokio::time::timeout_at(deadline, notified).await;
        }
    }
}

/// The Bot API's flood-control answer: 429 with `parameters.retry_after` (seconds).
pub fn too_many_requests(retry_after: u64) -> Fault {
    Fault::status(
        429,
        json!({"ok": false, "error_code": 429,
               "description": format!("Too Many Requests: retry after {retry_after}"),
               "parameters": {"retry_after": retry_after}}),
    )
}

/// A 5xx as the Bot API answers it.
pub fn server_error() -> Fault {
    Fault::status(
        500,
        json!({"ok": false, "error_code": 500, "description": "Internal Server Error"}),
    )
}

/// A permanent refusal (`400 Bad Request: chat not found`).
pub fn bad_request() -> Fault {
    Fault::status(
        400,
        json!({"ok": false, "error_code": 400, "description": "Bad Request: chat not found"}),
    )
}
