//! Telegram connector end to end: the real connector code against a local fake Bot API,
//! the real gateway, and a scripted model upstream.

use crate::fake_telegram::{FakeTelegram, BOT_TOKEN};
use crate::helpers::{last_user_text, spawn_in, spawn_with, TestGateway, TOKEN};
use crate::ws_client::WsClient;
use clawgate_bench::mock::{MockUpstream, Reply};
use serde_json::{json, Value};
use std::time::Duration;

pub fn telegram_cfg(fake: &FakeTelegram, extra: &str) -> String {
    format!(
        r#"channels: {{ telegram: {{ botToken: "{BOT_TOKEN}", apiRoot: "{}", dmPolicy: "allowlist", allowFrom: ["42", "@carol"], {extra} }} }},"#,
        fake.api_root()
    )
}

/// Polls `GET /status` until `channels.<id>` is `state` (10 s deadline).
pub async fn wait_channel_state(t: &TestGateway, id: &str, state: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let mut resp = t.get("/status").send().await.unwrap();
        let v: Value = resp.json().await.unwrap();
        if v["channels"][id] == state || tokio::time::Instant::now() >= deadline {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[actix_web::test]
async fn a_direct_message_runs_a_turn_and_the_reply_goes_back_to_the_chat() {
    let fake = FakeTelegram::start().await;
    let top = format!(
        "{} session: {{ dmScope: \"per-channel-peer\" }},",
        telegram_cfg(&fake, "replyToMode: \"first\"")
    );
    let t = spawn_with("openai-completions", "", &top).await;
    t.upstream.push(Reply::text("Hello Ada!"));
    let msg_id = fake.push_text(42, 42, "ada", "hi there");

    let sent = fake.wait_sent(1).await;

    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["chat_id"], 42);
    assert_eq!(sent[0]["text"], "Hello Ada!");
    assert_eq!(sent[0]["reply_to_message_id"], msg_id);
    let reqs = t.upstream.requests();
    assert_eq!(last_user_text(&reqs[0].body), "hi there");
    let session = t
        .store()
        .get_session("agent:main:telegram:direct:42")
        .await
        .unwrap();
    assert!(session.is_some(), "per-channel-peer session key");
}

#[actix_web::test]
async fn senders_outside_allow_from_are_ignored() {
    let fake = FakeTelegram::start().await;
    let t = spawn_with("openai-completions", "", &telegram_cfg(&fake, "")).await;
    t.upstream.push(Reply::text("hi Carol"));
    fake.push_text(7, 7, "mallory", "let me in");
    fake.push_text(-100, 7, "mallory", "@claw_bot group hello");
    fake.push_text(55, 55, "carol", "hello from carol");

    let sent = fake.wait_sent(1).await;

    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["chat_id"], 55, "allowed by @username");
    let reqs = t.upstream.requests();
    assert_eq!(
        reqs.len(),
        1,
        "the refused messages never reached the model"
    );
    assert_eq!(last_user_text(&reqs[0].body), "hello from carol");
}

#[actix_web::test]
async fn a_long_reply_is_split_into_telegram_sized_messages() {
    let fake = FakeTelegram::start().await;
    let t = spawn_with("openai-completions", "", &telegram_cfg(&fake, "")).await;
    let words: Vec<String> = (0..1500).map(|i| format!("word{i}")).collect();
    let long = words.join(" ");
    t.upstream.push(Reply::text(&long));
    fake.push_text(42, 42, "ada", "tell me a lot");

    let expected = long.chars().count().div_ceil(4096);

    let sent = fake.wait_sent(expected).await;

    assert_eq!(sent.len(), expected, "{} chars", long.len());
    let texts: Vec<&str> = sent.iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert!(texts.iter().all(|t| t.chars().count() <= 4096));
    assert!(texts.join(" ") == long, "no word lost or reordered");
    assert!(sent.iter().all(|m| m["chat_id"] == 42));
}

