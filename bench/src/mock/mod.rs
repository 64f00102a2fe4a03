//! A scripted mock model upstream over real HTTP.
//!
//! [`MockUpstream`] is an actix-web server on `127.0.0.1:0` (TCP_NODELAY on every accepted
//! socket) that answers:
//! - `POST /v1/chat/completions`: OpenAI chat completions, JSON or `stream:true` SSE;
//! - `POST /v1/messages`: Anthropic Messages, JSON or `stream:true` SSE;
//! - `GET /v1/models`: one model, `mock-model`.
//!
//! Each completion request takes the next queued [`Reply`] (FIFO), or the default reply when the
//! queue is empty, and renders it in the protocol the request used. Every request is recorded
//! (see [`MockUpstream::requests`]) unless recording is turned off in [`MockOptions`].
//! With [`MockOptions::measure_tool_rounds`], the time from a tool-call reply to the request
//! carrying its result is recorded (see [`MockUpstream::take_tool_round_samples`]).

mod anthropic;
mod model;
mod openai;
mod reply;
mod script;
mod tool_rounds;

use std::collections::VecDeque;
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use actix_web::dev::ServerHandle;
use actix_web::http::{Method, StatusCode};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use bytes::Bytes;
use serde::Deserialize;

pub use reply::{Reply, ToolCall, Usage};
use script::{End, Script};
use tool_rounds::ToolRounds;

/// One request as the mock received it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// HTTP method, e.g. `POST`.
    pub method: String,
    /// Request path without the query, e.g. `/v1/chat/completions`.
    pub path: String,
    /// Headers with lowercase names, in received order.
    pub headers: Vec<(String, String)>,
    /// The body parsed as JSON (`Null` when empty or not JSON).
    pub body: serde_json::Value,
}

impl RecordedRequest {
    /// First value of the header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Server settings for [`MockUpstream::start_with`].
#[derive(Clone, Debug)]
pub struct MockOptions {
    /// Port to bind on 127.0.0.1 (default 0: any free port).
    pub port: u16,
    /// actix worker threads (default 2).
    pub workers: usize,
    /// Record every request for [`MockUpstream::requests`] (default true; turn off for long
    /// load runs so memory stays flat).
    pub record: bool,
    /// The initial default reply (default [`Reply::default`]).
    pub default_reply: Reply,
    /// When no reply is queued and a request offers tools, call the first tool (a stand-in for
    /// a model that decides to use a tool; default false).
    pub auto_tools: bool,
    /// When no reply is queued, decide the reply from the request as a compliant model would:
    /// call offered tools, use tool results, answer JSON for `response_format`, honour
    /// `max_tokens` (see the `model` module; default false).
    pub model_like: bool,
    /// Time every tool round: from the moment a reply carrying tool calls is fully produced to
    /// the arrival of the request carrying their results (see
    /// [`MockUpstream::take_tool_round_samples`]; default false).
    pub measure_tool_rounds: bool,
}

impl Default for MockOptions {
    fn default() -> Self {
        MockOptions {
            port: 0,
            workers: 2,
            record: true,
            default_reply: Reply::default(),
            auto_tools: false,
            model_like: false,
            measure_tool_rounds: false,
        }
    }
}

/// State shared by all workers.
#[derive(Debug)]
struct Shared {
    queue: Mutex<VecDeque<Reply>>,
    queued: AtomicUsize,
    default: Mutex<Arc<Reply>>,
    record: bool,
    auto_tools: bool,
    model_like: bool,
    tool_rounds: Option<Arc<ToolRounds>>,
    requests: Mutex<Vec<RecordedRequest>>,
    count: AtomicUsize,
    connections: AtomicUsize,
    seq: AtomicU64,
}

/// Locks a mutex, ignoring poisoning (the protected data stays consistent: every critical
/// section is a single push, pop or replace).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn next_reply(&self) -> Arc<Reply> {
        if self.queued.load(Ordering::Acquire) > 0 {
            let mut q = lock(&self.queue);
            if let Some(r) = q.pop_front() {
                self.queued.store(q.len(), Ordering::Release);
                return Arc::new(r);
            }
        }
        lock(&self.default).clone()
    }
}

/// A running mock model upstream. See the module docs.
#[derive(Debug)]
pub struct MockUpstream {
    addr: SocketAddr,
    handle: ServerHandle,
    shared: Arc<Shared>,
}

