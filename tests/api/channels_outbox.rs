//! The durable outbox, for every connector against its local fake: transient failures (the
//! platform's 429 with its retry-after, a 500, an answer that never comes) are retried until
//! the message is delivered exactly once, in order with the next message; a permanent refusal
//! fails at once and shows in `GET /v1/channels` and as a `channel.delivery.failed` event; a
//! message still pending when the gateway is killed is delivered once after the restart.

use crate::fake_discord::{self, FakeDiscord};
use crate::fake_http::{FakeHttp, Fault};
use crate::fake_signal::{self, FakeSignal, BOT_NUMBER};
use crate::fake_telegram::{self, FakeTelegram, BOT_TOKEN};
use crate::helpers::{spawn_with, TestGateway, TOKEN};
use crate::ws_client::{WsClient, ALL};
use crate::{fake_bluebubbles, fake_slack, fake_whatsapp};
use serde_json::{json, Value};
use std::time::Duration;

/// Short backoff so the tests are quick; a hung request counts as failed after 400 ms.
const RETRY: &str = "retry: { minDelayMs: 20, maxDelayMs: 100, jitter: 0, attemptTimeoutMs: 400 }";

#[derive(Clone, Copy, Debug)]
enum Kind {
    Telegram,
    Slack,
    Discord,
    WhatsApp,
    Signal,
    IMessage,
}

/// What a test asks the fake to do with one send.
#[derive(Clone, Copy)]
enum Failure {
    RateLimited,
    ServerError,
    Hang,
    Refused,
}

/// One connector's fake platform.
enum Fake {
    Telegram(FakeTelegram),
    Slack(FakeHttp),
    Discord(FakeDiscord, FakeHttp),
    WhatsApp(FakeHttp),
    Signal(FakeSignal),
    IMessage(FakeHttp),
}

impl Fake {
    async fn start(kind: Kind) -> Fake {
        match kind {
            Kind::Telegram => Fake::Telegram(FakeTelegram::start().await),
            Kind::Slack => Fake::Slack(fake_slack::start().await),
            Kind::Discord => Fake::Discord(
                FakeDiscord::start().await,
                crate::channels_discord::fake_rest().await,
            ),
            Kind::WhatsApp => Fake::WhatsApp(fake_whatsapp::start().await),
            Kind::Signal => Fake::Signal(FakeSignal::start().await),
            Kind::IMessage => Fake::IMessage(fake_bluebubbles::start().await),
        }
    }

    /// The `channels` section (top-level config keys) with the test's retry policy.
    fn section(&self) -> String {
        let inner = match self {
            Fake::Telegram(f) => format!(
                r#"telegram: {{ botToken: "{BOT_TOKEN}", apiRoot: "{}", {RETRY} }}"#,
                f.api_root()
            ),
            Fake::Slack(f) => format!(
                r#"slack: {{ botToken: "xoxb-test-token", signingSecret: "s", apiRoot: "{}", {RETRY} }}"#,
                f.url()
            ),
            Fake::Discord(gw, rest) => format!(
                r#"discord: {{ token: "discord-bot-token", apiRoot: "{}", gatewayUrl: "{}", {RETRY} }}"#,
                rest.url(),
                gw.gateway_url()
            ),
            Fake::WhatsApp(f) => fake_whatsapp::config(&f.url(), RETRY),
            Fake::Signal(f) => format!(
                r#"signal: {{ account: "{BOT_NUMBER}", httpUrl: "{}", {RETRY} }}"#,
                f.url()
            ),
            Fake::IMessage(f) => format!(
                r#"bluebubbles: {{ serverUrl: "{}", password: "{}", {RETRY} }}"#,
                f.url(),
                fake_bluebubbles::PASSWORD
            ),
        };
        format!("channels: {{ {inner} }},")
    }

