//! `message send` with attachments, buttons and cards: the real CLI binary and the WS `send`
//! method against the real gateway, delivered through each channel's upload API to local fakes
//! that parse the multipart bodies with an independent parser.

use crate::channels_discord::{fake_rest, start as start_discord};
use crate::channels_telegram::{telegram_cfg, wait_channel_state};
use crate::fake_discord::FakeDiscord;
use crate::fake_http::{FakeHttp, SELF_URL};
use crate::fake_telegram::FakeTelegram;
use crate::helpers::{spawn_with, TestGateway, TOKEN};
use crate::ws_client::WsClient;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};
use std::process::Output;

/// A small but real PNG header plus payload bytes.
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRpixels";

/// Runs `clawgate message send <args>` against `t` on a thread (the test's runtime stays free
/// to serve the gateway and the fakes).
pub async fn cli_send(t: &TestGateway, args: &[&str]) -> Output {
    let url = t.base.clone();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_clawgate"))
            .args(["message", "send"])
            .args(&args)
            .args(["--url", &url, "--token", TOKEN])
            .env_remove("OPENCLAW_GATEWAY_TOKEN")
            .output()
            .unwrap();
        let _ = tx.send(out);
    });
    rx.await.unwrap()
}

pub async fn ws_send(t: &TestGateway, params: Value) -> Value {
    let mut c = WsClient::open(t, "/", &[("authorization", &format!("Bearer {TOKEN}"))]).await;
    c.send(json!({"method": "send", "params": params, "id": 1}))
        .await;
    c.until(|v| v["id"] == 1).await.0
}

async fn telegram_gateway() -> (FakeTelegram, TestGateway) {
    let fake = FakeTelegram::start().await;
    let t = spawn_with("openai-completions", "", &telegram_cfg(&fake, "")).await;
    wait_channel_state(&t, "telegram", "connected").await;
    (fake, t)
}

#[actix_web::test]
async fn a_local_png_goes_to_telegram_as_send_photo_with_caption_and_buttons() {
    let (fake, t) = telegram_gateway().await;
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("screenshot.png");
    std::fs::write(&png, PNG).unwrap();
    let buttons = r#"[[{"text": "Open", "url": "https://example.com/run/1"}], [{"text": "Ack", "callback_data": "ack"}]]"#;

    let out = cli_send(
        &t,
        &[
            "--channel",
            "telegram",
            "--target",
            "42",
            "--message",
            "监控截图",
            "--media",
            png.to_str().unwrap(),
            "--buttons",
            buttons,
            "--json",
        ],
    )
    .await;

    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["channel"], "telegram");
    let sent = fake.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["method"], "sendPhoto");
    assert_eq!(sent[0]["chat_id"], "42");
    assert_eq!(sent[0]["caption"], "监控截图");
    assert_eq!(sent[0]["photo"]["filename"], "screenshot.png");
    assert_eq!(sent[0]["photo"]["contentType"], "image/png");
    assert_eq!(
        STANDARD
            .decode(sent[0]["photo"]["data"].as_str().unwrap())
            .unwrap(),
        PNG
    );
    let markup: Value = serde_json::from_str(sent[0]["reply_markup"].as_str().unwrap()).unwrap();
    assert_eq!(
        markup["inline_keyboard"][0][0]["url"],
        "https://example.com/run/1"
    );
    assert_eq!(markup["inline_keyboard"][1][0]["callback_data"], "ack");
}

#[actix_web::test]
async fn gif_playback_sends_a_video_as_an_animation_and_buttons_ride_on_text() {
    let (fake, t) = telegram_gateway().await;
    let clip = STANDARD.encode(b"\0\0\0\x18ftypmp42video");
    let r = ws_send(
        &t,
        json!({"channel": "telegram", "to": "42", "message": "", "gifPlayback": true,
            "media": [{"data": clip, "filename": "loop.mp4"}], "idempotencyKey": "g-1"}),
    )
    .await;
    assert!(r["result"]["messageIds"].is_array(), "{r}");
    let r = ws_send(
        &t,
        json!({"channel": "telegram", "to": "42", "message": "pick one",
            "buttons": [{"text": "A", "callback_data": "a"}], "idempotencyKey": "g-2"}),
    )
    .await;
    assert!(r["result"]["messageIds"].is_array(), "{r}");

    let sent = fake.sent();
    assert_eq!(sent[0]["method"], "sendAnimation");
    assert_eq!(sent[0]["animation"]["contentType"], "video/mp4");
    assert!(sent[0].get("caption").is_none());
    assert_eq!(sent[1]["text"], "pick one");
    assert_eq!(
        sent[1]["reply_markup"]["inline_keyboard"][0][0]["text"],
        "A"
    );
}

