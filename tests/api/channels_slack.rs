//! Slack: signed Events API requests in, `chat.postMessage` out (local fake Web API).

use crate::channels_telegram::wait_channel_state;
use crate::fake_slack;
use crate::helpers::{last_user_text, spawn_with, TestGateway};
use clawgate::channels::hmac::{hex, hmac_sha256};
use clawgate_bench::mock::Reply;
use serde_json::{json, Value};

const SIGNING_SECRET: &str = "slack-signing-secret";
const BOT_TOKEN: &str = "xoxb-test-token";

fn cfg(api: &str) -> String {
    format!(
        r#"channels: {{ slack: {{ botToken: "{BOT_TOKEN}", signingSecret: "{SIGNING_SECRET}", apiRoot: "{api}",
            dmPolicy: "open", allowFrom: ["*"], channels: {{ C1: {{ requireMention: true }} }} }} }},"#
    )
}

async fn post_event(t: &TestGateway, body: &Value, secret: &str, ts: i64) -> (u16, Value) {
    let raw = body.to_string();
    let sig = format!(
        "v0={}",
        hex(&hmac_sha256(
            secret.as_bytes(),
            format!("v0:{ts}:{raw}").as_bytes()
        ))
    );
    let mut resp = t
        .client()
        .post(t.url("/channels/slack/events"))
        .insert_header(("content-type", "application/json"))
        .insert_header(("x-slack-request-timestamp", ts.to_string()))
        .insert_header(("x-slack-signature", sig))
        .send_body(raw)
        .await
        .unwrap();
    let v = resp.json::<Value>().await.unwrap_or(Value::Null);
    (resp.status().as_u16(), v)
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[actix_web::test]
async fn url_verification_echoes_the_challenge_after_checking_the_signature() {
    let api = fake_slack::start().await;
    let t = spawn_with("openai-completions", "", &cfg(&api.url())).await;
    let body = json!({"type": "url_verification", "token": "legacy", "challenge": "abc123"});

    let (status, v) = post_event(&t, &body, SIGNING_SECRET, now()).await;

    assert_eq!(status, 200);
    assert_eq!(v, json!({"challenge": "abc123"}));
}

#[actix_web::test]
async fn bad_or_stale_signatures_are_rejected() {
    let api = fake_slack::start().await;
    let t = spawn_with("openai-completions", "", &cfg(&api.url())).await;
    let body = json!({"type": "url_verification", "challenge": "x"});

    let (wrong, _) = post_event(&t, &body, "not-the-secret", now()).await;
    let (stale, _) = post_event(&t, &body, SIGNING_SECRET, now() - 600).await;
    let unsigned = t
        .client()
        .post(t.url("/channels/slack/events"))
        .send_body(body.to_string())
        .await
        .unwrap();

    assert_eq!(wrong, 401);
    assert_eq!(stale, 401);
    assert_eq!(unsigned.status(), 401);
}

#[actix_web::test]
async fn a_direct_message_is_answered_in_the_same_conversation() {
    let api = fake_slack::start().await;
    let t = spawn_with("openai-completions", "", &cfg(&api.url())).await;
    wait_channel_state(&t, "slack", "connected").await;
    t.upstream.push(Reply::text("hi from the agent"));
    let ev = json!({"type": "event_callback", "event_id": "Ev1", "event": {"type": "message",
        "channel": "D9", "channel_type": "im", "user": "U1", "text": "hello bot", "ts": "1.000"}});

    let (status, _) = post_event(&t, &ev, SIGNING_SECRET, now()).await;
    let posted = api.wait_for("/chat.postMessage", 1).await;

    assert_eq!(status, 200);
    assert_eq!(posted.len(), 1);
    assert_eq!(
        posted[0].body,
        json!({"channel": "D9", "text": "hi from the agent"})
    );
    assert_eq!(
        posted[0].headers["authorization"],
        format!("Bearer {BOT_TOKEN}")
    );
    assert_eq!(last_user_text(&t.upstream.requests()[0].body), "hello bot");
}

#[actix_web::test]
async fn channel_messages_need_a_mention_and_replies_stay_in_the_thread() {
    let api = fake_slack::start().await;
    let t = spawn_with("openai-completions", "", &cfg(&api.url())).await;
    wait_channel_state(&t, "slack", "connected").await;
    t.upstream.push(Reply::text("threaded answer"));
    let plain = json!({"type": "event_callback", "event": {"type": "message", "channel": "C1",
        "channel_type": "channel", "user": "U1", "text": "just chatting", "ts": "5.0", "thread_ts": "4.0"}});
    let mention = json!({"type": "event_callback", "event": {"type": "app_mention", "channel": "C1",
        "user": "U1", "text": "<@UBOT> help", "ts": "6.0", "thread_ts": "4.0"}});
    let retry = mention.clone();

    post_event(&t, &plain, SIGNING_SECRET, now()).await;
    post_event(&t, &mention, SIGNING_SECRET, now()).await;
    post_event(&t, &retry, SIGNING_SECRET, now()).await;
    let posted = api.wait_for("/chat.postMessage", 1).await;

    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0].body["channel"], "C1");
    assert_eq!(posted[0].body["thread_ts"], "4.0");
    let reqs = t.upstream.requests();
    assert_eq!(
        reqs.len(),
        1,
        "the unmentioned message and the retry ran no turn"
    );
    assert_eq!(last_user_text(&reqs[0].body), "U1: <@UBOT> help");
    let key = "agent:main:slack:channel:c1:thread:4.0";
    assert!(t.store().get_session(key).await.unwrap().is_some());
}