    fn channel(&self) -> &'static str {
        match self {
            Fake::Telegram(_) => "telegram",
            Fake::Slack(_) => "slack",
            Fake::Discord(..) => "discord",
            Fake::WhatsApp(_) => "whatsapp",
            Fake::Signal(_) => "signal",
            Fake::IMessage(_) => "imessage",
        }
    }

    fn target(&self) -> &'static str {
        match self {
            Fake::Telegram(_) => "42",
            Fake::Slack(_) => "C0123",
            Fake::Discord(..) => "channel:555",
            Fake::WhatsApp(_) => "15551234567",
            Fake::Signal(_) => "+15559998888",
            Fake::IMessage(_) => "iMessage;-;+15551234567",
        }
    }

    fn fault(&self, f: Failure) -> Fault {
        if let Failure::Hang = f {
            return Fault::Hang;
        }
        macro_rules! pick {
            ($m:ident, $rate:expr) => {
                match f {
                    Failure::RateLimited => $rate,
                    Failure::ServerError => $m::server_error(),
                    _ => unreachable!(),
                }
            };
        }
        match (self, f) {
            (Fake::Telegram(_), Failure::Refused) => fake_telegram::bad_request(),
            (Fake::Slack(_), Failure::Refused) => fake_slack::channel_not_found(),
            (Fake::Discord(..), Failure::Refused) => fake_discord::bad_request(),
            (Fake::WhatsApp(_), Failure::Refused) => fake_whatsapp::bad_request(),
            (Fake::Signal(_), Failure::Refused) => fake_signal::bad_request(),
            (Fake::IMessage(_), Failure::Refused) => fake_bluebubbles::bad_request(),
            (Fake::Telegram(_), _) => pick!(fake_telegram, fake_telegram::too_many_requests(1)),
            (Fake::Slack(_), _) => pick!(fake_slack, fake_slack::rate_limited(1)),
            (Fake::Discord(..), _) => pick!(fake_discord, fake_discord::rate_limited(0.05)),
            (Fake::WhatsApp(_), _) => pick!(fake_whatsapp, fake_whatsapp::rate_limited()),
            (Fake::Signal(_), _) => pick!(fake_signal, fake_signal::rate_limited()),
            (Fake::IMessage(_), _) => pick!(fake_bluebubbles, fake_bluebubbles::rate_limited()),
        }
    }

    /// The next sends fail as listed.
    fn fail_next(&self, failures: &[Failure]) {
        let faults: Vec<Fault> = failures.iter().map(|f| self.fault(*f)).collect();
        match self {
            Fake::Telegram(f) => f.fail_next(faults),
            Fake::Slack(f) => f.fail_next("/chat.postMessage", faults),
            Fake::Discord(_, f) => f.fail_next("/messages", faults),
            Fake::WhatsApp(f) => f.fail_next("/messages", faults),
            Fake::Signal(f) => f.fail_next(faults),
            Fake::IMessage(f) => f.fail_next("/message/text", faults),
        }
    }

    /// How many sends were answered with a scripted failure.
    fn faults_served(&self) -> usize {
        match self {
            Fake::Telegram(f) => f.faulted(),
            Fake::Slack(f) | Fake::Discord(_, f) | Fake::WhatsApp(f) | Fake::IMessage(f) => {
                f.faulted().len()
            }
            Fake::Signal(f) => f.faulted(),
        }
    }

    fn clear_faults(&self) {
        match self {
            Fake::Telegram(f) => f.clear_faults(),
            Fake::Slack(f) | Fake::Discord(_, f) | Fake::WhatsApp(f) | Fake::IMessage(f) => {
                f.clear_faults()
            }
            Fake::Signal(f) => f.clear_faults(),
        }
    }

    /// Texts the platform accepted, in order, once `n` were (10 s deadline).
    async fn delivered(&self, n: usize) -> Vec<String> {
        let text = |v: &Value, key: &str| v[key].as_str().unwrap_or_default().to_string();
        match self {
            Fake::Telegram(f) => f
                .wait_sent(n)
                .await
                .iter()
                .map(|v| text(v, "text"))
                .collect(),
            Fake::Slack(f) => f
                .wait_for("/chat.postMessage", n)
                .await
                .iter()
                .map(|r| text(&r.body, "text"))
                .collect(),
            Fake::Discord(_, f) => f
                .wait_for("/messages", n)
                .await
                .iter()
                .map(|r| text(&r.body, "content"))
                .collect(),
            Fake::WhatsApp(f) => f
                .wait_for("/messages", n)
                .await
                .iter()
                .map(|r| text(&r.body["text"], "body"))
                .collect(),
            Fake::Signal(f) => f
                .wait_sent(n)
                .await
                .iter()
                .map(|v| text(v, "message"))
                .collect(),
            Fake::IMessage(f) => f
                .wait_for("/message/text", n)
                .await
                .iter()
                .map(|r| text(&r.body, "message"))
                .collect(),
        }
    }
}

