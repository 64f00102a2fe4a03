//! `/v1/channels` (seed 003): list, status, and enable/disable that stops and starts the
//! connector and survives a restart.

use crate::fake_http::FakeHttp;
use crate::helpers::*;
use serde_json::{json, Value};

fn cfg(callback: &str) -> String {
    format!(
        r#"channels: {{ webhook: {{ secret: "s3cret", callbackUrl: "{callback}/reply", allowPrivateNetwork: true, dmPolicy: "open", allowFrom: ["*"] }} }},"#
    )
}

async fn get_json(t: &TestGateway, path: &str) -> (u16, Value) {
    let mut resp = t.get(path).send().await.unwrap();
    let b = resp.body().limit(1 << 20).await.unwrap();
    (
        resp.status().as_u16(),
        serde_json::from_slice(&b).unwrap_or(Value::Null),
    )
}

async fn send_via_ws(t: &TestGateway, idk: &str) -> Value {
    let (mut c, _) = crate::ws_client::WsClient::operator(t, crate::ws_client::ALL).await;
    c.call(
        "send",
        json!({"channel": "webhook", "to": "room-1", "message": "hi", "idempotencyKey": idk}),
    )
    .await
}

#[actix_web::test]
async fn a_disabled_channel_stays_disabled_after_a_restart_until_enabled() {
    let cb = FakeHttp::start(|_, _| (200, json!({"messageId": "m-1"}))).await;
    let extra = cfg(&cb.url());
    let t = spawn_with("openai-completions", "", &extra).await;
    let (s, v) = get_json(&t, "/v1/channels").await;
    assert_eq!(s, 200, "{v}");
    let webhook = &v["channels"][0];
    assert_eq!(webhook["id"], "webhook");
    assert_eq!(webhook["enabled"], true);
    assert_eq!(send_via_ws(&t, "k1").await["ok"], true);

    let (s, _, off) = t.post_json("/v1/channels/webhook/disable", json!({})).await;
    assert_eq!(s, 200, "{off}");
    assert_eq!(off["enabled"], false);
    assert_eq!(off["status"], "disabled");
    let refused = send_via_ws(&t, "k2").await;
    assert_eq!(refused["ok"], false, "{refused}");

    let (upstream, dir) = t.stop().await;
    let t = spawn_in(upstream, dir, "openai-completions", "", &extra).await;
    let (_, v) = get_json(&t, "/v1/channels/webhook/status").await;
    assert_eq!(v["enabled"], false, "{v}");
    assert_eq!(v["status"], "disabled");
    assert_eq!(send_via_ws(&t, "k3").await["ok"], false);

    let (s, _, on) = t.post_json("/v1/channels/webhook/enable", json!({})).await;
    assert_eq!(s, 200, "{on}");
    assert_eq!(on["enabled"], true);
    assert_eq!(send_via_ws(&t, "k4").await["ok"], true);
    assert_eq!(cb.wait_for("/reply", 2).await.len(), 2);

    let (s, v) = get_json(&t, "/v1/channels/sms/status").await;
    assert_eq!(s, 404);
    assert_eq!(v["error"]["code"], "not_found");
    let (s, _, v) = t.post_json("/v1/channels/nope/enable", json!({})).await;
    assert_eq!(s, 404, "{v}");
}
