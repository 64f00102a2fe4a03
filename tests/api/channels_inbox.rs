//! The durable inbox: an inbound message acknowledged to the platform is answered exactly
//! once, even when the real gateway process is killed with SIGKILL mid-turn and started
//! again; a platform redelivery (same chat and message id) is answered once.

use crate::channels_telegram::{telegram_cfg, wait_channel_state};
use crate::fake_http::{FakeHttp, Recorded};
use crate::fake_telegram::FakeTelegram;
use crate::fake_whatsapp::{self as fake_wa, APP_SECRET, PHONE_NUMBER_ID, VERSION};
use crate::helpers::{eventually, spawn_in, spawn_with, TOKEN};
use crate::proc::{free_port, start, Proc};
use clawgate_bench::mock::{MockUpstream, Reply};
use serde_json::Value;
use std::time::Duration;

/// A turn that cannot finish before the process is killed.
pub(crate) fn hang() -> Reply {
    Reply::Hang {
        duration: Duration::from_secs(120),
    }
}

/// Writes a gateway config (token auth, the mock upstream as the model, `top` spliced in)
/// into `dir` and starts the real binary on it.
pub(crate) async fn start_binary(
    dir: &std::path::Path,
    port: u16,
    upstream: &MockUpstream,
    top: &str,
) -> Proc {
    let cfg = dir.join("clawgate.json5");
    std::fs::write(
        &cfg,
        format!(
            r#"{{
  gateway: {{ auth: {{ mode: "token", token: "{TOKEN}" }} }},
  models: {{ providers: {{ mock: {{ baseUrl: "{}", apiKey: "sk-upstream", api: "openai-completions", models: [{{ id: "mock-model" }}] }} }} }},
  agents: {{ defaults: {{ model: {{ primary: "mock/mock-model" }} }} }},
  {top}
}}"#,
            upstream.base_url()
        ),
    )
    .unwrap();
    let arg = cfg.display().to_string();
    start(dir, port, &["--config", &arg]).await
}

/// SIGKILL: no shutdown code runs.
pub(crate) fn kill9(mut p: Proc) {
    p.0.kill().unwrap();
    p.0.wait().unwrap();
}

#[actix_web::test]
async fn a_telegram_message_acknowledged_before_a_kill_9_is_answered_once_after_restart() {
    let fake = FakeTelegram::start().await;
    let upstream = MockUpstream::start().await.unwrap();
    upstream.push(hang());
    upstream.push(Reply::text("answered after the crash"));
    upstream.push(Reply::text("second answer"));
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let top = telegram_cfg(&fake, "");
    let gw = start_binary(dir.path(), port, &upstream, &top).await;

    let id = fake.push_text(42, 42, "ada", "please answer");
    // Acknowledged (the next poll asks past it) and the turn is running.
    let acked = eventually(|| fake.offsets().contains(&(id + 1))).await;
    let running = eventually(|| upstream.request_count() == 1).await;
    kill9(gw);
    let _gw = start_binary(dir.path(), port, &upstream, &top).await;
    let first = fake.wait_sent(1).await;
    fake.push_text(42, 42, "ada", "and this one");
    let sent = fake.wait_sent(2).await;

    assert!(acked && running, "the update was acknowledged mid-turn");
    assert_eq!(first.len(), 1);
    assert_eq!(first[0]["text"], "answered after the crash");
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[1]["text"], "second answer");
    assert_eq!(
        upstream.request_count(),
        3,
        "the first message ran once more, once"
    );
}

fn replies(api: &FakeHttp) -> Vec<Recorded> {
    api.to(&format!("/{VERSION}/{PHONE_NUMBER_ID}/messages"))
}