/// `send` over the operator WebSocket: the response frame.
async fn send(c: &mut WsClient, fake: &Fake, text: &str) -> Value {
    c.call(
        "send",
        json!({"channel": fake.channel(), "to": fake.target(), "message": text,
               "idempotencyKey": uuid::Uuid::new_v4().to_string()}),
    )
    .await
}

/// The account's entry in `GET /v1/channels`.
async fn account(t: &TestGateway, channel: &str) -> Value {
    let mut r = t.get("/v1/channels").send().await.unwrap();
    let v: Value = r.json().await.unwrap();
    v["channels"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["id"] == channel).cloned())
        .unwrap_or(Value::Null)
}

async fn retried_in_order_then_refused(kind: Kind) {
    let fake = Fake::start(kind).await;
    let t = spawn_with("openai-completions", "", &fake.section()).await;
    let (mut c, _) = WsClient::operator(&t, ALL).await;
    fake.fail_next(&[Failure::RateLimited, Failure::ServerError, Failure::Hang]);

    let first = send(&mut c, &fake, "first").await;
    let second = send(&mut c, &fake, "second").await;
    let delivered = fake.delivered(2).await;

    assert_eq!(first["ok"], true, "{kind:?}: {first}");
    assert_eq!(first["payload"]["status"], "queued", "{kind:?}: {first}");
    assert!(first["payload"]["id"].as_str().is_some(), "{first}");
    assert_eq!(
        second["payload"]["status"], "queued",
        "{kind:?}: behind the first"
    );
    assert_eq!(
        delivered,
        ["first", "second"],
        "{kind:?}: once each, in order"
    );
    assert_eq!(fake.faults_served(), 3, "{kind:?}: 429, 500, timeout");

    // A permanent refusal fails at once, visibly.
    fake.fail_next(&[Failure::Refused]);
    let id = c
        .req(
            "send",
            json!({"channel": fake.channel(), "to": fake.target(), "message": "third",
                   "idempotencyKey": "k-third"}),
        )
        .await;
    let (mut refused, mut event) = (Value::Null, Value::Null);
    while refused.is_null() || event.is_null() {
        let v = c.recv_json().await;
        if v["type"] == "res" && v["id"] == id {
            refused = v;
        } else if v["type"] == "event" && v["event"] == "channel.delivery.failed" {
            event = v;
        }
    }
    let status = account(&t, fake.channel()).await;
    let after = send(&mut c, &fake, "fourth").await;

    assert_eq!(refused["ok"], false, "{kind:?}: {refused}");
    assert_eq!(event["payload"]["channel"], fake.channel());
    assert_eq!(event["payload"]["attempts"], 1, "{kind:?}: not retried");
    assert_eq!(status["delivery"]["failed"], 1, "{kind:?}: {status}");
    assert_eq!(status["delivery"]["pending"], 0, "{kind:?}: {status}");
    assert!(
        status["delivery"]["lastError"].as_str().is_some(),
        "{kind:?}: {status}"
    );
    assert_eq!(after["payload"]["status"], "sent", "{kind:?}: {after}");
    assert_eq!(
        fake.delivered(3).await,
        ["first", "second", "fourth"],
        "{kind:?}"
    );
}

#[actix_web::test]
async fn telegram_retries_in_order_and_fails_permanent_errors() {
    retried_in_order_then_refused(Kind::Telegram).await;
}

#[actix_web::test]
async fn slack_retries_in_order_and_fails_permanent_errors() {
    retried_in_order_then_refused(Kind::Slack).await;
}

#[actix_web::test]
async fn discord_retries_in_order_and_fails_permanent_errors() {
    retried_in_order_then_refused(Kind::Discord).await;
}

#[actix_web::test]
async fn whatsapp_retries_in_order_and_fails_permanent_errors() {
    retried_in_order_then_refused(Kind::WhatsApp).await;
}

#[actix_web::test]
async fn signal_retries_in_order_and_fails_permanent_errors() {
    retried_in_order_then_refused(Kind::Signal).await;
}

