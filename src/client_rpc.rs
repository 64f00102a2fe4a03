//! The CLI's WebSocket RPC client: one connection per command — wait for
//! `connect.challenge`, `connect` as an operator with the shared token or password, send one
//! request, return its payload (or the gateway's error message), close.

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;

/// How long the whole exchange may take.
pub const RPC_TIMEOUT: Duration = Duration::from_secs(30);

/// Scopes the CLI asks for.
const SCOPES: &[&str] = &["operator.admin", "operator.read", "operator.write"];

/// Calls `method` on the gateway at `base` (`http(s)://…`), authenticating with `secret`.
pub async fn call(
    base: &str,
    secret: Option<&str>,
    method: &str,
    params: Value,
) -> Result<Value, String> {
    tokio::time::timeout(RPC_TIMEOUT, call_inner(base, secret, method, params))
        .await
        .map_err(|_| {
            format!(
                "no answer from the gateway within {} s",
                RPC_TIMEOUT.as_secs()
            )
        })?
}

async fn call_inner(
    base: &str,
    secret: Option<&str>,
    method: &str,
    params: Value,
) -> Result<Value, String> {
    let url = base
        .replacen("https://", "wss://", 1)
        .replacen("http://", "ws://", 1);
    let (_, mut ws) = awc::Client::builder()
        .timeout(RPC_TIMEOUT)
        .finish()
        .ws(format!("{url}/"))
        .max_frame_size(64 * 1024 * 1024)
        .connect()
        .await
        .map_err(|e| format!("cannot reach the gateway at {base}: {e}"))?;
    // The challenge comes first; a shared-secret client does not need its nonce.
    recv(&mut ws).await?;
    let auth = match secret {
        Some(s) => json!({"token": s, "password": s}),
        None => json!({}),
    };
    let connect = json!({"type": "req", "id": "connect", "method": "connect", "params": {
        "minProtocol": 3, "maxProtocol": 4,
        "client": {"id": "cli", "version": crate::state::VERSION, "platform": std::env::consts::OS,
                   "mode": "cli", "instanceId": uuid::Uuid::new_v4().to_string()},
        "caps": [], "auth": auth, "role": "operator", "scopes": SCOPES}});
    let req = json!({"type": "req", "id": "call", "method": method, "params": params});
    for frame in [connect, req] {
        let id = frame["id"].clone();
        ws.send(awc::ws::Message::Text(frame.to_string().into()))
            .await
            .map_err(|e| e.to_string())?;
        let res = loop {
            let v = recv(&mut ws).await?;
            if v["type"] == "res" && v["id"] == id {
                break v;
            }
        };
        if res["ok"] != true {
            let msg = res["error"]["message"].as_str().unwrap_or("request failed");
            return Err(msg.to_string());
        }
        if id == "call" {
            let _ = ws.send(awc::ws::Message::Close(None)).await;
            return Ok(res["payload"].clone());
        }
    }
    Err("no answer".into())
}

/// The next JSON text frame.
async fn recv<S>(ws: &mut S) -> Result<Value, String>
where
    S: futures_util::Stream<Item = Result<awc::ws::Frame, awc::error::WsProtocolError>> + Unpin,
{
    loop {
        match ws.next().await {
            Some(Ok(awc::ws::Frame::Text(b))) => {
                return serde_json::from_slice::<Value>(&b).map_err(|e| e.to_string())
            }
            Some(Ok(awc::ws::Frame::Close(r))) => {
                let why = r.and_then(|r| r.description).unwrap_or_default();
                return Err(format!("the gateway closed the connection: {why}"));
            }
            Some(Ok(_)) => continue,
            Some(Err(e)) => return Err(e.to_string()),
            None => return Err("the gateway closed the connection".into()),
        }
    }
}
