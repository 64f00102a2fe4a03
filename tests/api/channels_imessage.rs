//! iMessage through a BlueBubbles server: password-checked webhooks in, the REST API out
//! (`message/text`, `message/attachment`), against a local fake server.

use crate::channels_media::{cli_send, PNG};
use crate::channels_media_in::user_parts;
use crate::channels_telegram::wait_channel_state;
use crate::fake_bluebubbles::{self as fake, PASSWORD};
use crate::fake_http::FakeHttp;
use crate::helpers::{last_user_text, spawn_with, TestGateway};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use clawgate_bench::mock::Reply;
use serde_json::{json, Value};

const ADA: &str = "+15551234567";

async fn gateway(extra: &str) -> (FakeHttp, TestGateway) {
    let api = fake::start().await;
    let top = format!(
        r#"channels: {{ bluebubbles: {{ serverUrl: "{}", password: "{PASSWORD}", name: "Claw", {extra} }} }},"#,
        api.url()
    );
    let t = spawn_with("openai-completions", "", &top).await;
    wait_channel_state(&t, "imessage", "connected").await;
    (api, t)
}

fn new_message(guid: &str, chat: &str, text: &str) -> Value {
    json!({"type": "new-message", "data": {"guid": guid, "text": text, "isFromMe": false,
        "handle": {"address": ADA, "service": "iMessage"}, "attachments": [],
        "chats": [{"guid": chat, "style": if chat.contains(";+;") { 43 } else { 45 }}],
        "dateCreated": 1_700_000_000_000i64}})
}

async fn post(t: &TestGateway, body: &Value, password: Option<&str>) -> u16 {
    let path = match password {
        Some(p) => format!("/channels/imessage/webhook?password={p}"),
        None => "/channels/imessage/webhook".to_string(),
    };
    t.client()
        .post(t.url(&path))
        .insert_header(("content-type", "application/json"))
        .send_body(body.to_string())
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[actix_web::test]
async fn webhooks_without_the_server_password_are_rejected() {
    let (_api, t) = gateway(r#"dmPolicy: "open", allowFrom: ["*"]"#).await;
    let body = new_message("g0", "iMessage;-;+15551234567", "hi");

    assert_eq!(post(&t, &body, Some("guess")).await, 401);
    assert_eq!(post(&t, &body, None).await, 401);
    assert!(t.upstream.requests().is_empty());
}

#[actix_web::test]
async fn a_direct_message_is_answered_in_its_chat() {
    let (api, t) = gateway(r#"dmPolicy: "allowlist", allowFrom: ["+15551234567"]"#).await;
    t.upstream.push(Reply::text("hello from the agent"));

    let status = post(
        &t,
        &new_message("g1", "iMessage;-;+15551234567", "hi there"),
        Some(PASSWORD),
    )
    .await;
    let sent = api.wait_for("/api/v1/message/text", 1).await;

    assert_eq!(status, 200);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].query, format!("password={PASSWORD}"));
    assert_eq!(sent[0].body["chatGuid"], "iMessage;-;+15551234567");
    assert_eq!(sent[0].body["message"], "hello from the agent");
    assert_eq!(sent[0].body["method"], "apple-script");
    assert!(sent[0].body["tempGuid"]
        .as_str()
        .is_some_and(|g| !g.is_empty()));
    assert_eq!(last_user_text(&t.upstream.requests()[0].body), "hi there");
}

#[actix_web::test]
async fn group_chats_need_a_mention_of_the_bot_name() {
    let (api, t) = gateway(r#"groupPolicy: "open""#).await;
    t.upstream.push(Reply::text("on it"));
    let chat = "iMessage;+;chat640000000000000001";

    post(
        &t,
        &new_message("g2", chat, "lunch anyone?"),
        Some(PASSWORD),
    )
    .await;
    post(
        &t,
        &new_message("g3", chat, "@Claw book a table"),
        Some(PASSWORD),
    )
    .await;
    let sent = api.wait_for("/api/v1/message/text", 1).await;

    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].body["chatGuid"], chat);
    let reqs = t.upstream.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        last_user_text(&reqs[0].body),
        "+15551234567: @Claw book a table"
    );
}

#[actix_web::test]
async fn an_image_reaches_the_model_as_an_image_url_part_and_files_go_out_as_uploads() {
    let (api, t) = gateway(r#"dmPolicy: "open", allowFrom: ["*"]"#).await;
    t.upstream.push(Reply::text("nice"));
    let mut photo = new_message("g4", "iMessage;-;+15551234567", "");
    photo["data"]["attachments"] = json!([{"guid": fake::ATTACHMENT_GUID, "mimeType": "image/jpeg",
        "transferName": "IMG_0001.jpeg", "totalBytes": fake::ATTACHMENT_PNG.len()}]);
    post(&t, &photo, Some(PASSWORD)).await;
    api.wait_for("/api/v1/message/text", 1).await;
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("chart.png");
    std::fs::write(&png, PNG).unwrap();

    let out = cli_send(
        &t,
        &[
            "--channel",
            "imessage",
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
    assert_eq!(text, "<media:image> IMG_0001.jpeg");
    assert_eq!(
        images,
        vec![format!(
            "data:image/png;base64,{}",
            STANDARD.encode(fake::ATTACHMENT_PNG)
        )],
        "downloaded from the server, sniffed as PNG"
    );
    let download = api.to("/download");
    assert_eq!(download.len(), 1);
    assert_eq!(download[0].query, format!("password={PASSWORD}"));
    assert!(out.status.success(), "{out:?}");
    let up = api.to("/api/v1/message/attachment");
    assert_eq!(up.len(), 1);
    assert_eq!(up[0].query, format!("password={PASSWORD}"));
    assert_eq!(up[0].body["chatGuid"], "iMessage;-;+15551234567");
    assert_eq!(up[0].body["attachment"]["filename"], "chart.png");
    assert_eq!(up[0].body["attachment"]["data"], STANDARD.encode(PNG));
    let texts = api.to("/api/v1/message/text");
    assert_eq!(texts.last().unwrap().body["message"], "chart");
}
