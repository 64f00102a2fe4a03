//! A generic recording HTTP server on 127.0.0.1:0: every request (any method, any path) is
//! recorded and answered by a responder function. Used as the webhook channel's callback,
//! the Slack Web API and the Discord REST API. Bodies are decoded by `form_body` (JSON,
//! multipart, form-encoded).
//!
//! Fault injection ([`FakeHttp::fail_next`]): the next requests to a path answer a scripted
//! error (a 429 with the platform's retry-after, a 500…) or hang past any client timeout;
//! they are kept apart ([`FakeHttp::faulted`]) so [`FakeHttp::requests`] lists only the
//! requests the "platform" accepted.

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// Written in an answer, replaced by this server's own `http://127.0.0.1:<port>`.
pub const SELF_URL: &str = "http://fake-self";

/// An answer with this key (base64) is sent as raw bytes, typed `__content_type`.
pub const RAW: &str = "__raw_base64";

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// The query string (without `?`).
    pub query: String,
    pub headers: HashMap<String, String>,
    pub raw: Vec<u8>,
    pub body: Value,
}

type Responder = dyn Fn(&str, &Value) -> (u16, Value) + Send + Sync;

/// A scripted failure of one request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer this status, JSON body and headers.
    Answer(u16, Value, Vec<(&'static str, String)>),
    /// Hold the request for a minute (past any client timeout), then answer 504.
    Hang,
}

impl Fault {
    /// `status` with `body` and no extra headers.
    pub fn status(status: u16, body: Value) -> Fault {
        Fault::Answer(status, body, vec![])
    }
}

/// Answers `fault` (used by the other fakes too).
pub async fn apply(fault: Fault) -> HttpResponse {
    match fault {
        Fault::Answer(status, body, headers) => {
            let mut r = HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap());
            for (k, v) in headers {
                r.insert_header((k, v));
            }
            r.json(body)
        }
        Fault::Hang => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            HttpResponse::GatewayTimeout().finish()
        }
    }
}

#[derive(Clone)]
struct Shared {
    log: Arc<Mutex<Vec<Recorded>>>,
    changed: Arc<Notify>,
    respond: Arc<Responder>,
    /// Scripted failures: (path suffix, fault), first match first.
    faults: Arc<Mutex<Vec<(String, Fault)>>>,
    faulted: Arc<Mutex<Vec<Recorded>>>,
}

pub struct FakeHttp {
    pub port: u16,
    shared: Shared,
}

async fn any(req: HttpRequest, body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    let ct = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let parsed = crate::form_body::decode(ct, &body).await;
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let fault = {
        let mut f = shared.faults.lock().unwrap();
        let i = f
            .iter()
            .position(|(suffix, _)| req.path().ends_with(suffix.as_str()));
        i.map(|i| f.remove(i).1)
    };
    if let Some(fault) = fault {
        shared.faulted.lock().unwrap().push(Recorded {
            method: req.method().to_string(),
            path: req.path().to_string(),
            query: req.query_string().to_string(),
            headers,
            raw: body.to_vec(),
            body: parsed,
        });
        shared.changed.notify_waiters();
        return apply(fault).await;
    }
    let (status, mut answer) = (shared.respond)(req.path(), &parsed);
    // Answers may point back at this server (Slack's `upload_url`).
    let own = req.app_config().local_addr();
    let text = answer
        .to_string()
        .replace(SELF_URL, &format!("http://{own}"));
    answer = serde_json::from_str(&text).unwrap_or(answer);
    shared.log.lock().unwrap().push(Recorded {
        method: req.method().to_string(),
        path: req.path().to_string(),
        query: req.query_string().to_string(),
        headers,
        raw: body.to_vec(),
        body: parsed,
    });
    shared.changed.notify_waiters();
    let mut resp = HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap());
    // `{"__raw_base64": …, "__content_type": …}` answers raw bytes (a file download).
    if let Some(raw) = answer.get(RAW).and_then(Value::as_str) {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(raw)
            .unwrap_or_default();
        let ct = answer["__content_type"]
            .as_str()
            .unwrap_or("application/octet-stream");
        return resp.content_type(ct).body(bytes);
    }
    resp.json(answer)
}

impl FakeHttp {
    pub async fn start(
        respond: impl Fn(&str, &Value) -> (u16, Value) + Send + Sync + 'static,
    ) -> FakeHttp {
        let shared = Shared {
            log: Arc::default(),
            changed: Arc::default(),
            respond: Arc::new(respond),
            faults: Arc::default(),
            faulted: Arc::default(),
        };
        let data = web::Data::new(shared.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(any))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .unwrap();
        let port = server.addrs()[0].port();
        actix_web::rt::spawn(server.run());
        FakeHttp { port, shared }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The next requests to a path ending with `suffix` answer `faults`, one each, in order.
    pub fn fail_next(&self, suffix: &str, faults: impl IntoIterator<Item = Fault>) {
        let mut f = self.shared.faults.lock().unwrap();
        f.extend(faults.into_iter().map(|x| (suffix.to_string(), x)));
    }

    /// Drops the failures not yet served.
    pub fn clear_faults(&self) {
        self.shared.faults.lock().unwrap().clear();
    }

    /// Requests answered with a scripted failure.
    pub fn faulted(&self) -> Vec<Recorded> {
        self.shared.faulted.lock().unwrap().clone()
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.log.lock().unwrap().clone()
    }

    /// Requests whose path ends with `suffix`.
    pub fn to(&self, suffix: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path.ends_with(suffix))
            .collect()
    }

    /// Waits until at least `n` requests went to a path ending with `suffix` (10 s deadline).
    pub async fn wait_for(&self, suffix: &str, n: usize) -> Vec<Recorded> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let notified = self.shared.changed.notified();
            let got = self.to(suffix);
            if got.len() >= n || tokio::time::Instant::now() >= deadline {
                return got;
            }
            let _ = tokio::time::timeout_at(deadline, notified).await;
        }
    }
}
