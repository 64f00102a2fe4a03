//! Signal through a signal-cli REST API server: messages received by long polling
//! `/v1/receive/{number}`, replies and `message send` through `/v2/send`, against a local fake.

use crate::channels_media::{cli_send, PNG};
use crate::channels_media_in::user_parts;
use crate::channels_telegram::wait_channel_state;
use crate::fake_signal::{self as fake, FakeSignal, BOT_NUMBER};
use crate::helpers::{last_user_text, spawn_with, TestGateway};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use clawgate::channels::signal::group_recipient;
use clawgate_bench::mock::Reply;
use serde_json::json;

const ADA: &str = "+15557654321";
const GROUP: &str = "aGVsbG8tZ3JvdXAtaWQ=";

async fn gateway(extra: &str) -> (FakeSignal, TestGateway) {
    let api = FakeSignal::start().await;
    let top = format!(
        r#"channels: {{ signal: {{ account: "{BOT_NUMBER}", httpUrl: "{}", {extra} }} }},"#,
        api.url()
    );
    let t = spawn_with("openai-completions", "", &top).await;
    wait_channel_state(&t, "signal", "connected").await;
    (api, t)
}

#[actix_web::test]
async fn a_direct_message_is_answered_through_v2_send() {
    let (api, t) = gateway(r#"dmPolicy: "allowlist", allowFrom: ["+15557654321"]"#).await;
    t.upstream.push(Reply::text("hello from the agent"));

    api.push(fake::text(ADA, 1_700_000_000_001, "hi signal bot"));
    let sent = api.wait_sent(1).await;

    assert_eq!(
        sent,
        vec![
            json!({"message": "hello from the agent", "number": BOT_NUMBER,
                    "recipients": [ADA], "text_mode": "normal"})
        ]
    );
    assert_eq!(
        last_user_text(&t.upstream.requests()[0].body),
        "hi signal bot"
    );
}

#[actix_web::test]
async fn strangers_and_unmentioned_group_messages_run_nothing() {
    let (api, t) =
        gateway(r#"dmPolicy: "allowlist", allowFrom: ["+15557654321"], groupPolicy: "open""#).await;
    t.upstream.push(Reply::text("group answer"));
    let mut plain = fake::text(ADA, 2, "chatting in the group");
    plain["dataMessage"]["groupInfo"] = json!({"groupId": GROUP, "type": "DELIVER"});
    let mut mention = fake::text(ADA, 3, "\u{fffc} what's the status?");
    mention["dataMessage"]["groupInfo"] = json!({"groupId": GROUP, "type": "DELIVER"});
    mention["dataMessage"]["mentions"] =
        json!([{"name": BOT_NUMBER, "number": BOT_NUMBER, "start": 0, "length": 1}]);

    api.push(fake::text("+15550009999", 1, "let me in"));
    api.push(plain);
    api.push(mention);
    let sent = api.wait_sent(1).await;

    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["recipients"], json!([group_recipient(GROUP)]));
    let reqs = t.upstream.requests();
    assert_eq!(reqs.len(), 1, "only the mention ran a turn");
    assert_eq!(
        last_user_text(&reqs[0].body),
        "Ada: \u{fffc} what's the status?"
    );
}

#[actix_web::test]
async fn an_image_reaches_the_model_as_an_image_url_part_and_files_go_out_as_base64() {
    let (api, t) = gateway(r#"dmPolicy: "open", allowFrom: ["*"]"#).await;
    t.upstream.push(Reply::text("got it"));
    api.add_attachment("att1", PNG);
    let mut photo = fake::text(ADA, 4, "the whiteboard");
    photo["dataMessage"]["attachments"] = json!([{"contentType": "image/jpeg",
        "filename": "board.jpg", "id": "att1", "size": 1024}]);
    api.push(photo);
    api.wait_sent(1).await;
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("chart.png");
    std::fs::write(&png, PNG).unwrap();

    let out = cli_send(
        &t,
        &[
            "--channel",
            "signal",
            "--target",
            ADA,
            "--message",
            "chart",
            "--media",
            png.to_str().unwrap(),
        ],
    )
    .await;

    let (text, images) = user_parts(&t.upstream.requests()[0].body);
    assert_eq!(text, "<media:image> board.jpg the whiteboard");
    assert_eq!(
        images,
        vec![format!("data:image/png;base64,{}", STANDARD.encode(PNG))],
        "downloaded from /v1/attachments/att1, sniffed as PNG"
    );
    assert!(out.status.success(), "{out:?}");
    let sent = api.wait_sent(2).await;
    assert_eq!(sent[1]["message"], "chart");
    assert_eq!(
        sent[1]["base64_attachments"],
        json!([format!(
            "data:image/png;filename=chart.png;base64,{}",
            STANDARD.encode(PNG)
        )])
    );
}