impl MockUpstream {
    /// Starts on 127.0.0.1:0 inside the current actix System / tokio runtime (tests use
    /// `#[actix_web::test]`), with [`MockOptions::default`].
    pub async fn start() -> std::io::Result<MockUpstream> {
        Self::start_with(MockOptions::default()).await
    }

    /// Starts on 127.0.0.1 (port from the options) inside the current actix System.
    pub async fn start_with(options: MockOptions) -> std::io::Result<MockUpstream> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(VecDeque::new()),
            queued: AtomicUsize::new(0),
            default: Mutex::new(Arc::new(options.default_reply)),
            record: options.record,
            auto_tools: options.auto_tools,
            model_like: options.model_like,
            tool_rounds: options
                .measure_tool_rounds
                .then(|| Arc::new(ToolRounds::default())),
            requests: Mutex::new(Vec::new()),
            count: AtomicUsize::new(0),
            connections: AtomicUsize::new(0),
            seq: AtomicU64::new(0),
        });
        let listener = TcpListener::bind(("127.0.0.1", options.port))?;
        let addr = listener.local_addr()?;
        let data = web::Data::from(shared.clone());
        let counted = shared.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(64 << 20))
                .default_service(web::to(handle))
        })
        .workers(options.workers.max(1))
        .backlog(4096)
        .tcp_nodelay(true)
        .on_connect(move |_, _| {
            counted.connections.fetch_add(1, Ordering::AcqRel);
        })
        .disable_signals()
        .shutdown_timeout(1)
        .listen(listener)?
        .run();
        let handle = server.handle();
        actix_rt::spawn(server);
        Ok(MockUpstream {
            addr,
            handle,
            shared,
        })
    }

    /// The bound address (127.0.0.1 and the chosen port).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `"http://127.0.0.1:PORT/v1"`: what a gateway config puts in `baseUrl` (for both OpenAI
    /// and Anthropic; the Anthropic path is `{baseUrl}/messages`).
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Queues a scripted reply (FIFO). When the queue is empty, the default reply is used.
    pub fn push(&self, reply: Reply) {
        let mut q = lock(&self.shared.queue);
        q.push_back(reply);
        self.shared.queued.store(q.len(), Ordering::Release);
    }

    /// Sets the default reply (initially [`Reply::default`]: "Hello from the mock model." in
    /// chunks `["Hello"," from"," the"," mock"," model."]`, usage 9 prompt / 5 completion).
    pub fn set_default(&self, reply: Reply) {
        *lock(&self.shared.default) = Arc::new(reply);
    }

    /// Every request received so far, in order: method, path, lowercase headers, parsed JSON
    /// body. Empty when recording is off.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// Number of requests received (cheap).
    pub fn request_count(&self) -> usize {
        self.shared.count.load(Ordering::Acquire)
    }

    /// Number of TCP connections accepted so far (a client that keeps its connections alive
    /// opens few).
    pub fn connection_count(&self) -> usize {
        self.shared.connections.load(Ordering::Acquire)
    }

    /// Takes the tool-round samples recorded so far (empty unless
    /// [`MockOptions::measure_tool_rounds`] is on): for each tool call the mock sent, the time
    /// from the moment its reply's body was fully produced (the body stream's last poll, right
    /// before actix writes it) to the moment the handler got a request carrying its result
    /// (OpenAI `role: "tool"` / `tool_call_id`, Anthropic `tool_result` / `tool_use_id`), the
    /// whole request read and parsed. It includes one loopback hop each way and the client's
    /// own work in between. Each call id counts once.
    pub fn take_tool_round_samples(&self) -> Vec<Duration> {
        self.shared
            .tool_rounds
            .as_ref()
            .map(|t| t.take())
            .unwrap_or_default()
    }

    /// Stops the server (open connections are dropped).
    pub async fn stop(self) {
        self.handle.stop(false).await;
    }
}

/// The parts of a completion request the mock looks at.
#[derive(Deserialize, Default)]
struct CompletionRequest {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    stream: bool,
    #[serde(default)]
    stream_options: Option<StreamOptions>,
    #[serde(default)]
    tools: Vec<serde_json::Value>,
    #[serde(default)]
    messages: Vec<serde_json::Value>,
    #[serde(default)]
    tool_choice: serde_json::Value,
    #[serde(default)]
    response_format: serde_json::Value,
    #[serde(default)]
    max_tokens: Option<u64>,
    #[serde(default)]
    max_completion_tokens: Option<u64>,
}

