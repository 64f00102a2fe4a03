//! A small WebSocket test client speaking both dialects (awc + JSON frames).
//!
//! With `CLAWGATE_FRAME_LOG=<file>` set, every text frame the gateway sends to any test client
//! is appended to that file, one line per frame (for `tests/protocol/validate.mjs`).

use crate::helpers::{TestGateway, TOKEN};
use actix_codec::Framed;
use awc::ws::{Codec, Frame, Message};
use awc::BoxedSocket;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;

pub struct WsClient {
    framed: Framed<BoxedSocket, Codec>,
    next_id: u64,
    /// Request id → method, so a logged `res` names the method it answers.
    methods: std::collections::HashMap<String, String>,
    /// The client spoke the seeds' simple dialect (its frames are not OpenClaw frames).
    simple: bool,
    /// Frame-log lines not yet written (flushed when the client is dropped, so logging costs
    /// the reading path only a copy).
    log: Vec<u8>,
}

impl Drop for WsClient {
    fn drop(&mut self) {
        frame_log::flush(&mut self.log);
    }
}

/// What the server sent.
#[derive(Debug)]
pub enum Got {
    Json(Value),
    Closed(Option<u16>, String),
}

impl WsClient {
    /// Opens a socket to `path` (no frames exchanged yet).
    pub async fn open(t: &TestGateway, path: &str, headers: &[(&str, &str)]) -> WsClient {
        WsClient::open_url(&t.base, path, headers).await
    }

    /// Opens a socket to `path` of the gateway at `base` (`http://host:port`).
    pub async fn open_url(base: &str, path: &str, headers: &[(&str, &str)]) -> WsClient {
        let url = format!("ws{}{}", base.trim_start_matches("http"), path);
        let mut req = awc::Client::builder()
            .timeout(Duration::from_secs(20))
            .finish()
            .ws(url)
            .max_frame_size(64 * 1024 * 1024);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let (_, framed) = req.connect().await.expect("ws connect");
        WsClient {
            framed,
            next_id: 1,
            methods: Default::default(),
            simple: false,
            log: Vec::new(),
        }
    }

    /// Sends one text frame.
    pub async fn send_text(&mut self, text: String) {
        self.framed
            .send(Message::Text(text.into()))
            .await
            .expect("ws send");
    }

    pub async fn send(&mut self, v: Value) {
        if v.get("type").is_none() && v.get("method").is_some() {
            self.simple = true;
        }
        if let (Some("req"), Some(id), Some(m)) =
            (v["type"].as_str(), v["id"].as_str(), v["method"].as_str())
        {
            self.methods.insert(id.to_string(), m.to_string());
        }
        self.send_text(v.to_string()).await;
    }

    /// The next JSON frame or the close (10 s timeout). Pings are not answered (see
    /// [`WsClient::recv_alive`]).
    pub async fn recv(&mut self) -> Got {
        self.next_got(false).await
    }

    /// Like [`WsClient::recv`], but answering the gateway's liveness pings as a real client
    /// library does.
    pub async fn recv_alive(&mut self) -> Got {
        self.next_got(true).await
    }

    async fn next_got(&mut self, answer_pings: bool) -> Got {
        loop {
            let next = tokio::time::timeout(Duration::from_secs(10), self.framed.next())
                .await
                .expect("no frame within 10 s");
            match next {
                Some(Ok(Frame::Text(b))) => {
                    let v: Value = serde_json::from_slice(&b).unwrap();
                    let method = v["id"].as_str().and_then(|id| self.methods.get(id));
                    // The simple dialect's `connected` event can come before the client sent
                    // anything (credentials on the upgrade): it is not an OpenClaw frame.
                    let simple = self.simple || v["type"] == "connected";
                    frame_log::append(&mut self.log, &b, method.map(String::as_str), simple);
                    return Got::Json(v);
                }
                Some(Ok(Frame::Ping(p))) if answer_pings => {
                    self.framed.send(Message::Pong(p)).await.expect("ws pong");
                }
                Some(Ok(Frame::Close(r))) => {
                    return Got::Closed(
                        r.as_ref().map(|r| u16::from(r.code)),
                        r.and_then(|r| r.description).unwrap_or_default(),
                    )
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Got::Closed(None, String::new()),
            }
        }
    }

    pub async fn recv_json(&mut self) -> Value {
        match self.recv().await {
            Got::Json(v) => v,
            Got::Closed(c, r) => panic!("closed ({c:?} {r}) while waiting for a frame"),
        }
    }

    /// Reads until a JSON frame matching `pred`, returning it and what was skipped.
    pub async fn until(&mut self, pred: impl Fn(&Value) -> bool) -> (Value, Vec<Value>) {
        let mut skipped = Vec::new();
        loop {
            let v = self.recv_json().await;
            if pred(&v) {
                return (v, skipped);
            }
            skipped.push(v);
        }
    }

    /// Reads until the close frame, returning its code and reason.
    pub async fn closed(&mut self) -> (Option<u16>, String) {
        loop {
            if let Got::Closed(c, r) = self.recv().await {
                return (c, r);
            }
        }
    }

    /// Sends an OpenClaw request; returns its id.
    pub async fn req(&mut self, method: &str, params: Value) -> String {
        let id = format!("{}:{}", self.next_id, uuid::Uuid::new_v4());
        self.next_id += 1;
        self.send(json!({"type": "req", "id": id, "method": method, "params": params}))
            .await;
        id
    }

    /// Sends a request and waits for its (first) response.
    pub async fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.req(method, params).await;
        self.res(&id).await
    }

