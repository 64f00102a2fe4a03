//! Telegram webhook mode: `setWebhook` with the secret at start, updates POSTed to the
//! gateway's `webhookPath` verified by `X-Telegram-Bot-Api-Secret-Token`, replies through the
//! Bot API, and `deleteWebhook` when the account goes back to long polling.

use crate::channels_telegram::{telegram_cfg, wait_channel_state};
use crate::fake_telegram::FakeTelegram;
use crate::helpers::{last_user_text, spawn_in, spawn_with};
use clawgate_bench::mock::{MockUpstream, Reply};
use serde_json::json;

const SECRET: &str = "tg-webhook-secret_1";

fn webhook_cfg(fake: &FakeTelegram, path: &str) -> String {
    telegram_cfg(
        fake,
        &format!(
            r#"webhookUrl: "https://bot.example.com{path}", webhookSecret: "{SECRET}", webhookPath: "{path}""#
        ),
    )
}

fn dm(text: &str) -> serde_json::Value {
    json!({"date": 0, "from": {"id": 42, "is_bot": false, "first_name": "Ada", "username": "ada"},
        "chat": {"id": 42, "type": "private"}, "text": text})
}

#[actix_web::test]
async fn the_webhook_is_registered_and_only_updates_with_the_secret_are_answered() {
    let fake = FakeTelegram::start().await;
    let t = spawn_with("openai-completions", "", &webhook_cfg(&fake, "/tg-hook")).await;
    wait_channel_state(&t, "telegram", "connected").await;
    t.upstream.push(Reply::text("webhook reply"));

    let calls = fake.webhook_calls();
    let forged = fake
        .post_update(&t.url("/tg-hook"), Some("guessed-secret"), dm("forged"))
        .await;
    let missing = fake
        .post_update(&t.url("/tg-hook"), None, dm("no secret"))
        .await;
    let ok = fake
        .post_update(&t.url("/tg-hook"), Some(SECRET), dm("hello via webhook"))
        .await;
    let sent = fake.wait_sent(1).await;

    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0]["method"], "setWebhook");
    assert_eq!(calls[0]["url"], "https://bot.example.com/tg-hook");
    assert_eq!(calls[0]["secret_token"], SECRET);
    assert_eq!((forged, missing, ok), (401, 401, 200));
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["chat_id"], 42);
    assert_eq!(sent[0]["text"], "webhook reply");
    let reqs = t.upstream.requests();
    assert_eq!(reqs.len(), 1, "forged updates never reached the model");
    assert_eq!(last_user_text(&reqs[0].body), "hello via webhook");
    assert!(fake.offsets().is_empty(), "no getUpdates in webhook mode");
}

#[actix_web::test]
async fn the_default_path_is_served_and_other_methods_are_not_updates() {
    let fake = FakeTelegram::start().await;
    let cfg = telegram_cfg(
        &fake,
        &format!(r#"webhookUrl: "https://bot.example.com/hook", webhookSecret: "{SECRET}""#),
    );
    let t = spawn_with("openai-completions", "", &cfg).await;
    wait_channel_state(&t, "telegram", "connected").await;
    t.upstream.push(Reply::text("default path works"));

    let get = t
        .client()
        .get(t.url("/telegram-webhook"))
        .send()
        .await
        .unwrap()
        .status();
    let ok = fake
        .post_update(&t.url("/telegram-webhook"), Some(SECRET), dm("hi"))
        .await;
    let sent = fake.wait_sent(1).await;

    assert_eq!(get, 405);
    assert_eq!(ok, 200);
    assert_eq!(sent[0]["text"], "default path works");
}

#[actix_web::test]
async fn going_back_to_polling_deletes_the_webhook_first() {
    let fake = FakeTelegram::start().await;
    let upstream = MockUpstream::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let t = spawn_in(
        upstream,
        dir,
        "openai-completions",
        "",
        &webhook_cfg(&fake, "/tg-hook"),
    )
    .await;
    assert_eq!(fake.wait_webhook_calls(1).await.len(), 1);
    let (upstream, dir) = t.stop().await;

    let t = spawn_in(
        upstream,
        dir,
        "openai-completions",
        "",
        &telegram_cfg(&fake, ""),
    )
    .await;
    t.upstream.push(Reply::text("polling again"));
    let calls = fake.wait_webhook_calls(2).await;
    fake.push_text(42, 42, "ada", "are you polling?");
    let sent = fake.wait_sent(1).await;

    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[1]["method"], "deleteWebhook");
    assert_eq!(sent[0]["text"], "polling again");
    let stale = fake
        .post_update(&t.url("/tg-hook"), Some(SECRET), dm("old hook"))
        .await;
    assert_eq!(stale, 404, "the webhook path is gone in polling mode");
}
