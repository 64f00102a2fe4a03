//! The durable inbox for Signal (polling), iMessage (BlueBubbles webhook) and Slack (Events
//! API webhook): a message acknowledged to the platform while its turn runs is answered
//! exactly once after the real gateway is killed with SIGKILL and started again.

use crate::channels_inbox::{hang, kill9, start_binary};
use crate::fake_bluebubbles::{self as fake_bb, PASSWORD};
use crate::fake_signal::{self as fake_sig, FakeSignal, BOT_NUMBER};
use crate::fake_slack;
use crate::helpers::{eventually, last_user_text};
use crate::proc::free_port;
use clawgate::channels::hmac::{hex, hmac_sha256};
use clawgate_bench::mock::{MockUpstream, Reply};
use serde_json::{json, Value};

/// An upstream whose first turn hangs; the next two answer `first` and `second`.
async fn upstream(first: &str, second: &str) -> MockUpstream {
    let upstream = MockUpstream::start().await.unwrap();
    upstream.push(hang());
    upstream.push(Reply::text(first));
    upstream.push(Reply::text(second));
    upstream
}

#[actix_web::test]
async fn a_signal_message_received_before_a_kill_9_is_answered_once_after_restart() {
    let api = FakeSignal::start().await;
    let upstream = upstream("signal after the crash", "signal second").await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let top = format!(
        r#"channels: {{ signal: {{ account: "{BOT_NUMBER}", httpUrl: "{}", dmPolicy: "open", allowFrom: ["*"] }} }},"#,
        api.url()
    );
    let ada = "+15557654321";
    let gw = start_binary(dir.path(), port, &upstream, &top).await;

    // signal-cli hands an envelope over once: receiving it is the acknowledgement.
    api.push(fake_sig::text(ada, 1_700_000_000_001, "please answer"));
    let running = eventually(|| upstream.request_count() == 1).await;
    kill9(gw);
    let _gw = start_binary(dir.path(), port, &upstream, &top).await;
    let first = api.wait_sent(1).await;
    api.push(fake_sig::text(ada, 1_700_000_000_002, "and this one"));
    let sent = api.wait_sent(2).await;

    assert!(running, "the turn was running when the process died");
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0]["message"], "signal after the crash");
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[1]["message"], "signal second");
    let reqs = upstream.requests();
    assert_eq!(reqs.len(), 3, "the first message ran once more, once");
    assert_eq!(last_user_text(&reqs[1].body), "please answer");
}

async fn post_imessage(port: u16, guid: &str, text: &str) -> u16 {
    let body = json!({"type": "new-message", "data": {"guid": guid, "text": text, "isFromMe": false,
        "handle": {"address": "+15551234567", "service": "iMessage"}, "attachments": [],
        "chats": [{"guid": "iMessage;-;+15551234567", "style": 45}],
        "dateCreated": 1_700_000_000_000i64}});
    awc::Client::default()
        .post(format!(
            "http://127.0.0.1:{port}/channels/imessage/webhook?password={PASSWORD}"
        ))
        .insert_header(("content-type", "application/json"))
        .send_body(body.to_string())
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[actix_web::test]
async fn an_imessage_webhook_acknowledged_before_a_kill_9_is_answered_once_after_restart() {
    let api = fake_bb::start().await;
    let upstream = upstream("imessage after the crash", "imessage second").await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let top = format!(
        r#"channels: {{ bluebubbles: {{ serverUrl: "{}", password: "{PASSWORD}", dmPolicy: "open", allowFrom: ["*"] }} }},"#,
        api.url()
    );
    let gw = start_binary(dir.path(), port, &upstream, &top).await;

    let status = post_imessage(port, "g-crash-1", "please answer").await;
    let running = eventually(|| upstream.request_count() == 1).await;
    kill9(gw);
    let _gw = start_binary(dir.path(), port, &upstream, &top).await;
    let first = api.wait_for("/api/v1/message/text", 1).await;
    let again = post_imessage(port, "g-crash-1", "please answer").await;
    let second = post_imessage(port, "g-crash-2", "and this one").await;
    let all = api.wait_for("/api/v1/message/text", 2).await;

    assert_eq!(status, 200, "acknowledged once stored");
    assert!(running, "the turn was running when the process died");
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].body["message"], "imessage after the crash");
    assert_eq!((again, second), (200, 200), "a redelivery is acknowledged");
    assert_eq!(
        all.len(),
        2,
        "{:?}",
        all.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    assert_eq!(all[1].body["message"], "imessage second");
    assert_eq!(upstream.request_count(), 3, "the redelivery ran no turn");
}

const SIGNING_SECRET: &str = "slack-signing-secret";

async fn post_slack(port: u16, body: &Value) -> u16 {
    let raw = body.to_string();
    let ts = chrono::Utc::now().timestamp();
    let sig = format!(
        "v0={}",
        hex(&hmac_sha256(
            SIGNING_SECRET.as_bytes(),
            format!("v0:{ts}:{raw}").as_bytes()
        ))
    );
    awc::Client::default()
        .post(format!("http://127.0.0.1:{port}/channels/slack/events"))
        .insert_header(("content-type", "application/json"))
        .insert_header(("x-slack-request-timestamp", ts.to_string()))
        .insert_header(("x-slack-signature", sig))
        .send_body(raw)
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn slack_dm(event_id: &str, text: &str, ts: &str) -> Value {
    json!({"type": "event_callback", "event_id": event_id, "event": {"type": "message",
        "channel": "D9", "channel_type": "im", "user": "U1", "text": text, "ts": ts}})
}

#[actix_web::test]
async fn a_slack_event_acknowledged_before_a_kill_9_is_answered_once_after_restart() {
    let api = fake_slack::start().await;
    let upstream = upstream("slack after the crash", "slack second").await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let top = format!(
        r#"channels: {{ slack: {{ botToken: "xoxb-test-token", signingSecret: "{SIGNING_SECRET}", apiRoot: "{}",
            dmPolicy: "open", allowFrom: ["*"] }} }},"#,
        api.url()
    );
    let gw = start_binary(dir.path(), port, &upstream, &top).await;

    let status = post_slack(port, &slack_dm("EvCrash1", "please answer", "1.000")).await;
    let running = eventually(|| upstream.request_count() == 1).await;
    kill9(gw);
    let _gw = start_binary(dir.path(), port, &upstream, &top).await;
    let first = api.wait_for("/chat.postMessage", 1).await;
    let retry = post_slack(port, &slack_dm("EvCrash1", "please answer", "1.000")).await;
    let second = post_slack(port, &slack_dm("EvCrash2", "and this one", "2.000")).await;
    let all = api.wait_for("/chat.postMessage", 2).await;

    assert_eq!(status, 200, "acknowledged once stored");
    assert!(running, "the turn was running when the process died");
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].body["text"], "slack after the crash");
    assert_eq!((retry, second), (200, 200), "a redelivery is acknowledged");
    assert_eq!(
        all.len(),
        2,
        "{:?}",
        all.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    assert_eq!(all[1].body["text"], "slack second");
    assert_eq!(upstream.request_count(), 3, "the redelivery ran no turn");
}