async fn post_signed(port: u16, body: &Value) -> u16 {
    let raw = body.to_string();
    awc::Client::default()
        .post(format!("http://127.0.0.1:{port}/channels/whatsapp/webhook"))
        .insert_header(("content-type", "application/json"))
        .insert_header(("x-hub-signature-256", fake_wa::sign(APP_SECRET, &raw)))
        .send_body(raw)
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[actix_web::test]
async fn a_whatsapp_delivery_acknowledged_before_a_kill_9_is_answered_once_after_restart() {
    let api = fake_wa::start().await;
    let upstream = MockUpstream::start().await.unwrap();
    upstream.push(hang());
    upstream.push(Reply::text("whatsapp after the crash"));
    upstream.push(Reply::text("whatsapp second"));
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let top = format!(
        "channels: {{ {} }},",
        fake_wa::config(
            &api.url(),
            r#"dmPolicy: "open", allowFrom: ["*"], sendReadReceipts: false"#
        )
    );
    let gw = start_binary(dir.path(), port, &upstream, &top).await;
    let ada = "15551234567";

    let status = post_signed(
        port,
        &fake_wa::delivery(
            ada,
            "Ada",
            serde_json::json!([fake_wa::text(ada, "wamid.IN1", "hello")]),
        ),
    )
    .await;
    let running = eventually(|| upstream.request_count() == 1).await;
    kill9(gw);
    let gw2 = start_binary(dir.path(), port, &upstream, &top).await;
    let first = api
        .wait_for(&format!("/{VERSION}/{PHONE_NUMBER_ID}/messages"), 1)
        .await;
    let second = post_signed(
        port,
        &fake_wa::delivery(
            ada,
            "Ada",
            serde_json::json!([fake_wa::text(ada, "wamid.IN2", "again")]),
        ),
    )
    .await;
    let all = api
        .wait_for(&format!("/{VERSION}/{PHONE_NUMBER_ID}/messages"), 2)
        .await;
    drop(gw2);

    assert_eq!(status, 200, "acknowledged once stored");
    assert!(running, "the turn was running when the process died");
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].body["text"]["body"], "whatsapp after the crash");
    assert_eq!(second, 200);
    assert_eq!(
        all.len(),
        2,
        "{:?}",
        replies(&api).iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    assert_eq!(all[1].body["text"]["body"], "whatsapp second");
    assert_eq!(upstream.request_count(), 3);
}

#[actix_web::test]
async fn a_redelivered_telegram_update_is_answered_once_even_after_a_restart() {
    let fake = FakeTelegram::start().await;
    let t = spawn_with("openai-completions", "", &telegram_cfg(&fake, "")).await;
    t.upstream.push(Reply::text("first answer"));
    let id = fake.push_text(42, 42, "ada", "hello");
    let first = fake.wait_sent(1).await;
    let (upstream, dir) = t.stop().await;
    upstream.push(Reply::text("second answer"));
    let t = spawn_in(
        upstream,
        dir,
        "openai-completions",
        "",
        &telegram_cfg(&fake, ""),
    )
    .await;
    wait_channel_state(&t, "telegram", "connected").await;

    fake.redeliver(id);
    fake.push_text(42, 42, "ada", "something new");
    let sent = fake.wait_sent(2).await;

    assert_eq!(first.len(), 1);
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[1]["text"], "second answer");
    let reqs = t.upstream.requests();
    assert_eq!(reqs.len(), 2, "the redelivery ran no turn");
    assert_eq!(
        crate::helpers::last_user_text(&reqs[1].body),
        "something new"
    );
}

#[actix_web::test]
async fn a_redelivered_whatsapp_webhook_is_answered_once() {
    let api = fake_wa::start().await;
    let top = format!(
        "channels: {{ {} }},",
        fake_wa::config(
            &api.url(),
            r#"dmPolicy: "open", allowFrom: ["*"], sendReadReceipts: false"#
        )
    );
    let t = spawn_with("openai-completions", "", &top).await;
    wait_channel_state(&t, "whatsapp", "connected").await;
    t.upstream.push(Reply::text("one"));
    t.upstream.push(Reply::text("two"));
    let port: u16 = t.base.rsplit(':').next().unwrap().parse().unwrap();
    let ada = "15551234567";
    let d1 = fake_wa::delivery(
        ada,
        "Ada",
        serde_json::json!([fake_wa::text(ada, "wamid.A", "hi")]),
    );
    let d2 = fake_wa::delivery(
        ada,
        "Ada",
        serde_json::json!([fake_wa::text(ada, "wamid.B", "hi again")]),
    );

    let a = post_signed(port, &d1).await;
    api.wait_for("/messages", 1).await;
    let again = post_signed(port, &d1).await;
    let b = post_signed(port, &d2).await;
    let all = api.wait_for("/messages", 2).await;

    assert_eq!(
        (a, again, b),
        (200, 200, 200),
        "a redelivery is acknowledged"
    );
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].body["text"]["body"], "two");
    assert_eq!(t.upstream.request_count(), 2, "the redelivery ran no turn");
}