#[actix_web::test]
async fn no_reply_is_not_sent_and_the_next_turn_is() {
    let fake = FakeTelegram::start().await;
    let t = spawn_with("openai-completions", "", &telegram_cfg(&fake, "")).await;
    t.upstream.push(Reply::text("NO_REPLY"));
    t.upstream.push(Reply::text("now I answer"));
    fake.push_text(42, 42, "ada", "just saying");
    crate::helpers::eventually(|| t.upstream.request_count() == 1).await;
    fake.push_text(42, 42, "ada", "a question?");

    let sent = fake.wait_sent(1).await;

    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["text"], "now I answer");
}

#[actix_web::test]
async fn the_offset_survives_a_restart_so_no_update_is_processed_twice() {
    let fake = FakeTelegram::start().await;
    let upstream = MockUpstream::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let top = telegram_cfg(&fake, "");
    let t = spawn_in(upstream, dir, "openai-completions", "", &top).await;
    t.upstream.push(Reply::text("first answer"));
    fake.push_text(42, 42, "ada", "first");
    assert_eq!(fake.wait_sent(1).await.len(), 1);
    let (upstream, dir) = t.stop().await;

    let stored = std::fs::metadata(dir.path().join("clawgate.sqlite")).is_ok();
    assert!(stored);
    let t = spawn_in(upstream, dir, "openai-completions", "", &top).await;
    t.upstream.push(Reply::text("second answer"));
    fake.push_text(42, 42, "ada", "second");
    let sent = fake.wait_sent(2).await;

    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1]["text"], "second answer");
    let texts: Vec<String> = t
        .upstream
        .requests()
        .iter()
        .map(|r| last_user_text(&r.body))
        .collect();
    assert_eq!(
        texts,
        vec!["first", "second"],
        "update 1 was not handed over again"
    );
    assert!(fake.offsets().contains(&2));
}

#[actix_web::test]
async fn the_send_method_delivers_once_per_idempotency_key() {
    let fake = FakeTelegram::start().await;
    let t = spawn_with("openai-completions", "", &telegram_cfg(&fake, "")).await;
    wait_channel_state(&t, "telegram", "connected").await;
    let mut c = WsClient::open(&t, "/", &[("authorization", &format!("Bearer {TOKEN}"))]).await;
    let params = json!({"channel": "telegram", "to": "-1001", "message": "deploy done",
        "threadId": "9", "silent": true, "idempotencyKey": "k-1"});

    c.send(json!({"method": "send", "params": params, "id": 1}))
        .await;
    let (first, _) = c.until(|v| v["id"] == 1).await;
    c.send(json!({"method": "send", "params": params, "id": 2}))
        .await;
    let (second, _) = c.until(|v| v["id"] == 2).await;

    assert_eq!(first["result"]["channel"], "telegram");
    assert_eq!(first["result"]["to"], "-1001");
    assert_eq!(first["result"]["messageIds"], json!(["1001"]));
    assert_eq!(second["result"], first["result"]);
    let sent = fake.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["chat_id"], -1001);
    assert_eq!(sent[0]["message_thread_id"], 9);
    assert_eq!(sent[0]["disable_notification"], true);

    c.send(json!({"method": "send", "params": {"channel": "slack", "to": "x", "message": "m", "idempotencyKey": "k-2"}, "id": 3})).await;
    let (err, _) = c.until(|v| v["id"] == 3).await;
    assert_eq!(err["error"]["message"], "unknown channel: slack");
}

#[actix_web::test]
async fn message_send_from_the_cli_reaches_the_chat() {
    let fake = FakeTelegram::start().await;
    let t = spawn_with("openai-completions", "", &telegram_cfg(&fake, "")).await;
    wait_channel_state(&t, "telegram", "connected").await;
    let url = t.base.clone();
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_clawgate"))
            .args(["message", "send", "--channel", "telegram", "--target", "42"])
            .args(["--message", "from the cli", "--reply-to", "5", "--json"])
            .args(["--url", &url, "--token", TOKEN])
            .env_remove("OPENCLAW_GATEWAY_TOKEN")
            .output()
            .unwrap();
        let _ = tx.send(out);
    });
    let out = rx.await.unwrap();

    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["channel"], "telegram");
    let sent = fake.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["text"], "from the cli");
    assert_eq!(sent[0]["reply_to_message_id"], 5);
}

