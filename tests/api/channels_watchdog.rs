//! Watchdogs: a long poll (Telegram `getUpdates`, Signal receive) or a socket (the Discord
//! Gateway, Slack Socket Mode) whose fake stops responding mid-request is torn down and
//! restarted by the connector itself; a later message is answered and the channel status shows
//! the restart.

use crate::channels_discord::fake_rest;
use crate::channels_slack_socket::dm;
use crate::channels_telegram::{telegram_cfg, wait_channel_state};
use crate::fake_discord::FakeDiscord;
use crate::fake_signal::{self, FakeSignal, BOT_NUMBER};
use crate::fake_slack_socket::{FakeSlackSocket, APP_TOKEN, BOT_TOKEN};
use crate::fake_telegram::FakeTelegram;
use crate::helpers::{spawn_with, TestGateway};
use clawgate_bench::mock::Reply;
use serde_json::Value;
use std::time::Duration;

/// Short poll hold and stall bound so a stall is noticed within seconds.
pub const FAST_WATCHDOG: &str = "channelPollTimeoutSeconds: 1, channelStallTimeoutSeconds: 2";

/// The account `key` (`telegram:default`) in `GET /v1/channels`.
pub async fn channel_status(t: &TestGateway, key: &str) -> Value {
    let mut resp = t.get("/v1/channels").send().await.unwrap();
    let v: Value = resp.json().limit(1 << 20).await.unwrap();
    v["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == key)
        .cloned()
        .unwrap_or(Value::Null)
}

/// Polls `GET /v1/channels` until `pred` holds for account `key` (15 s deadline).
pub async fn wait_status(t: &TestGateway, key: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let s = channel_status(t, key).await;
        if pred(&s) || tokio::time::Instant::now() >= deadline {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn restarted(s: &Value) -> bool {
    s["restarts"].as_u64().unwrap_or(0) >= 1 && s["status"] == "connected"
}

#[actix_web::test]
async fn a_telegram_poll_that_stops_responding_is_restarted() {
    let fake = FakeTelegram::start().await;
    let top = telegram_cfg(&fake, "");
    let t = spawn_with("openai-completions", FAST_WATCHDOG, &top).await;
    wait_channel_state(&t, "telegram", "connected").await;
    let before = wait_status(&t, "telegram:default", |s| s["lastProgressAt"].is_i64()).await;
    t.upstream.push(Reply::text("still here"));

    fake.hang_polls(1);
    // The poll in flight answers within the poll hold; the next one hangs.
    let first = wait_status(&t, "telegram:default", |s| {
        s["restarts"].as_u64() >= Some(1)
    })
    .await;
    fake.push_text(42, 42, "ada", "are you there?");
    let sent = fake.wait_sent(1).await;
    let after = wait_status(&t, "telegram:default", restarted).await;

    assert!(first["restarts"].as_u64() >= Some(1), "{first}");
    assert_eq!(sent.len(), 1, "answered after the restart");
    assert_eq!(sent[0]["text"], "still here");
    assert!(restarted(&after), "{after}");
    let err = after["lastError"].as_str().unwrap_or_default();
    assert!(err.contains("no progress"), "{after}");
    assert!(
        after["lastProgressAt"].as_i64() > before["lastProgressAt"].as_i64(),
        "{before} → {after}"
    );
}

#[actix_web::test]
async fn a_signal_receive_that_stops_responding_is_restarted() {
    let api = FakeSignal::start().await;
    let top = format!(
        r#"channels: {{ signal: {{ account: "{BOT_NUMBER}", httpUrl: "{}", dmPolicy: "open", allowFrom: ["*"] }} }},"#,
        api.url()
    );
    let t = spawn_with("openai-completions", FAST_WATCHDOG, &top).await;
    wait_channel_state(&t, "signal", "connected").await;
    t.upstream.push(Reply::text("signal is back"));

    api.hang_receives(1);
    // The receive in flight answers within the poll hold; the next one hangs.
    let first = wait_status(&t, "signal:default", |s| s["restarts"].as_u64() >= Some(1)).await;
    api.push(fake_signal::text("+15557654321", 1_700_000_000_001, "ping"));
    let sent = api.wait_sent(1).await;
    let after = wait_status(&t, "signal:default", restarted).await;

    assert!(first["restarts"].as_u64() >= Some(1), "{first}");
    assert_eq!(sent.len(), 1, "answered after the restart");
    assert_eq!(sent[0]["message"], "signal is back");
    assert!(restarted(&after), "{after}");
    let err = after["lastError"].as_str().unwrap_or_default();
    assert!(err.contains("no progress"), "{after}");
    assert!(after["lastProgressAt"].is_i64(), "{after}");
}

#[actix_web::test]
async fn a_discord_socket_that_stops_responding_is_reopened() {
    let gw = FakeDiscord::start().await;
    let rest = fake_rest().await;
    let top = format!(
        r#"channels: {{ discord: {{ token: "discord-bot-token", apiRoot: "{}", gatewayUrl: "{}",
            dmPolicy: "open", allowFrom: ["*"] }} }},"#,
        rest.url(),
        gw.gateway_url()
    );
    let t = spawn_with("openai-completions", FAST_WATCHDOG, &top).await;
    wait_channel_state(&t, "discord", "connected").await;
    t.upstream.push(Reply::text("reconnected"));

    gw.stall_current();
    let reopened = gw
        .wait(|l| l.connections >= 2 && !l.resumes.is_empty())
        .await;
    let after = wait_status(&t, "discord:default", restarted).await;
    gw.message("m1", "dm-chan", None, "77", "hello again");
    let posted = rest.wait_for("/messages", 1).await;

    assert!(reopened, "a new socket resumed the session");
    assert!(restarted(&after), "{after}");
    assert!(after["lastError"].is_string(), "{after}");
    assert!(after["lastProgressAt"].is_i64(), "{after}");
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0].body["content"], "reconnected");
    assert_eq!(
        crate::helpers::last_user_text(&t.upstream.requests()[0].body),
        "hello again"
    );
}

#[actix_web::test]
async fn a_slack_socket_that_goes_silent_is_reopened() {
    let fake = FakeSlackSocket::start().await;
    let top = format!(
        r#"channels: {{ slack: {{ mode: "socket", appToken: "{APP_TOKEN}", botToken: "{BOT_TOKEN}",
            apiRoot: "{}", dmPolicy: "open", allowFrom: ["*"] }} }},"#,
        fake.api_root()
    );
    let t = spawn_with("openai-completions", FAST_WATCHDOG, &top).await;
    wait_channel_state(&t, "slack", "connected").await;
    let pinged = fake.wait(|l| l.pings >= 1).await;
    t.upstream.push(Reply::text("socket is back"));

    fake.silence_current();
    let reopened = fake
        .wait(|l| l.opens >= 2 && l.connections.len() >= 2)
        .await;
    let after = wait_status(&t, "slack:default", restarted).await;
    let id = fake.send_event(dm("U1", "still there?", "1700000003.000100"));
    let answered = fake.wait(|l| l.posted.len() == 1).await;

    assert!(pinged, "the connector pings its socket");
    assert!(reopened, "no fresh socket after the silence");
    assert!(restarted(&after), "{after}");
    let err = after["lastError"].as_str().unwrap_or_default();
    assert!(err.contains("no progress"), "{after}");
    assert!(after["lastProgressAt"].is_i64(), "{after}");
    assert!(answered, "the message on the new socket was not answered");
    assert!(fake.with_log(|l| l.acks.contains(&id)));
    assert_eq!(
        fake.with_log(|l| l.posted[0]["text"].clone()),
        "socket is back"
    );
}
