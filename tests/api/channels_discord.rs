//! Discord: the connector's Gateway session against a local fake Gateway (heartbeats,
//! IDENTIFY, dispatch, forced reconnect → RESUME) and REST replies to a fake API.

use crate::channels_telegram::wait_channel_state;
use crate::fake_discord::{FakeDiscord, BOT_ID, SESSION_ID};
use crate::fake_http::FakeHttp;
use crate::helpers::{last_user_text, spawn_with, TestGateway, TOKEN};
use crate::ws_client::WsClient;
use clawgate_bench::mock::Reply;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

const DISCORD_TOKEN: &str = "discord-bot-token";

pub async fn fake_rest() -> FakeHttp {
    let n = Arc::new(AtomicU64::new(0));
    FakeHttp::start(move |path, body| {
        if path.ends_with("/users/@me/channels") {
            return (
                200,
                json!({"id": format!("dm-{}", body["recipient_id"].as_str().unwrap_or(""))}),
            );
        }
        if path.ends_with("/messages") {
            let id = 900 + n.fetch_add(1, Ordering::SeqCst);
            return (
                200,
                json!({"id": id.to_string(), "channel_id": path.split('/').nth(2)}),
            );
        }
        (404, json!({"message": "Unknown", "code": 0}))
    })
    .await
}

pub async fn start(gw: &FakeDiscord, rest: &FakeHttp, extra: &str) -> TestGateway {
    let top = format!(
        r#"channels: {{ discord: {{ token: "{DISCORD_TOKEN}", apiRoot: "{}", gatewayUrl: "{}",
            dmPolicy: "open", allowFrom: ["*"], {extra} }} }},"#,
        rest.url(),
        gw.gateway_url()
    );
    let t = spawn_with("openai-completions", "", &top).await;
    wait_channel_state(&t, "discord", "connected").await;
    t
}

#[actix_web::test]
async fn the_connector_identifies_heartbeats_and_answers_a_dm() {
    let gw = FakeDiscord::start().await;
    let rest = fake_rest().await;
    let t = start(&gw, &rest, "").await;
    t.upstream.push(Reply::text("hello from clawgate"));

    gw.message("m1", "dm-chan", None, "77", "hi bot");
    let posted = rest.wait_for("/messages", 1).await;
    let beats = gw.wait(|l| l.heartbeats.len() >= 2).await;

    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0].path, "/channels/dm-chan/messages");
    assert_eq!(posted[0].body["content"], "hello from clawgate");
    assert_eq!(
        posted[0].headers["authorization"],
        format!("Bot {DISCORD_TOKEN}")
    );
    assert!(beats, "heartbeats every heartbeat_interval");
    let (identify, last_beat) =
        gw.with_log(|l| (l.identifies[0].clone(), l.heartbeats.last().cloned()));
    assert_eq!(identify["token"], DISCORD_TOKEN);
    assert_eq!(identify["intents"], 37377);
    assert!(
        last_beat.unwrap().is_u64(),
        "heartbeats carry the last sequence number"
    );
    assert_eq!(last_user_text(&t.upstream.requests()[0].body), "hi bot");
}

#[actix_web::test]
async fn a_forced_reconnect_resumes_the_session_and_messages_keep_flowing() {
    let gw = FakeDiscord::start().await;
    let rest = fake_rest().await;
    let t = start(&gw, &rest, "").await;
    t.upstream.push(Reply::text("before"));
    t.upstream.push(Reply::text("after"));
    gw.message("m1", "c-1", None, "77", "first");
    rest.wait_for("/messages", 1).await;

    gw.force_reconnect();
    let resumed = gw.wait(|l| !l.resumes.is_empty()).await;
    wait_channel_state(&t, "discord", "connected").await;
    gw.message("m2", "c-1", None, "77", "second");
    let posted = rest.wait_for("/messages", 2).await;

    assert!(resumed);
    let (identifies, resume, connections) =
        gw.with_log(|l| (l.identifies.len(), l.resumes[0].clone(), l.connections));
    assert_eq!(identifies, 1, "resumed, not re-identified");
    assert_eq!(connections, 2);
    assert_eq!(resume["session_id"], SESSION_ID);
    assert_eq!(resume["token"], DISCORD_TOKEN);
    assert_eq!(resume["seq"], 2, "READY was 1, the first message 2");
    assert_eq!(posted.len(), 2);
    assert_eq!(posted[1].body["content"], "after");
}

#[actix_web::test]
async fn guild_messages_need_a_listed_guild_and_a_mention_and_long_replies_are_split() {
    let gw = FakeDiscord::start().await;
    let rest = fake_rest().await;
    let t = start(&gw, &rest, r#"guilds: { "g1": { requireMention: true } }"#).await;
    let long = "x".repeat(2500);
    t.upstream.push(Reply::text(&long));

    gw.message(
        "m1",
        "c-9",
        Some("g2"),
        "77",
        &format!("<@{BOT_ID}> other guild"),
    );
    gw.message("m2", "c-1", Some("g1"), "77", "no mention");
    gw.message(
        "m3",
        "c-1",
        Some("g1"),
        "77",
        &format!("<@{BOT_ID}> please"),
    );
    let posted = rest.wait_for("/messages", 2).await;

    assert_eq!(posted.len(), 2);
    assert!(posted.iter().all(|p| p.path == "/channels/c-1/messages"));
    assert_eq!(posted[0].body["content"].as_str().unwrap().len(), 2000);
    assert_eq!(posted[1].body["content"].as_str().unwrap().len(), 500);
    assert_eq!(t.upstream.request_count(), 1);
    let key = "agent:main:discord:channel:c-1";
    assert!(t.store().get_session(key).await.unwrap().is_some());
}

#[actix_web::test]
async fn send_to_a_user_opens_a_dm_channel_silently() {
    let gw = FakeDiscord::start().await;
    let rest = fake_rest().await;
    let t = start(&gw, &rest, "").await;
    let mut c = WsClient::open(&t, "/", &[("authorization", &format!("Bearer {TOKEN}"))]).await;

    c.send(
        json!({"method": "send", "id": 1, "params": {"channel": "discord", "to": "user:55",
        "message": "ping", "silent": true, "replyTo": "m7", "idempotencyKey": "d-1"}}),
    )
    .await;
    let (res, _) = c.until(|v| v["id"] == 1).await;

    assert_eq!(res["result"]["messageIds"], json!(["900"]), "{res}");
    let posted = rest.to("/messages");
    assert_eq!(posted[0].path, "/channels/dm-55/messages");
    assert_eq!(posted[0].body["flags"], 4096);
    assert_eq!(posted[0].body["message_reference"]["message_id"], "m7");
    let status: Value = t.get("/status").send().await.unwrap().json().await.unwrap();
    assert_eq!(status["channels"]["discord"], "connected");
}
