//! Slack Socket Mode: `apps.connections.open` with the app-level token, envelopes over the
//! WebSocket acknowledged by id, events routed like the HTTP Events API, replies through
//! `chat.postMessage`, and a fresh socket after `disconnect` (local fake of both).

use crate::channels_telegram::wait_channel_state;
use crate::fake_slack_socket::{FakeSlackSocket, APP_TOKEN, BOT_TOKEN};
use crate::helpers::{last_user_text, spawn_with, TestGateway};
use clawgate_bench::mock::Reply;
use serde_json::json;

async fn gateway(fake: &FakeSlackSocket) -> TestGateway {
    let top = format!(
        r#"channels: {{ slack: {{ mode: "socket", appToken: "{APP_TOKEN}", botToken: "{BOT_TOKEN}",
            apiRoot: "{}", dmPolicy: "open", allowFrom: ["*"] }} }},"#,
        fake.api_root()
    );
    let t = spawn_with("openai-completions", "", &top).await;
    let status = wait_channel_state(&t, "slack", "connected").await;
    assert_eq!(status["channels"]["slack"], "connected", "{status}");
    t
}

pub fn dm(user: &str, text: &str, ts: &str) -> serde_json::Value {
    json!({"type": "message", "channel": "D1", "channel_type": "im", "user": user,
        "text": text, "ts": ts})
}

#[actix_web::test]
async fn a_direct_message_over_the_socket_is_acked_and_answered_with_post_message() {
    let fake = FakeSlackSocket::start().await;
    let t = gateway(&fake).await;
    t.upstream.push(Reply::text("hello over the socket"));

    let id = fake.send_event(dm("U1", "hi from socket mode", "1700000001.000100"));
    let posted = fake.wait(|l| !l.posted.is_empty()).await;

    assert!(posted, "no chat.postMessage");
    assert!(
        fake.with_log(|l| l.acks.contains(&id)),
        "envelope not acked"
    );
    assert!(fake.unacked().is_empty());
    let body = fake.with_log(|l| l.posted[0].clone());
    assert_eq!(body["channel"], "D1");
    assert_eq!(body["text"], "hello over the socket");
    assert_eq!(
        last_user_text(&t.upstream.requests()[0].body),
        "hi from socket mode"
    );
    assert_eq!(
        fake.with_log(|l| l.refused),
        0,
        "tokens used for the right calls"
    );
}

#[actix_web::test]
async fn after_a_disconnect_the_connector_opens_a_fresh_socket_and_keeps_answering() {
    let fake = FakeSlackSocket::start().await;
    let t = gateway(&fake).await;
    t.upstream.push(Reply::text("first"));
    t.upstream.push(Reply::text("second"));
    fake.send_event(dm("U1", "one", "1700000001.000100"));
    assert!(fake.wait(|l| l.posted.len() == 1).await);

    fake.disconnect();
    assert!(
        fake.wait(|l| l.opens == 2 && l.connections.len() == 2)
            .await,
        "no reconnect: {:?}",
        fake.with_log(|l| (l.opens, l.connections.clone()))
    );
    let second = fake.send_event(dm("U1", "two", "1700000002.000100"));
    let answered = fake.wait(|l| l.posted.len() == 2).await;

    assert!(answered, "the message after the reconnect was not answered");
    assert_eq!(
        fake.with_log(|l| l.connections.clone()),
        vec![1, 2],
        "a fresh URL each time"
    );
    assert!(fake.with_log(|l| l.acks.contains(&second)));
    assert!(fake.unacked().is_empty(), "unacked: {:?}", fake.unacked());
    assert_eq!(fake.with_log(|l| l.posted[1]["text"].clone()), "second");
}