    /// The next `res` for `id` (events in between are skipped).
    pub async fn res(&mut self, id: &str) -> Value {
        self.until(|v| v["type"] == "res" && v["id"] == id).await.0
    }

    /// The connect request the OpenClaw 2026.9.6 CLI sends.
    pub fn connect_params(token: &str, scopes: &[&str], min: u32, max: u32) -> Value {
        json!({"minProtocol": min, "maxProtocol": max,
               "client": {"id": "cli", "version": "2026.9.6", "platform": "linux", "deviceFamily": "Linux",
                          "mode": "cli", "instanceId": uuid::Uuid::new_v4().to_string()},
               "caps": [], "auth": {"token": token}, "role": "operator", "scopes": scopes})
    }

    /// Opens, reads the challenge, connects with `scopes`; returns the client and `hello-ok`.
    pub async fn operator(t: &TestGateway, scopes: &[&str]) -> (WsClient, Value) {
        WsClient::operator_at(&t.base, TOKEN, scopes).await
    }

    /// [`WsClient::operator`] on the gateway at `base` with `token`.
    pub async fn operator_at(base: &str, token: &str, scopes: &[&str]) -> (WsClient, Value) {
        let mut c = WsClient::open_url(base, "/", &[]).await;
        let challenge = c.recv_json().await;
        assert_eq!(challenge["event"], "connect.challenge");
        let res = c
            .call("connect", Self::connect_params(token, scopes, 4, 4))
            .await;
        assert_eq!(res["ok"], true, "{res}");
        (c, res["payload"].clone())
    }
}

/// Full scopes, as `openclaw gateway call` with an admin profile.
pub const ALL: &[&str] = &["operator.admin", "operator.read", "operator.write"];

impl WsClient {
    /// Like [`WsClient::operator`], but also proving a device identity (Ed25519 key from
    /// `seed`), so the gateway sees a different credential than the shared-token client.
    pub async fn device_operator(t: &TestGateway, scopes: &[&str], seed: u8) -> (WsClient, Value) {
        use base64::Engine;
        use ed25519_dalek::{Signer, SigningKey};
        let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        let key = SigningKey::from_bytes(&[seed; 32]);
        let public = key.verifying_key().to_bytes();
        let id = clawgate::ws::handshake::device::device_id_for_key(&public);
        let mut c = WsClient::open(t, "/", &[]).await;
        let challenge = c.recv_json().await;
        let nonce = challenge["payload"]["nonce"].as_str().unwrap().to_string();
        let signed_at = chrono::Utc::now().timestamp_millis();
        let payload = format!(
            "v2|{id}|cli|cli|operator|{}|{signed_at}|{TOKEN}|{nonce}",
            scopes.join(",")
        );
        let mut params = Self::connect_params(TOKEN, scopes, 4, 4);
        params["device"] = json!({"id": id, "publicKey": b64(&public),
            "signature": b64(&key.sign(payload.as_bytes()).to_bytes()),
            "signedAt": signed_at, "nonce": nonce});
        let res = c.call("connect", params).await;
        assert_eq!(res["ok"], true, "{res}");
        (c, res["payload"].clone())
    }
}

/// The `CLAWGATE_FRAME_LOG` sink (test-side only). Each line is
/// `{"dir":"s2c","data":<frame>,"method"?:<method a res answers>,"dialect"?:"simple"}`, the
/// shape of the golden transcripts, so the validator reads both.
mod frame_log {
    use std::io::Write;
    use std::path::PathBuf;
    use std::sync::{Mutex, OnceLock};

    static WRITE: Mutex<()> = Mutex::new(());

    fn path() -> Option<&'static PathBuf> {
        static PATH: OnceLock<Option<PathBuf>> = OnceLock::new();
        PATH.get_or_init(|| {
            std::env::var_os("CLAWGATE_FRAME_LOG")
                .filter(|p| !p.is_empty())
                .map(PathBuf::from)
        })
        .as_ref()
    }

    /// Adds one frame the gateway sent (its raw compact JSON text) to `buf`, when
    /// `CLAWGATE_FRAME_LOG` is set.
    pub fn append(buf: &mut Vec<u8>, frame: &[u8], method: Option<&str>, simple: bool) {
        if path().is_none() {
            return;
        }
        buf.extend_from_slice(br#"{"dir":"s2c""#);
        if let Some(m) = method {
            buf.extend_from_slice(br#","method":"#);
            buf.extend_from_slice(serde_json::to_string(m).unwrap_or_default().as_bytes());
        }
        if simple {
            buf.extend_from_slice(br#","dialect":"simple""#);
        }
        buf.extend_from_slice(br#","data":"#);
        // The gateway sends compact JSON (serde_json never emits a raw newline).
        buf.extend_from_slice(frame);
        buf.extend_from_slice(b"}\n");
    }

    /// Appends `buf` to the log file in one write (whole lines only) and empties it.
    pub fn flush(buf: &mut Vec<u8>) {
        let Some(path) = path() else {
            return;
        };
        if buf.is_empty() {
            return;
        }
        let _guard = WRITE.lock().unwrap_or_else(|e| e.into_inner());
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = f.write_all(buf);
        }
        buf.clear();
    }
}
