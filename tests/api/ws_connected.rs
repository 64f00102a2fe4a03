//! The simple dialect's `connected` event (seed 003): sent as soon as the socket opens when the
//! upgrade already carries valid credentials, never to OpenClaw protocol clients (which
//! authenticate inside `connect`), never for wrong credentials.

use crate::helpers::*;
use crate::ws_client::WsClient;
use clawgate_bench::mock::Reply;
use serde_json::json;

fn assert_connected_shape(v: &serde_json::Value) {
    assert_eq!(v["type"], "connected", "{v}");
    let d = &v["data"];
    assert!(!d["clientId"].as_str().unwrap().is_empty(), "{v}");
    assert_eq!(d["gatewayVersion"], clawgate::state::VERSION);
    assert!(d["capabilities"]
        .as_array()
        .unwrap()
        .contains(&json!("chat")));
    // Browser control is off unless configured, so it is not offered.
    assert!(!d["capabilities"]
        .as_array()
        .unwrap()
        .contains(&json!("browser")));
}

#[actix_web::test]
async fn a_client_with_a_bearer_header_is_told_it_is_connected_before_it_sends_anything() {
    let t = spawn().await;
    t.upstream.push(Reply::chunks(&["Hel", "lo"]));
    let bearer = format!("Bearer {TOKEN}");
    let mut c = WsClient::open(&t, "/", &[("authorization", bearer.as_str())]).await;
    assert_eq!(c.recv_json().await["event"], "connect.challenge");
    let connected = c.recv_json().await;
    assert_connected_shape(&connected);

    // The first request is answered directly: no second `connected`.
    c.send(json!({"method": "chat.run", "params": {"message": "Hi", "sessionKey": "s1"}, "id": 1}))
        .await;
    let res = c.recv_json().await;
    assert_eq!(res["id"], 1, "{res}");
    let (done, skipped) = c.until(|v| v["type"] == "chat.done").await;
    assert_eq!(done["data"]["text"], "Hello");
    assert!(skipped.iter().all(|v| v["type"] != "connected"));
}

#[actix_web::test]
async fn the_query_token_and_password_also_announce_the_connection() {
    let t = spawn().await;
    let mut c = WsClient::open(&t, &format!("/?token={TOKEN}"), &[]).await;
    c.recv_json().await;
    assert_connected_shape(&c.recv_json().await);

    let upstream = clawgate_bench::mock::MockUpstream::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = format!(
        r#"{{ gateway: {{ auth: {{ mode: "password", password: "pw-123" }} }},
              models: {{ providers: {{ mock: {{ baseUrl: "{}", api: "openai-completions", models: [{{ id: "m" }}] }} }} }} }}"#,
        upstream.base_url()
    );
    let t = start_gateway(upstream, dir, &cfg).await;
    let mut c = WsClient::open(&t, "/?password=pw-123", &[]).await;
    c.recv_json().await;
    assert_connected_shape(&c.recv_json().await);
}

#[actix_web::test]
async fn wrong_upgrade_credentials_get_no_connected_event() {
    let t = spawn().await;
    let mut c = WsClient::open(&t, "/?token=wrong", &[]).await;
    assert_eq!(c.recv_json().await["event"], "connect.challenge");
    c.send(json!({"method": "system.status", "id": 1})).await;
    let next = c.recv_json().await;
    assert_eq!(next["error"]["code"], "unauthorized", "{next}");
    assert_eq!(c.closed().await.0, Some(1008));
}

#[actix_web::test]
async fn openclaw_protocol_clients_never_see_the_connected_event() {
    let t = spawn().await;
    let mut c = WsClient::open(&t, "/", &[]).await;
    let challenge = c.recv_json().await;
    assert_eq!(challenge["event"], "connect.challenge");
    let mut seen = Vec::new();
    for (method, params) in [
        (
            "connect",
            WsClient::connect_params(TOKEN, &["operator.read"], 4, 4),
        ),
        ("health", json!({})),
    ] {
        let id = c.req(method, params).await;
        let (res, skipped) = c.until(|v| v["type"] == "res" && v["id"] == id).await;
        assert_eq!(res["ok"], true, "{res}");
        seen.extend(skipped);
        seen.push(res);
    }
    assert!(seen.iter().any(|v| v["payload"]["type"] == "hello-ok"));
    assert!(seen.iter().all(|v| v["type"] != "connected"), "{seen:?}");
}