#[actix_web::test]
async fn a_card_on_telegram_fails_clearly_and_sends_nothing() {
    let (fake, t) = telegram_gateway().await;
    let out = cli_send(
        &t,
        &[
            "--channel",
            "telegram",
            "--target",
            "42",
            "--message",
            "x",
            "--card",
            r#"{"title": "Build"}"#,
        ],
    )
    .await;

    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cards are not supported by the telegram channel"),
        "{err}"
    );
    assert!(fake.sent().is_empty());
}

#[actix_web::test]
async fn an_oversized_image_is_refused_by_the_cli_before_sending() {
    let (fake, t) = telegram_gateway().await;
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("huge.png");
    let f = std::fs::File::create(&big).unwrap();
    std::io::Write::write_all(&mut &f, PNG).unwrap();
    f.set_len(7 * 1024 * 1024).unwrap();

    let out = cli_send(
        &t,
        &[
            "--channel",
            "telegram",
            "--target",
            "42",
            "--media",
            big.to_str().unwrap(),
        ],
    )
    .await;

    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("huge.png is too large") && err.contains("6 MiB"),
        "{err}"
    );
    assert!(fake.sent().is_empty());
}

#[actix_web::test]
async fn a_media_url_on_the_loopback_is_refused_by_the_ssrf_guard() {
    let (fake, t) = telegram_gateway().await;
    let site = FakeHttp::start(|_, _| (200, json!({}))).await;
    let r = ws_send(
        &t,
        json!({"channel": "telegram", "to": "42", "message": "m",
            "mediaUrl": format!("{}/a.png", site.url()), "idempotencyKey": "u-1"}),
    )
    .await;

    let msg = r["error"]["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("private or loopback address not allowed"),
        "{r}"
    );
    assert!(site.requests().is_empty());
    assert!(fake.sent().is_empty());
}

async fn fake_slack() -> FakeHttp {
    FakeHttp::start(|path, body| {
        let ok = |v: Value| (200, v);
        if path.ends_with("/auth.test") {
            ok(json!({"ok": true, "user_id": "UBOT", "user": "clawbot"}))
        } else if path.ends_with("/chat.postMessage") {
            ok(json!({"ok": true, "channel": body["channel"], "ts": "1700000000.000100"}))
        } else if path.ends_with("/files.getUploadURLExternal") {
            ok(json!({"ok": true, "file_id": "F123",
                "upload_url": format!("{SELF_URL}/upload/v1/F123")}))
        } else if path.starts_with("/upload/") {
            ok(json!({}))
        } else if path.ends_with("/files.completeUploadExternal") {
            ok(json!({"ok": true, "files": [{"id": "F123"}]}))
        } else {
            (404, json!({"ok": false, "error": "unknown_method"}))
        }
    })
    .await
}

#[actix_web::test]
async fn slack_gets_cards_as_blocks_and_files_through_the_external_upload_flow() {
    let api = fake_slack().await;
    let top = format!(
        r#"channels: {{ slack: {{ botToken: "xoxb-t", signingSecret: "s", apiRoot: "{}" }} }},"#,
        api.url()
    );
    let t = spawn_with("openai-completions", "", &top).await;
    wait_channel_state(&t, "slack", "connected").await;
    let blocks = json!([{"type": "section", "text": {"type": "mrkdwn", "text": "*Build* ok"}}]);

    let card = ws_send(
        &t,
        json!({"channel": "slack", "to": "channel:C1", "message": "build ok",
            "card": blocks, "idempotencyKey": "s-1"}),
    )
    .await;
    let file = ws_send(
        &t,
        json!({"channel": "slack", "to": "C1", "message": "the log", "threadId": "171.1",
            "media": [{"data": STANDARD.encode(b"line 1\n"), "filename": "build.log"}],
            "idempotencyKey": "s-2"}),
    )
    .await;

    assert_eq!(
        card["result"]["messageIds"],
        json!(["1700000000.000100"]),
        "{card}"
    );
    assert_eq!(file["result"]["messageIds"], json!(["F123"]), "{file}");
    let posted = api.to("/chat.postMessage");
    assert_eq!(posted[0].body["blocks"], blocks);
    assert_eq!(posted[0].body["text"], "build ok");
    let asked = api.to("/files.getUploadURLExternal");
    assert_eq!(asked[0].body["filename"], "build.log");
    assert_eq!(asked[0].body["length"], "7");
    let uploaded = api.to("/upload/v1/F123");
    assert_eq!(uploaded[0].raw, b"line 1\n");
    let done = api.to("/files.completeUploadExternal");
    assert_eq!(done[0].body["files"][0]["id"], "F123");
    assert_eq!(done[0].body["channel_id"], "C1");
    assert_eq!(done[0].body["initial_comment"], "the log");
    assert_eq!(done[0].body["thread_ts"], "171.1");
}

