//! WebSocket RPC: the handshake matrix, scopes, origin check, sessions, shutdown and the
//! simple dialect, against the real gateway.

use crate::helpers::*;
use crate::ws_client::{Got, WsClient, ALL};
use base64::Engine;
use clawgate_bench::mock::Reply;
use ed25519_dalek::{Signer, SigningKey};
use serde_json::json;

async fn challenged(t: &TestGateway) -> (WsClient, String) {
    let mut c = WsClient::open(t, "/", &[]).await;
    let ch = c.recv_json().await;
    assert_eq!(ch["type"], "event");
    assert_eq!(ch["event"], "connect.challenge");
    let nonce = ch["payload"]["nonce"].as_str().unwrap().to_string();
    (c, nonce)
}

#[actix_web::test]
async fn the_cli_handshake_gets_hello_ok_with_the_requested_scopes_on_protocol_4_and_3() {
    let t = spawn().await;
    let (mut c, hello) = WsClient::operator(&t, &["operator.read"]).await;
    assert_eq!(hello["type"], "hello-ok");
    assert_eq!(hello["protocol"], 4);
    assert_eq!(
        hello["auth"],
        json!({"method": "token", "role": "operator", "scopes": ["operator.read"]})
    );
    assert_eq!(
        hello["policy"],
        json!({"maxPayload": 26214400, "maxBufferedBytes": 52428800, "tickIntervalMs": 15000,
               "attachments": {"maxBytes": 20971520, "maxImageBytes": 6291456}})
    );
    assert_eq!(
        hello["snapshot"]["sessionDefaults"]["mainSessionKey"],
        "agent:main:main"
    );
    assert!(
        hello["snapshot"].get("stateDir").is_none(),
        "paths are admin-only"
    );
    let methods = hello["features"]["methods"].as_array().unwrap();
    assert!(methods.contains(&json!("chat.send")));
    assert_eq!(c.call("health", json!({})).await["payload"]["ok"], true);

    // Protocol 3 is for nodes and probes only (see ws_protocol4.rs for the operator refusal).
    let (mut old, _) = challenged(&t).await;
    let mut params = WsClient::connect_params(TOKEN, &["operator.read"], 3, 3);
    params["client"]["mode"] = json!("probe");
    let res = old.call("connect", params).await;
    assert_eq!(res["payload"]["protocol"], 3);
}

#[actix_web::test]
async fn a_protocol_mismatch_is_refused_and_closed_1002() {
    let t = spawn().await;
    let (mut c, _) = challenged(&t).await;
    let res = c
        .call("connect", WsClient::connect_params(TOKEN, &[], 5, 6))
        .await;
    assert_eq!(res["ok"], false);
    assert_eq!(res["error"]["message"], "protocol mismatch");
    assert_eq!(res["error"]["details"]["expectedProtocol"], 4);
    assert_eq!(c.closed().await, (Some(1002), "protocol mismatch".into()));
}

#[actix_web::test]
async fn a_first_request_other_than_connect_is_refused() {
    let t = spawn().await;
    let (mut c, _) = challenged(&t).await;
    let res = c.call("health", json!({})).await;
    assert_eq!(res["error"]["code"], "INVALID_REQUEST");
    assert_eq!(
        res["error"]["message"],
        "invalid handshake: first request must be connect"
    );
    assert_eq!(c.closed().await.0, Some(1008));
}