impl CompletionRequest {
    /// With `auto_tools`: a call to the first offered tool when the conversation does not
    /// already end with a tool result (string properties get `"San Francisco"`; the call id is
    /// `call_mock_<seq>`, unique per mock).
    fn auto_tool_call(&self, seq: u64) -> Option<Reply> {
        let tool = self.tools.first()?;
        let def = tool.get("function").unwrap_or(tool);
        let name = def.get("name")?.as_str()?;
        let last = self.messages.last()?;
        let ends_with_result = last["role"] == "tool"
            || last["content"]
                .as_array()
                .is_some_and(|c| c.iter().any(|b| b["type"] == "tool_result"));
        if ends_with_result {
            return None;
        }
        let schema = def.get("parameters").or_else(|| def.get("input_schema"));
        let mut args = serde_json::Map::new();
        if let Some(props) = schema
            .and_then(|s| s.get("properties"))
            .and_then(|p| p.as_object())
        {
            for (k, v) in props {
                if v["type"] == "string" {
                    args.insert(k.clone(), "San Francisco".into());
                }
            }
        }
        let mut reply = Reply::tool_call(name, &serde_json::Value::Object(args).to_string());
        if let Reply::ToolCalls { calls, .. } = &mut reply {
            calls[0].id = format!("call_mock_{seq}");
        }
        Some(reply)
    }
}

#[derive(Deserialize, Default)]
struct StreamOptions {
    #[serde(default)]
    include_usage: bool,
}

/// Which wire protocol a request spoke.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Protocol {
    OpenAi,
    Anthropic,
}

impl Protocol {
    fn error_body(self, status: u16, message: &str) -> String {
        match self {
            Protocol::OpenAi => openai::error_body(status, message),
            Protocol::Anthropic => anthropic::error_body(status, message),
        }
    }
}

fn json_response(status: u16, body: String) -> HttpResponse {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status)
        .content_type("application/json")
        .body(body)
}

const MODELS: &str = r#"{"object":"list","data":[{"id":"mock-model","object":"model","created":0,"owned_by":"mock"}]}"#;

/// The single request handler: records, routes and renders.
async fn handle(req: HttpRequest, body: Bytes, shared: web::Data<Shared>) -> HttpResponse {
    // The whole request has been read: the end of a tool round (see `tool_rounds`).
    let arrived = Instant::now();
    let parsed: Option<serde_json::Value> = if shared.record {
        let value = serde_json::from_slice(&body).ok();
        let headers = req
            .headers()
            .iter()
            .map(|(k, v)| {
                let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
                (k.as_str().to_ascii_lowercase(), v)
            })
            .collect();
        lock(&shared.requests).push(RecordedRequest {
            method: req.method().to_string(),
            path: req.path().to_string(),
            headers,
            body: value.clone().unwrap_or(serde_json::Value::Null),
        });
        value
    } else {
        None
    };
    // Counted after recording, so a waiter that sees the count also sees the request.
    shared.count.fetch_add(1, Ordering::AcqRel);
    let protocol = match (req.method(), req.path()) {
        (&Method::GET, "/v1/models") => return json_response(200, MODELS.to_string()),
        (&Method::POST, "/v1/chat/completions") => Protocol::OpenAi,
        (&Method::POST, "/v1/messages") => Protocol::Anthropic,
        _ => {
            let msg = format!(
                "mock upstream: no route for {} {}",
                req.method(),
                req.path()
            );
            return json_response(404, Protocol::OpenAi.error_body(404, &msg));
        }
    };
    let request: Result<CompletionRequest, String> = match parsed {
        Some(v) => serde_json::from_value(v).map_err(|e| e.to_string()),
        None => serde_json::from_slice(&body).map_err(|e| e.to_string()),
    };
    let request = match request {
        Ok(r) => r,
        Err(e) => {
            let msg = format!("mock upstream: invalid JSON body: {e}");
            return json_response(400, protocol.error_body(400, &msg));
        }
    };
    if let Some(rounds) = &shared.tool_rounds {
        rounds.arrived(&request.messages, arrived);
    }
    let unscripted = shared.queued.load(Ordering::Acquire) == 0;
    let decided = if shared.model_like && unscripted {
        let view = model::View {
            tools: &request.tools,
            messages: &request.messages,
            tool_choice: &request.tool_choice,
            response_format: &request.response_format,
        };
        model::decide(&view, shared.seq.fetch_add(1, Ordering::Relaxed))
    } else if shared.auto_tools && unscripted {
        request.auto_tool_call(shared.seq.fetch_add(1, Ordering::Relaxed))
    } else {
        None
    };
    let mut reply = match decided {
        Some(r) => Arc::new(r),
        None => shared.next_reply(),
    };
    if shared.model_like {
        if let Some(max) = request.max_completion_tokens.or(request.max_tokens) {
            reply = Arc::new((*reply).clone().capped(max));
        }
    }
    respond(protocol, &request, &reply, &shared).await
}

