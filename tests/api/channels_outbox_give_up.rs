//! The durable outbox gives up on time: a message the platform keeps refusing with transient
//! errors (500) is retried until `retry.giveUpAfterMs` has passed, then ends `failed`, visible
//! in `GET /v1/channels` delivery stats and as a `channel.delivery.failed` event; the next
//! message is delivered normally (local signal-cli REST fake).

use crate::fake_signal::{self, FakeSignal, BOT_NUMBER};
use crate::helpers::spawn_with;
use crate::ws_client::{WsClient, ALL};
use serde_json::{json, Value};

#[actix_web::test]
async fn a_message_refused_with_500s_past_give_up_after_ms_fails_visibly() {
    let api = FakeSignal::start().await;
    let top = format!(
        r#"channels: {{ signal: {{ account: "{BOT_NUMBER}", httpUrl: "{}",
            retry: {{ minDelayMs: 20, maxDelayMs: 40, jitter: 0, giveUpAfterMs: 300, attemptTimeoutMs: 400 }} }} }},"#,
        api.url()
    );
    let t = spawn_with("openai-completions", "", &top).await;
    let (mut c, _) = WsClient::operator(&t, ALL).await;
    // Far more 500s than fit in 300 ms of retries.
    api.fail_next((0..500).map(|_| fake_signal::server_error()));

    let id = c
        .req(
            "send",
            json!({"channel": "signal", "to": "+15559998888", "message": "never delivered",
                   "idempotencyKey": "k-give-up"}),
        )
        .await;
    let (mut res, mut event) = (Value::Null, Value::Null);
    while res.is_null() || event.is_null() {
        let v = c.recv_json().await;
        if v["type"] == "res" && v["id"] == id {
            res = v;
        } else if v["type"] == "event" && v["event"] == "channel.delivery.failed" {
            event = v;
        }
    }
    let failures = api.faulted();
    api.clear_faults();
    let mut r = t.get("/v1/channels").send().await.unwrap();
    let channels: Value = r.json().await.unwrap();
    let status = channels["channels"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["id"] == "signal").cloned())
        .unwrap_or(Value::Null);
    let after = c
        .call(
            "send",
            json!({"channel": "signal", "to": "+15559998888", "message": "delivered",
                   "idempotencyKey": "k-after"}),
        )
        .await;
    let sent = api.wait_sent(1).await;

    assert_eq!(event["payload"]["channel"], "signal", "{event}");
    let attempts = event["payload"]["attempts"].as_u64().unwrap_or(0);
    assert!(attempts > 1, "retried before giving up: {event}");
    assert_eq!(
        attempts as usize, failures,
        "every attempt was a 500: {event}"
    );
    assert!(
        failures < 500,
        "given up on time, not when the fake stopped failing"
    );
    assert_eq!(
        res["payload"]["status"], "queued",
        "accepted, then retried: {res}"
    );
    assert_eq!(status["delivery"]["failed"], 1, "{status}");
    assert_eq!(status["delivery"]["pending"], 0, "{status}");
    assert!(
        status["delivery"]["lastError"].as_str().is_some(),
        "{status}"
    );
    assert_eq!(after["ok"], true, "{after}");
    assert_eq!(sent.len(), 1, "only the later message: {sent:?}");
    assert_eq!(sent[0]["message"], "delivered");
}