#[actix_web::test]
async fn a_wrong_token_gets_openclaws_exact_error_and_close_1008() {
    let t = spawn().await;
    let (mut c, _) = challenged(&t).await;
    let res = c
        .call(
            "connect",
            WsClient::connect_params("wrong-token", &["operator.read"], 4, 4),
        )
        .await;
    // Byte-for-byte the golden `call-badtoken` error.
    assert_eq!(
        res["error"],
        json!({"code": "INVALID_REQUEST",
               "message": "unauthorized: gateway token mismatch (use this gateway's gateway.auth.token or pair the device)",
               "details": {"code": "AUTH_TOKEN_MISMATCH", "authReason": "token_mismatch",
                           "canRetryWithDeviceToken": false, "recommendedNextStep": "update_auth_credentials"}})
    );
    let (code, reason) = c.closed().await;
    assert_eq!(code, Some(1008));
    assert!(reason.starts_with("unauthorized: gateway token mismatch"));
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn device(key: &SigningKey, nonce: &str, signed: &str) -> serde_json::Value {
    let public = key.verifying_key().to_bytes();
    let id = clawgate::ws::handshake::device::device_id_for_key(&public);
    json!({"id": id, "publicKey": b64(&public), "signature": b64(&key.sign(signed.as_bytes()).to_bytes()),
           "signedAt": chrono::Utc::now().timestamp_millis(), "nonce": nonce})
}

#[actix_web::test]
async fn a_device_signature_over_the_wrong_payload_is_refused_and_a_valid_one_accepted() {
    let t = spawn().await;
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let (mut c, nonce) = challenged(&t).await;
    let mut params = WsClient::connect_params(TOKEN, &["operator.read"], 4, 4);
    params["device"] = device(&key, &nonce, "not the signed payload");
    let res = c.call("connect", params).await;
    assert_eq!(res["error"]["message"], "device signature invalid");
    assert_eq!(c.closed().await.0, Some(1008));

    let (mut c, nonce) = challenged(&t).await;
    let mut params = WsClient::connect_params(TOKEN, &["operator.read"], 4, 4);
    let mut d = device(&key, &nonce, "");
    let payload = format!(
        "v2|{}|cli|cli|operator|operator.read|{}|{TOKEN}|{nonce}",
        d["id"].as_str().unwrap(),
        d["signedAt"]
    );
    d["signature"] = json!(b64(&key.sign(payload.as_bytes()).to_bytes()));
    params["device"] = d;
    let res = c.call("connect", params).await;
    assert_eq!(res["ok"], true, "{res}");
}

#[actix_web::test]
async fn an_oversized_pre_auth_frame_is_closed_1009_without_an_answer() {
    let t = spawn().await;
    let (mut c, _) = challenged(&t).await;
    c.send_text(format!(
        r#"{{"type":"req","id":"1","method":"connect","params":{{"pad":"{}"}}}}"#,
        "x".repeat(70_000)
    ))
    .await;
    assert_eq!(
        c.closed().await,
        (Some(1009), "preauth payload too large".into())
    );
}

#[actix_web::test]
async fn a_silent_socket_is_closed_after_the_handshake_timeout() {
    let t = spawn_with("openai-completions", "ws: { handshakeTimeoutMs: 200 }", "").await;
    let (mut c, _) = challenged(&t).await;
    assert_eq!(c.closed().await, (Some(1008), "handshake timeout".into()));
}

#[actix_web::test]
async fn a_hostile_page_origin_is_refused_but_an_allowed_one_connects() {
    let t = spawn_with(
        "openai-completions",
        r#"controlUi: { allowedOrigins: ["https://ui.example.com"] }"#,
        "",
    )
    .await;
    let mut c = WsClient::open(&t, "/", &[("origin", "https://evil.example")]).await;
    c.recv_json().await;
    let res = c
        .call("connect", WsClient::connect_params(TOKEN, ALL, 4, 4))
        .await;
    assert_eq!(
        res["error"]["details"]["code"],
        "CONTROL_UI_ORIGIN_NOT_ALLOWED"
    );
    assert_eq!(c.closed().await.0, Some(1008));

    let mut ok = WsClient::open(&t, "/", &[("origin", "https://ui.example.com")]).await;
    ok.recv_json().await;
    assert_eq!(
        ok.call("connect", WsClient::connect_params(TOKEN, ALL, 4, 4))
            .await["ok"],
        true
    );
}

#[actix_web::test]
async fn scopes_decide_what_a_client_may_call_and_unknown_methods_get_the_golden_error() {
    let t = spawn().await;
    let (mut none, _) = WsClient::operator(&t, &[]).await;
    assert_eq!(none.call("health", json!({})).await["ok"], true);
    let res = none.call("status", json!({})).await;
    assert_eq!(
        res["error"],
        json!({"code": "FORBIDDEN", "message": "missing scope: operator.read",
               "details": {"code": "MISSING_SCOPE", "missingScope": "operator.read", "requiredScopes": ["operator.read"]}})
    );
    let (mut read, _) = WsClient::operator(&t, &["operator.read"]).await;
    assert_eq!(read.call("status", json!({})).await["ok"], true);
    let res = read
        .call(
            "chat.send",
            json!({"sessionKey": "main", "message": "hi", "idempotencyKey": "x"}),
        )
        .await;
    assert_eq!(res["error"]["message"], "missing scope: operator.write");
    let res = read.call("no.such.method", json!({})).await;
    assert_eq!(
        res["error"],
        json!({"code": "INVALID_REQUEST", "message": "unknown method: no.such.method"})
    );
}

#[actix_web::test]
async fn sessions_can_be_created_patched_reset_and_deleted_but_not_the_main_one() {
    let t = spawn().await;
    let (mut c, _) = WsClient::operator(&t, ALL).await;
    assert_eq!(
        c.call("sessions.subscribe", json!({})).await["payload"]["subscribed"],
        true
    );
    let id = c
        .req("sessions.create", json!({"key": "work", "label": "Work"}))
        .await;
    let (created, seen) = c.until(|v| v["id"] == id.as_str()).await;
    assert_eq!(created["payload"]["key"], "agent:main:work");
    let changed = match seen.into_iter().find(|v| v["event"] == "sessions.changed") {
        Some(v) => v,
        None => c.until(|v| v["event"] == "sessions.changed").await.0,
    };
    assert_eq!(changed["payload"]["reason"], "create");
    assert!(changed["seq"].as_u64().is_some());
    let patched = c
        .call(
            "sessions.patch",
            json!({"key": "agent:main:work", "thinkingLevel": "low", "label": null}),
        )
        .await;
    assert_eq!(patched["payload"]["entry"]["thinkingLevel"], "low");
    assert_eq!(
        patched["payload"]["entry"]["label"],
        serde_json::Value::Null
    );
    let listed = c.call("sessions.list", json!({"limit": 10})).await;
    assert_eq!(listed["payload"]["sessions"][0]["key"], "agent:main:work");
    let before = c.call("sessions.get", json!({"key": "work"})).await["payload"]["entry"]
        ["sessionId"]
        .clone();
    let reset = c.call("sessions.reset", json!({"key": "work"})).await;
    assert_ne!(reset["payload"]["entry"]["sessionId"], before);
    let main = c.call("sessions.delete", json!({"key": "main"})).await;
    assert_eq!(
        main["error"]["message"],
        "Cannot delete the main session (agent:main:main)."
    );
    let del = c.call("sessions.delete", json!({"key": "work"})).await;
    assert_eq!(del["payload"]["deleted"], true);
    assert!(t
        .store()
        .get_session("agent:main:work")
        .await
        .unwrap()
        .is_none());
}

#[actix_web::test]
async fn a_hostile_origin_is_refused_before_auth_and_a_rebinding_host_is_not_trusted() {
    let t = spawn().await;
    // A wrong secret from a hostile page gets the origin refusal: nothing about the secret.
    let mut c = WsClient::open(&t, "/", &[("origin", "https://evil.example")]).await;
    c.recv_json().await;
    let res = c
        .call(
            "connect",
            WsClient::connect_params("wrong-token", ALL, 4, 4),
        )
        .await;
    assert_eq!(
        res["error"]["details"]["code"], "CONTROL_UI_ORIGIN_NOT_ALLOWED",
        "{res}"
    );
    // DNS rebinding: the page's origin equals the Host it sends.
    let port = t.url("").rsplit(':').next().unwrap().to_string();
    let host = format!("evil.example:{port}");
    let origin = format!("http://{host}");
    let mut c = WsClient::open(&t, "/", &[("origin", &origin), ("host", &host)]).await;
    c.recv_json().await;
    let res = c
        .call("connect", WsClient::connect_params(TOKEN, ALL, 4, 4))
        .await;
    assert_eq!(
        res["error"]["details"]["code"], "CONTROL_UI_ORIGIN_NOT_ALLOWED",
        "{res}"
    );
}

#[actix_web::test]
async fn browser_pages_on_loopback_are_rate_limited_apart_from_other_local_clients() {
    let t = spawn().await;
    for _ in 0..10 {
        let mut c = WsClient::open(&t, "/", &[("origin", "http://localhost:5173")]).await;
        c.recv_json().await;
        let res = c
            .call("connect", WsClient::connect_params("guess", ALL, 4, 4))
            .await;
        assert_eq!(res["ok"], false);
    }
    let mut c = WsClient::open(&t, "/", &[("origin", "http://localhost:5173")]).await;
    c.recv_json().await;
    let res = c
        .call("connect", WsClient::connect_params(TOKEN, ALL, 4, 4))
        .await;
    assert_eq!(
        res["ok"], false,
        "the page is locked out even with the right token: {res}"
    );
    // The local CLI (no Origin) is not locked out by the page.
    let (_, hello) = WsClient::operator(&t, ALL).await;
    assert_eq!(hello["type"], "hello-ok", "{hello}");
}

#[actix_web::test]
async fn config_get_redacts_secrets() {
    let t = spawn().await;
    let (mut c, _) = WsClient::operator(&t, ALL).await;
    let res = c.call("config.get", json!({})).await;
    let text = res.to_string();
    assert!(
        !text.contains(TOKEN) && !text.contains("sk-upstream-secret"),
        "{text}"
    );
    assert_eq!(
        res["payload"]["config"]["gateway"]["auth"]["token"],
        "__OPENCLAW_REDACTED__"
    );
}

#[actix_web::test]
async fn config_get_redacts_provider_headers_and_env_values_for_a_read_only_client() {
    let t = spawn_with(
        "openai-completions",
        "",
        r#"env: { EXTRA_PROVIDER_KEY: "env-secret-123" },
           models: { providers: { other: { baseUrl: "http://127.0.0.1:9/v1",
             headers: { "x-api-key": "hdr-secret-456", "X-Org": "org-1" }, models: [{ id: "m" }] } } }"#,
    )
    .await;
    let (mut c, _) = WsClient::operator(&t, &["operator.read"]).await;
    let res = c.call("config.get", json!({})).await;
    let text = res.to_string();
    assert!(
        !text.contains("hdr-secret-456") && !text.contains("env-secret-123"),
        "{text}"
    );
    let headers = &res["payload"]["config"]["models"]["providers"]["other"]["headers"];
    assert_eq!(headers["x-api-key"], "__OPENCLAW_REDACTED__", "{headers}");
}

#[actix_web::test]
async fn clients_are_told_when_the_gateway_shuts_down() {
    let t = spawn().await;
    let (mut c, _) = WsClient::operator(&t, &["operator.read"]).await;
    let _ = t.stop().await;
    let (ev, _) = c.until(|v| v["event"] == "shutdown").await;
    assert_eq!(ev["payload"]["reason"], "gateway stopping");
    assert_eq!(c.closed().await.0, Some(1012));
}

#[actix_web::test]
async fn the_simple_dialect_streams_a_chat_run_authenticated_by_the_query_token() {
    let t = spawn().await;
    t.upstream
        .push(Reply::chunks(&["Hel", "lo", "!"]).with_usage(10, 3));
    let mut c = WsClient::open(&t, &format!("/?token={TOKEN}"), &[]).await;
    assert_eq!(c.recv_json().await["event"], "connect.challenge");
    c.send(json!({"method": "chat.run", "params": {"message": "Hi", "sessionKey": "s1", "options": {"thinking": "low"}}, "id": 1}))
        .await;
    let connected = c.recv_json().await;
    assert_eq!(connected["type"], "connected");
    assert_eq!(
        connected["data"]["capabilities"],
        json!(["chat", "channels"])
    );
    let result = c.recv_json().await;
    assert_eq!(result["id"], 1);
    let run_id = result["result"]["runId"].as_str().unwrap().to_string();
    let (done, before) = c.until(|v| v["type"] == "chat.done").await;
    let deltas: String = before
        .iter()
        .filter(|v| v["type"] == "chat.delta")
        .map(|v| v["data"]["delta"].as_str().unwrap())
        .collect();
    assert_eq!(deltas, "Hello!");
    assert_eq!(done["data"]["runId"], run_id.as_str());
    assert_eq!(done["data"]["sessionKey"], "agent:main:s1");
    assert_eq!(
        done["data"]["usage"],
        json!({"promptTokens": 10, "completionTokens": 3, "totalTokens": 13})
    );

    c.send(json!({"method": "session.list", "id": "two"})).await;
    let list = c.recv_json().await;
    assert_eq!(list["id"], "two");
    assert_eq!(list["result"]["sessions"][0]["key"], "agent:main:s1");
    c.send(json!({"method": "system.status", "id": 3})).await;
    assert!(c.recv_json().await["result"]["uptimeMs"].is_u64());
    c.send(json!({"method": "channel.list", "id": 4})).await;
    assert_eq!(c.recv_json().await["result"], json!({"channels": []}));
    // Browser control is off unless configured: the method exists and says so.
    c.send(json!({"method": "browser.screenshot", "id": 5}))
        .await;
    let off = c.recv_json().await;
    assert_eq!(off["error"]["code"], "unavailable", "{off}");
    assert!(off["error"]["message"]
        .as_str()
        .unwrap()
        .contains("browser control is disabled"));
}

#[actix_web::test]
async fn the_simple_dialect_refuses_a_missing_token_and_accepts_the_bearer_header() {
    let t = spawn().await;
    let mut c = WsClient::open(&t, "/", &[]).await;
    c.recv_json().await;
    c.send(json!({"method": "system.status", "id": 1})).await;
    let res = c.recv_json().await;
    assert_eq!(res["error"]["code"], "unauthorized");
    assert_eq!(c.closed().await.0, Some(1008));

    let bearer = format!("Bearer {TOKEN}");
    let mut c = WsClient::open(&t, "/any/path", &[("authorization", bearer.as_str())]).await;
    c.recv_json().await;
    c.send(json!({"method": "session.get", "params": {"sessionKey": "nope"}, "id": 1}))
        .await;
    assert_eq!(c.recv_json().await["type"], "connected");
    assert!(
        matches!(c.recv().await, Got::Json(v) if v["error"]["message"] == "session not found: agent:main:nope")
    );
}

#[actix_web::test]
async fn a_pre_auth_frame_announcing_megabytes_is_cut_after_a_small_budget() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let t = spawn().await;
    let addr = t.base.trim_start_matches("http://").to_string();
    let mut sock = tokio::net::TcpStream::connect(addr).await.unwrap();
    sock.write_all(
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    )
    .await
    .unwrap();
    // Read the 101 head (the challenge frame may follow in the same read).
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = sock.read(&mut buf).await.unwrap();
        assert!(n > 0, "closed before the upgrade");
        head.extend_from_slice(&buf[..n]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    // One text frame announcing 24 MiB (masked, as a client must), then 256 KiB of it: an
    // unauthenticated socket must not be allowed to make the server buffer the rest.
    let mut frame = vec![0x81u8, 0x80 | 127];
    frame.extend_from_slice(&(24u64 << 20).to_be_bytes());
    frame.extend_from_slice(&[0, 0, 0, 0]);
    sock.write_all(&frame).await.unwrap();
    let (mut rd, mut wr) = sock.into_split();
    let writer = actix_web::rt::spawn(async move {
        let chunk = vec![b'x'; 8192];
        for _ in 0..32 {
            if wr.write_all(&chunk).await.is_err() {
                break;
            }
        }
        wr
    });
    // The server answers with a close frame (1009) and ends the connection, long before
    // 24 MiB could arrive. Bounded so the pre-fix behaviour (waiting for the whole frame)
    // fails the test instead of hanging it.
    let mut got = head;
    let read_all = async {
        loop {
            match rd.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), read_all)
        .await
        .expect("the server cut the socket");
    let _ = writer.await;
    let close = got
        .windows(4)
        .position(|w| w[0] == 0x88 && w[2..4] == 1009u16.to_be_bytes())
        .map(|i| String::from_utf8_lossy(&got[i + 4..]).into_owned());
    assert!(
        close
            .as_deref()
            .is_some_and(|r| r.starts_with("preauth payload too large")),
        "close 1009 sent: {close:?}"
    );
}

#[actix_web::test]
async fn one_address_holds_a_bounded_number_of_unauthenticated_sockets() {
    let t = spawn_with(
        "openai-completions",
        "ws: { maxUnauthenticatedPerAddress: 2 }",
        "",
    )
    .await;
    let url = format!("ws{}/", t.base.trim_start_matches("http"));
    let try_upgrade = || async {
        match awc::Client::new().ws(url.clone()).connect().await {
            Ok(_) => 101,
            Err(awc::error::WsClientError::InvalidResponseStatus(s)) => s.as_u16(),
            Err(e) => panic!("{e}"),
        }
    };
    let (mut first, nonce) = challenged(&t).await;
    let (_second, _) = challenged(&t).await;
    assert_eq!(
        try_upgrade().await,
        429,
        "a third waiting socket is refused"
    );
    // Authenticating gives the slot back.
    let res = first
        .call(
            "connect",
            WsClient::connect_params(TOKEN, &["operator.read"], 4, 4),
        )
        .await;
    assert_eq!(res["ok"], true, "{res} ({nonce})");
    let (_third, _) = challenged(&t).await;
    // And so does closing.
    drop(_third);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while try_upgrade().await != 101 {
        assert!(
            std::time::Instant::now() < deadline,
            "a closed socket's slot came back"
        );
    }
}