#[actix_web::test]
async fn discord_gets_files_as_multipart_and_cards_as_embeds() {
    let gw = FakeDiscord::start().await;
    let rest = fake_rest().await;
    let t = start_discord(&gw, &rest, "").await;
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("chart.png");
    std::fs::write(&png, PNG).unwrap();

    let out = cli_send(
        &t,
        &[
            "--channel",
            "discord",
            "--target",
            "channel:555",
            "--message",
            "新版本已发布",
            "--media",
            png.to_str().unwrap(),
            "--card",
            r#"{"title": "v1.2", "description": "changelog"}"#,
        ],
    )
    .await;

    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let posted = rest.to("/channels/555/messages");
    assert_eq!(posted.len(), 1);
    let ct = &posted[0].headers["content-type"];
    assert!(ct.starts_with("multipart/form-data"), "{ct}");
    let payload: Value =
        serde_json::from_str(posted[0].body["payload_json"].as_str().unwrap()).unwrap();
    assert_eq!(payload["content"], "新版本已发布");
    assert_eq!(payload["embeds"][0]["title"], "v1.2");
    assert_eq!(payload["attachments"][0]["filename"], "chart.png");
    let file = &posted[0].body["files[0]"];
    assert_eq!(file["filename"], "chart.png");
    assert_eq!(
        STANDARD.decode(file["data"].as_str().unwrap()).unwrap(),
        PNG
    );
}

#[actix_web::test]
async fn buttons_outside_telegram_are_refused_naming_the_channel() {
    let gw = FakeDiscord::start().await;
    let rest = fake_rest().await;
    let t = start_discord(&gw, &rest, "").await;
    let r = ws_send(
        &t,
        json!({"channel": "discord", "to": "channel:1", "message": "m",
            "buttons": [{"text": "a", "callback_data": "a"}], "idempotencyKey": "b-1"}),
    )
    .await;
    assert_eq!(
        r["error"]["message"],
        "buttons are not supported by the discord channel (buttons work on: telegram)"
    );
    assert!(rest.to("/messages").is_empty());
}

#[actix_web::test]
async fn the_webhook_channel_gets_files_as_base64_and_refuses_cards() {
    let cb = FakeHttp::start(|_, _| (200, json!({"messageId": "cb-1"}))).await;
    let top = format!(
        r#"channels: {{ webhook: {{ secret: "s", callbackUrl: "{}/reply", allowPrivateNetwork: true }} }},"#,
        cb.url()
    );
    let t = spawn_with("openai-completions", "", &top).await;
    wait_channel_state(&t, "webhook", "connected").await;

    let ok = ws_send(
        &t,
        json!({"channel": "webhook", "to": "room-1", "message": "report",
            "media": [{"data": STANDARD.encode(b"%PDF-1.4 x"), "filename": "r.pdf"}],
            "idempotencyKey": "w-1"}),
    )
    .await;
    let refused = ws_send(
        &t,
        json!({"channel": "webhook", "to": "room-1", "message": "m", "card": {"title": "x"},
            "idempotencyKey": "w-2"}),
    )
    .await;

    assert_eq!(ok["result"]["messageIds"], json!(["cb-1"]), "{ok}");
    let got = cb.to("/reply");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body["text"], "report");
    assert_eq!(got[0].body["media"]["filename"], "r.pdf");
    assert_eq!(got[0].body["media"]["mimeType"], "application/pdf");
    assert_eq!(
        STANDARD
            .decode(got[0].body["media"]["data"].as_str().unwrap())
            .unwrap(),
        b"%PDF-1.4 x"
    );
    assert_eq!(
        refused["error"]["message"],
        "cards are not supported by the webhook channel (cards work on: slack, discord, whatsapp)"
    );
}
