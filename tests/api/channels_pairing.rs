//! DM pairing end to end over the fake Telegram Bot API: an unknown sender gets a code and
//! no turn; the operator approves with `clawgate pairing approve` (the sender's next message
//! is answered, also after a restart) or rejects over the WebSocket.

use crate::fake_telegram::{FakeTelegram, BOT_TOKEN};
use crate::helpers::{last_user_text, spawn_in, TestGateway, TOKEN};
use crate::ws_client::WsClient;
use clawgate_bench::mock::{MockUpstream, Reply};
use serde_json::{json, Value};

fn pairing_cfg(fake: &FakeTelegram) -> String {
    format!(
        r#"channels: {{ telegram: {{ botToken: "{BOT_TOKEN}", apiRoot: "{}" }} }},"#,
        fake.api_root()
    )
}

/// Runs `clawgate <args> --json` against `t` on a thread (the test's runtime keeps serving).
async fn cli(t: &TestGateway, args: &[&str]) -> Value {
    let url = t.base.clone();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_clawgate"))
            .args(&args)
            .args(["--url", &url, "--token", TOKEN, "--json"])
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
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The code in a pairing reply.
fn code_of(text: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix("Pairing code: "))
        .expect("a pairing code")
        .to_string()
}

#[actix_web::test]
async fn an_unknown_sender_gets_a_code_and_is_answered_once_approved() {
    let fake = FakeTelegram::start().await;
    let upstream = MockUpstream::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let top = pairing_cfg(&fake);
    let t = spawn_in(upstream, dir, "openai-completions", "", &top).await;
    fake.push_text(77, 77, "dora", "hello?");

    let sent = fake.wait_sent(1).await;
    let text = sent[0]["text"].as_str().unwrap();
    assert_eq!(sent[0]["chat_id"], 77);
    assert!(
        text.starts_with("clawgate: access not configured.\n\nYour Telegram user id: 77\n"),
        "{text}"
    );
    let code = code_of(text);
    assert!(text.ends_with(&format!("clawgate pairing approve telegram {code}")));
    assert_eq!(t.upstream.request_count(), 0, "the message was not run");

    // A second message before approval gets no second code and no turn.
    let second = fake.push_text(77, 77, "dora", "anyone?");
    assert!(crate::helpers::eventually(|| fake.offsets().contains(&(second + 1))).await);
    let listed = cli(&t, &["pairing", "list", "telegram"]).await;
    assert_eq!(listed["requests"][0]["code"], code.as_str());
    assert_eq!(listed["requests"][0]["id"], "77");
    assert_eq!(listed["requests"][0]["username"], "dora");
    assert_eq!(listed["requests"].as_array().unwrap().len(), 1);

    let approved = cli(&t, &["pairing", "approve", "telegram", &code]).await;
    assert_eq!(approved["approved"]["id"], "77");
    let again = cli(&t, &["pairing", "list"]).await;
    assert_eq!(again["requests"], json!([]));

    // Approval is stored: it holds after a restart.
    let (upstream, dir) = t.stop().await;
    let t = spawn_in(upstream, dir, "openai-completions", "", &top).await;
    t.upstream.push(Reply::text("welcome, Dora"));
    fake.push_text(77, 77, "dora", "now?");
    let sent = fake.wait_sent(2).await;

    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[1]["text"], "welcome, Dora");
    let reqs = t.upstream.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(last_user_text(&reqs[0].body), "now?");
}

#[actix_web::test]
async fn a_rejected_sender_stays_out_and_unknown_codes_are_refused() {
    let fake = FakeTelegram::start().await;
    let upstream = MockUpstream::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let t = spawn_in(upstream, dir, "openai-completions", "", &pairing_cfg(&fake)).await;
    fake.push_text(66, 66, "mallory", "let me in");
    let sent = fake.wait_sent(1).await;
    let code = code_of(sent[0]["text"].as_str().unwrap());
    let (mut c, _) = WsClient::operator(&t, &["operator.pairing"]).await;

    let listed = c.call("pairing.list", json!({"channel": "telegram"})).await;
    let rejected = c
        .call(
            "pairing.reject",
            json!({"channel": "telegram", "code": code}),
        )
        .await;
    let twice = c
        .call(
            "pairing.approve",
            json!({"channel": "telegram", "code": code}),
        )
        .await;
    let (mut reader, _) = WsClient::operator(&t, &["operator.read"]).await;
    let forbidden = reader.call("pairing.list", json!({})).await;

    assert_eq!(listed["payload"]["requests"][0]["code"], code.as_str());
    assert_eq!(rejected["ok"], true, "{rejected}");
    assert_eq!(rejected["payload"]["rejected"]["id"], "66");
    assert_eq!(twice["ok"], false, "a resolved code is gone: {twice}");
    assert_eq!(forbidden["ok"], false, "pairing needs operator.pairing");
    // The rejected sender's next message is still not run (a fresh code is issued).
    fake.push_text(66, 66, "mallory", "please");
    let sent = fake.wait_sent(2).await;
    assert_ne!(code_of(sent[1]["text"].as_str().unwrap()), code);
    assert_eq!(t.upstream.request_count(), 0);
}
