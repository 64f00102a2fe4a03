//! The periodic heartbeat (`agents.defaults.heartbeat`), driven by an injected clock: a
//! 2-second heartbeat runs a main-session turn every 2 seconds of that clock, an
//! acknowledgement (`HEARTBEAT_OK`) is not delivered, anything else goes to the target chat.

use crate::channels_telegram::wait_channel_state;
use crate::fake_http::FakeHttp;
use crate::fake_whatsapp::{self as fake, APP_SECRET, PHONE_NUMBER_ID, VERSION};
use crate::helpers::{last_user_text, start_gateway, TestGateway, TOKEN};
use clawgate::actors::heartbeat::{Beat, HeartbeatTick, SetHeartbeatClock};
use clawgate::config::heartbeat::DEFAULT_PROMPT;
use clawgate::core::clock::ManualClock;
use clawgate_bench::mock::{MockUpstream, Reply};
use serde_json::json;
use std::sync::Arc;

const ADA: &str = "15551234567";

/// A gateway with a WhatsApp fake and `heartbeat` as `agents.defaults.heartbeat`, its
/// heartbeat on a manual clock.
async fn gateway(heartbeat: &str, dm_scope: &str) -> (FakeHttp, TestGateway, ManualClock) {
    let api = fake::start().await;
    let upstream = MockUpstream::start().await.unwrap();
    let cfg = format!(
        r#"{{ gateway: {{ auth: {{ mode: "token", token: "{TOKEN}" }} }},
          models: {{ providers: {{ mock: {{ baseUrl: "{}", apiKey: "k", api: "openai-completions", models: [{{ id: "mock-model" }}] }} }} }},
          agents: {{ defaults: {{ model: {{ primary: "mock/mock-model" }}, heartbeat: {heartbeat} }},
                     list: [{{ id: "main", default: true }}] }},
          session: {{ dmScope: "{dm_scope}" }},
          channels: {{ {} }} }}"#,
        upstream.base_url(),
        fake::config(&api.url(), r#"dmPolicy: "open", allowFrom: ["*"]"#),
    );
    let t = start_gateway(upstream, tempfile::tempdir().unwrap(), &cfg).await;
    let clock = ManualClock::new(1_767_225_600_000);
    let hb = t.gw.as_ref().unwrap().state.heartbeat.clone();
    hb.send(SetHeartbeatClock {
        clock: Arc::new(clock.clone()),
    })
    .await
    .unwrap();
    wait_channel_state(&t, "whatsapp", "connected").await;
    (api, t, clock)
}

async fn tick(t: &TestGateway) -> Beat {
    let hb = t.gw.as_ref().unwrap().state.heartbeat.clone();
    hb.send(HeartbeatTick).await.unwrap()
}

fn texts_sent(api: &FakeHttp) -> Vec<String> {
    api.to(&format!("/{VERSION}/{PHONE_NUMBER_ID}/messages"))
        .into_iter()
        .filter(|r| r.body["type"] == "text")
        .map(|r| r.body["text"]["body"].as_str().unwrap_or("").to_string())
        .collect()
}

#[actix_web::test]
async fn a_two_second_heartbeat_runs_every_two_seconds_and_only_news_is_delivered() {
    let (api, t, clock) = gateway(
        r#"{ every: "2s", target: "whatsapp", to: "+15551234567" }"#,
        "main",
    )
    .await;
    t.upstream.push(Reply::text("HEARTBEAT_OK"));
    t.upstream
        .push(Reply::text("The backup failed last night."));

    clock.advance(1_999);
    let early = tick(&t).await;
    clock.advance(1);
    let first = tick(&t).await;
    clock.advance(1_000);
    let between = tick(&t).await;
    clock.advance(1_000);
    let second = tick(&t).await;

    assert_eq!(early, Beat::NotDue);
    assert!(
        matches!(&first, Beat::Ran { reply, delivered_to: None, .. } if reply == "HEARTBEAT_OK"),
        "{first:?}"
    );
    assert_eq!(between, Beat::NotDue);
    assert!(
        matches!(&second, Beat::Ran { delivered_to: Some(c), .. } if c == "whatsapp"),
        "{second:?}"
    );
    let reqs = t.upstream.requests();
    assert_eq!(reqs.len(), 2, "one turn per 2 s of the clock");
    assert_eq!(last_user_text(&reqs[0].body), DEFAULT_PROMPT);
    assert_eq!(texts_sent(&api), vec!["The backup failed last night."]);
    let history = t.store().get_session("agent:main:main").await.unwrap();
    assert!(history.is_some(), "heartbeats run in the main session");
}

#[actix_web::test]
async fn target_last_answers_the_chat_that_last_wrote_to_the_main_session() {
    let (api, t, clock) = gateway(
        r#"{ every: "30m", target: "last", prompt: "Anything new?" }"#,
        "main",
    )
    .await;
    t.upstream.push(Reply::text("hi Ada"));
    t.upstream
        .push(Reply::text("Reminder: standup in 10 minutes."));
    let body =
        fake::delivery(ADA, "Ada", json!([fake::text(ADA, "wamid.L1", "hello")])).to_string();
    let resp = t
        .client()
        .post(t.url("/channels/whatsapp/webhook"))
        .insert_header(("x-hub-signature-256", fake::sign(APP_SECRET, &body)))
        .insert_header(("content-type", "application/json"))
        .send_body(body)
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    api.wait_for("/messages", 2).await;

    clock.advance(30 * 60_000);
    let beat = tick(&t).await;

    assert!(
        matches!(&beat, Beat::Ran { delivered_to: Some(c), .. } if c == "whatsapp"),
        "{beat:?}"
    );
    assert_eq!(
        texts_sent(&api),
        vec!["hi Ada", "Reminder: standup in 10 minutes."]
    );
    let sent = api.to("/messages");
    assert_eq!(sent.last().unwrap().body["to"], ADA);
    assert_eq!(
        last_user_text(&t.upstream.requests()[1].body),
        "Anything new?"
    );
}