#[actix_web::test]
async fn imessage_retries_in_order_and_fails_permanent_errors() {
    retried_in_order_then_refused(Kind::IMessage).await;
}

/// Runs `clawgate message send` against the gateway at `port`; its stdout.
async fn cli_send(port: u16, fake: &Fake, text: &str) -> String {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let (channel, target, text) = (fake.channel(), fake.target(), text.to_string());
    std::thread::spawn(move || {
        let out = std::process::Command::new(crate::proc::BIN)
            .args(["message", "send", "--channel", channel, "--target", target])
            .args(["--message", &text])
            .args([
                "--url",
                &format!("http://127.0.0.1:{port}"),
                "--token",
                TOKEN,
            ])
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
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn pending_message_survives_a_kill(kind: Kind) {
    let fake = Fake::start(kind).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("clawgate.json5");
    let text = format!(
        "{{ gateway: {{ auth: {{ token: \"{TOKEN}\" }} }}, {} }}",
        fake.section()
    );
    std::fs::write(&cfg, text).unwrap();
    let cfg_arg = cfg.display().to_string();
    let port = crate::proc::free_port();
    let mut gw = crate::proc::start(dir.path(), port, &["--config", &cfg_arg]).await;
    fake.fail_next(&vec![Failure::ServerError; 10_000]);

    let out = cli_send(port, &fake, "survivor").await;
    gw.0.kill().unwrap(); // SIGKILL: no shutdown code runs.
    gw.0.wait().unwrap();
    fake.clear_faults();
    let _next = crate::proc::start(dir.path(), port, &["--config", &cfg_arg]).await;
    fake.delivered(1).await;
    let drained = outbox_drained(port, fake.channel()).await;

    assert!(out.starts_with("Queued"), "{kind:?}: {out}");
    assert!(drained, "{kind:?}: the row is still pending");
    assert_eq!(
        fake.delivered(1).await,
        ["survivor"],
        "{kind:?}: exactly once"
    );
}

/// Polls the restarted gateway (another process) until the account has nothing pending
/// (10 s deadline).
async fn outbox_drained(port: u16, channel: &str) -> bool {
    let client = awc::Client::default();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio::time::Instant::now() < deadline {
        let got = client
            .get(format!("http://127.0.0.1:{port}/v1/channels"))
            .insert_header(("authorization", format!("Bearer {TOKEN}")))
            .send()
            .await;
        if let Ok(mut r) = got {
            let v: Value = r.json().await.unwrap_or_default();
            let pending = v["channels"]
                .as_array()
                .and_then(|a| a.iter().find(|c| c["id"] == channel))
                .map(|c| c["delivery"]["pending"].clone());
            if pending == Some(json!(0)) {
                return true;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

#[actix_web::test]
async fn telegram_delivers_a_pending_message_after_a_kill() {
    pending_message_survives_a_kill(Kind::Telegram).await;
}

#[actix_web::test]
async fn slack_delivers_a_pending_message_after_a_kill() {
    pending_message_survives_a_kill(Kind::Slack).await;
}

#[actix_web::test]
async fn discord_delivers_a_pending_message_after_a_kill() {
    pending_message_survives_a_kill(Kind::Discord).await;
}

#[actix_web::test]
async fn whatsapp_delivers_a_pending_message_after_a_kill() {
    pending_message_survives_a_kill(Kind::WhatsApp).await;
}

#[actix_web::test]
async fn signal_delivers_a_pending_message_after_a_kill() {
    pending_message_survives_a_kill(Kind::Signal).await;
}

#[actix_web::test]
async fn imessage_delivers_a_pending_message_after_a_kill() {
    pending_message_survives_a_kill(Kind::IMessage).await;
}

#[actix_web::test]
async fn a_reply_to_an_inbound_message_is_retried_until_delivered_once() {
    let fake = FakeTelegram::start().await;
    let top = crate::channels_telegram::telegram_cfg(&fake, RETRY);
    let t = spawn_with("openai-completions", "", &top).await;
    t.upstream
        .push(clawgate_bench::mock::Reply::text("the answer"));
    fake.fail_next([fake_telegram::server_error(), Fault::Hang]);

    fake.push_text(42, 42, "ada", "a question");
    let sent = fake.wait_sent(1).await;

    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["text"], "the answer");
    assert_eq!(fake.faulted(), 2);
}