#[actix_web::test]
async fn status_and_channel_methods_report_the_connector() {
    let fake = FakeTelegram::start().await;
    let t = spawn_with("openai-completions", "", &telegram_cfg(&fake, "")).await;

    let status = wait_channel_state(&t, "telegram", "connected").await;

    assert_eq!(status["channels"]["telegram"], "connected");
    assert_eq!(status["channels"]["slack"], "not_configured");
    let mut c = WsClient::open(&t, "/", &[("authorization", &format!("Bearer {TOKEN}"))]).await;
    c.send(json!({"method": "channel.list", "id": 1})).await;
    let (list, _) = c.until(|v| v["id"] == 1).await;
    let entry = &list["result"]["channels"][0];
    assert_eq!(entry["id"], "telegram");
    assert_eq!(entry["name"], "Telegram");
    assert_eq!(entry["enabled"], true);
    assert_eq!(entry["status"], "connected");
    assert_eq!(entry["botUsername"], "@claw_bot");
    c.send(json!({"method": "channel.status", "params": {"channelId": "telegram"}, "id": 2}))
        .await;
    let (one, _) = c.until(|v| v["id"] == 2).await;
    assert_eq!(one["result"]["status"], "connected");
    c.send(json!({"method": "channels.status", "id": 3})).await;
    let (all, _) = c.until(|v| v["id"] == 3).await;
    assert_eq!(all["result"]["channelOrder"], json!(["telegram"]));
    assert_eq!(all["result"]["channels"]["telegram"]["connected"], true);
    assert_eq!(
        all["result"]["channelDefaultAccountId"]["telegram"],
        "default"
    );
}

#[actix_web::test]
async fn a_rejected_token_is_reported_as_an_error_without_the_token() {
    let fake = FakeTelegram::start().await;
    let top = format!(
        r#"channels: {{ telegram: {{ botToken: "999:WRONG-token", apiRoot: "{}" }} }},"#,
        fake.api_root()
    );
    let t = spawn_with("openai-completions", "", &top).await;

    let status = wait_channel_state(&t, "telegram", "error").await;

    assert_eq!(status["channels"]["telegram"], "error");
    let mut c = WsClient::open(&t, "/", &[("authorization", &format!("Bearer {TOKEN}"))]).await;
    c.send(json!({"method": "channels.status", "id": 1})).await;
    let (all, _) = c.until(|v| v["id"] == 1).await;
    let err = all["result"]["channels"]["telegram"]["lastError"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(err.contains("401"), "{err}");
    assert!(!err.contains("WRONG-token"), "{err}");
}

#[actix_web::test]
async fn messages_sent_during_a_run_are_collected_into_the_next_turn() {
    let fake = FakeTelegram::start().await;
    let t = spawn_with("openai-completions", "", &telegram_cfg(&fake, "")).await;
    t.upstream
        .push(Reply::text("first reply").with_first_byte_delay(Duration::from_millis(1500)));
    t.upstream.push(Reply::text("batched reply"));
    fake.push_text(42, 42, "ada", "one");
    crate::helpers::eventually(|| t.upstream.request_count() == 1).await;
    fake.push_text(42, 42, "ada", "two");
    fake.push_text(42, 42, "ada", "three");

    let sent = fake.wait_sent(2).await;

    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1]["text"], "batched reply");
    let reqs = t.upstream.requests();
    assert_eq!(reqs.len(), 2, "two and three became one turn");
    let batched = last_user_text(&reqs[1].body);
    assert!(
        batched.starts_with("[Queued messages while agent was busy]"),
        "{batched}"
    );
    assert!(
        batched.contains("Queued #1\ntwo") && batched.contains("Queued #2\nthree"),
        "{batched}"
    );
}
