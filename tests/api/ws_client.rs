//! A small WebSocket test client speaking both dialects (awc + JSON frames).

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
        let url = format!("ws{}{}", t.base.trim_start_matches("http"), path);
        let mut req = awc::Client::builder()
            .timeout(Duration::from_secs(20))
            .finish()
            .ws(url)
            .max_frame_size(64 * 1024 * 1024);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let (_, framed) = req.connect().await.expect("ws connect");
        WsClient { framed, next_id: 1 }
    }

    /// Sends one text frame.
    pub async fn send_text(&mut self, text: String) {
        self.framed
            .send(Message::Text(text.into()))
            .await
            .expect("ws send");
    }

    pub async fn send(&mut self, v: Value) {
        self.send_text(v.to_string()).await;
    }

    /// The next JSON frame or the close (10 s timeout).
    pub async fn recv(&mut self) -> Got {
        loop {
            let next = tokio::time::timeout(Duration::from_secs(10), self.framed.next())
                .await
                .expect("no frame within 10 s");
            match next {
                Some(Ok(Frame::Text(b))) => return Got::Json(serde_json::from_slice(&b).unwrap()),
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
        let mut c = WsClient::open(t, "/", &[]).await;
        let challenge = c.recv_json().await;
        assert_eq!(challenge["event"], "connect.challenge");
        let res = c
            .call("connect", Self::connect_params(TOKEN, scopes, 4, 4))
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