/// Renders `reply` for one request, waiting as scripted.
async fn respond(
    protocol: Protocol,
    request: &CompletionRequest,
    reply: &Reply,
    shared: &Shared,
) -> HttpResponse {
    match reply {
        Reply::Error { status, message } => {
            return json_response(*status, protocol.error_body(*status, message));
        }
        Reply::Hang { duration } => {
            tokio::time::sleep(*duration).await;
            // A body failing on its first poll makes actix drop the connection before the
            // buffered head is flushed: the client sees the connection close with no bytes.
            let script = Script::new().end(End::Abort);
            return HttpResponse::Ok().body(script.into_body());
        }
        Reply::Text {
            first_byte_delay,
            chunk_delay,
            chunks,
            reasoning,
            ..
        } => {
            let mut wait = *first_byte_delay;
            if !request.stream {
                let deltas = (chunks.len() + reasoning.len()).saturating_sub(1) as u32;
                wait += *chunk_delay * deltas;
            }
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
        }
        Reply::ToolCalls { .. } | Reply::Disconnect { .. } => {}
    }
    let seq = shared.seq.fetch_add(1, Ordering::Relaxed);
    let model = request.model.as_deref().unwrap_or("mock-model");
    let include_usage = request
        .stream_options
        .as_ref()
        .is_some_and(|o| o.include_usage);
    let (script, json) = match protocol {
        Protocol::OpenAi => {
            let id = format!("chatcmpl-mock-{seq}");
            let created = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let ctx = openai::Ctx {
                id: &id,
                created,
                model,
            };
            if request.stream {
                (openai::stream(reply, &ctx, include_usage), None)
            } else {
                (None, openai::completion(&disconnect_as_text(reply), &ctx))
            }
        }
        Protocol::Anthropic => {
            let id = format!("msg_mock_{seq}");
            let ctx = anthropic::Ctx { id: &id, model };
            if request.stream {
                (anthropic::stream(reply, &ctx), None)
            } else {
                (None, anthropic::message(&disconnect_as_text(reply), &ctx))
            }
        }
    };
    let on_end = shared.tool_rounds.as_ref().and_then(|t| t.on_sent(reply));
    if let Some(script) = script {
        return HttpResponse::Ok()
            .content_type("text/event-stream")
            .insert_header(("cache-control", "no-cache"))
            .body(script.into_body_then(on_end));
    }
    let json = json.unwrap_or_default();
    if let Some(on_end) = on_end {
        // One sized chunk, so the body has a last poll to mark the tool calls sent at.
        let len = json.len() as u64;
        let once = futures_util::stream::iter([Ok(Bytes::from(json))]);
        let body = tool_rounds::then_on_end(once, Some(on_end));
        return HttpResponse::Ok()
            .content_type("application/json")
            .body(actix_web::body::SizedStream::new(len, body));
    }
    if let Reply::Disconnect { .. } = reply {
        // Announce the full length, send the first half, then drop the connection.
        let mut script = Script::new().end(End::Drop);
        script.push(Duration::ZERO, &json.as_bytes()[..json.len() / 2]);
        return HttpResponse::Ok()
            .content_type("application/json")
            .body(script.into_sized_body(json.len() as u64));
    }
    json_response(200, json)
}

/// A disconnect reply's chunks as a text reply (used to build the body a non-stream
/// disconnect truncates); other replies unchanged.
fn disconnect_as_text(reply: &Reply) -> std::borrow::Cow<'_, Reply> {
    match reply {
        Reply::Disconnect { chunks } => {
            let chunks: Vec<&str> = chunks.iter().map(String::as_str).collect();
            std::borrow::Cow::Owned(Reply::chunks(&chunks))
        }
        other => std::borrow::Cow::Borrowed(other),
    }
}
