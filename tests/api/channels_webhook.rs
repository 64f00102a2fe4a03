//! The generic webhook channel: signed inbound POSTs, replies to an SSRF-guarded callback.

use crate::fake_http::FakeHttp;
use crate::helpers::{last_user_text, spawn_with, TOKEN};
use crate::ws_client::WsClient;
use clawgate::channels::hmac::{hex, hmac_sha256};
use clawgate_bench::mock::Reply;
use serde_json::{json, Value};

const SECRET: &str = "hook-secret-1";

fn cfg(callback: &str, allow_private: bool) -> String {
    format!(
        r#"channels: {{ webhook: {{ secret: "{SECRET}", callbackUrl: "{callback}/reply", allowPrivateNetwork: {allow_private}, dmPolicy: "open", allowFrom: ["*"] }} }},"#
    )
}

async fn callback() -> FakeHttp {
    FakeHttp::start(|_, _| (200, json!({"messageId": "cb-1"}))).await
}

#[actix_web::test]
async fn an_inbound_post_runs_a_turn_and_the_reply_is_posted_signed_to_the_callback() {
    let cb = callback().await;
    let t = spawn_with("openai-completions", "", &cfg(&cb.url(), true)).await;
    t.upstream.push(Reply::text("pong"));

    let mut resp = t
        .client()
        .post(t.url("/channels/webhook/default"))
        .insert_header(("authorization", format!("Bearer {SECRET}")))
        .send_json(
            &json!({"chatId": "room-7", "senderId": "u1", "text": "ping", "threadId": "t-3"}),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    assert_eq!(resp.json::<Value>().await.unwrap()["accepted"], true);
    let got = cb.wait_for("/reply", 1).await;

    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.body["to"], "room-7");
    assert_eq!(r.body["text"], "pong");
    assert_eq!(r.body["threadId"], "t-3");
    assert_eq!(r.body["channel"], "webhook");
    let expected = format!("sha256={}", hex(&hmac_sha256(SECRET.as_bytes(), &r.raw)));
    assert_eq!(r.headers["x-clawgate-signature"], expected);
    assert_eq!(last_user_text(&t.upstream.requests()[0].body), "ping");
}

#[actix_web::test]
async fn inbound_posts_need_the_secret_or_a_valid_signature() {
    let cb = callback().await;
    let t = spawn_with("openai-completions", "", &cfg(&cb.url(), true)).await;
    t.upstream.push(Reply::text("signed ok"));
    let body = json!({"senderId": "u2", "text": "via hmac"}).to_string();

    let wrong = t
        .client()
        .post(t.url("/channels/webhook/default"))
        .insert_header(("authorization", "Bearer nope"))
        .send_body(body.clone())
        .await
        .unwrap();
    let unknown = t
        .client()
        .post(t.url("/channels/webhook/other"))
        .insert_header(("authorization", format!("Bearer {SECRET}")))
        .send_body(body.clone())
        .await
        .unwrap();
    let sig = format!(
        "sha256={}",
        hex(&hmac_sha256(SECRET.as_bytes(), body.as_bytes()))
    );
    let signed = t
        .client()
        .post(t.url("/channels/webhook/default"))
        .insert_header(("x-clawgate-signature", sig))
        .send_body(body)
        .await
        .unwrap();

    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 404);
    assert_eq!(signed.status(), 202);
    let got = cb.wait_for("/reply", 1).await;
    assert_eq!(got[0].body["to"], "u2");
    assert_eq!(
        t.upstream.request_count(),
        1,
        "only the authenticated post ran a turn"
    );
}

#[actix_web::test]
async fn a_loopback_callback_is_refused_without_allow_private_network() {
    let cb = callback().await;
    let t = spawn_with("openai-completions", "", &cfg(&cb.url(), false)).await;
    let mut c = WsClient::open(&t, "/", &[("authorization", &format!("Bearer {TOKEN}"))]).await;

    c.send(
        json!({"method": "send", "id": 1, "params": {"channel": "webhook", "to": "room",
        "message": "hello", "idempotencyKey": "w-1"}}),
    )
    .await;
    let (res, _) = c.until(|v| v["id"] == 1).await;

    let msg = res["error"]["message"].as_str().unwrap();
    assert!(msg.contains("private or reserved address"), "{msg}");
    assert!(cb.requests().is_empty());
}

#[actix_web::test]
async fn send_delivers_through_the_callback_and_returns_its_message_id() {
    let cb = callback().await;
    let t = spawn_with("openai-completions", "", &cfg(&cb.url(), true)).await;
    let mut c = WsClient::open(&t, "/", &[("authorization", &format!("Bearer {TOKEN}"))]).await;

    c.send(json!({"method": "send", "id": 1, "params": {"to": "room-9",
        "message": "alert", "silent": true, "idempotencyKey": "w-2"}}))
        .await;
    let (res, _) = c.until(|v| v["id"] == 1).await;

    assert_eq!(res["result"]["messageIds"], json!(["cb-1"]), "{res}");
    assert_eq!(res["result"]["channel"], "webhook");
    let got = cb.to("/reply");
    assert_eq!(got[0].body["to"], "room-9");
    assert_eq!(got[0].body["silent"], true);
}

#[actix_web::test]
async fn a_hook_with_deliver_sends_its_reply_through_the_channel_connector() {
    let cb = callback().await;
    let top = format!(
        "{} hooks: {{ enabled: true, token: \"hooks-token-9\" }},",
        cfg(&cb.url(), true)
    );
    let t = spawn_with("openai-completions", "", &top).await;
    t.upstream.push(Reply::text("inbox summarised"));
    let mut resp = t
        .client()
        .post(t.url("/hooks/agent"))
        .insert_header(("authorization", "Bearer hooks-token-9"))
        .send_json(&json!({"message": "summarise inbox", "name": "Email", "deliver": true, "channel": "webhook", "to": "room-42"}))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap()["ok"], true);
    let got = cb.wait_for("/reply", 1).await;
    assert_eq!(got[0].body["to"], "room-42");
    assert_eq!(got[0].body["text"], "inbox summarised");
}
