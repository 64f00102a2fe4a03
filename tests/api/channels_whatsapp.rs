//! WhatsApp Business Cloud API: the subscription handshake, signed webhook deliveries in,
//! `/{phone-number-id}/messages` out (text, media by uploaded id, templates, read receipts),
//! against a local fake Graph API.

use crate::channels_media::{cli_send, ws_send, PNG};
use crate::channels_telegram::wait_channel_state;
use crate::fake_http::FakeHttp;
use crate::fake_whatsapp::{self as fake, APP_SECRET, PHONE_NUMBER_ID, VERIFY_TOKEN, VERSION};
use crate::helpers::{last_user_text, spawn_with, TestGateway};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use clawgate_bench::mock::Reply;
use serde_json::{json, Value};

const ADA: &str = "15551234567";

async fn gateway(extra: &str) -> (FakeHttp, TestGateway) {
    let api = fake::start().await;
    let top = format!("channels: {{ {} }},", fake::config(&api.url(), extra));
    let t = spawn_with("openai-completions", "", &top).await;
    wait_channel_state(&t, "whatsapp", "connected").await;
    (api, t)
}

async fn post_delivery(t: &TestGateway, body: &Value, secret: Option<&str>) -> u16 {
    let raw = body.to_string();
    let mut req = t
        .client()
        .post(t.url("/channels/whatsapp/webhook"))
        .insert_header(("content-type", "application/json"));
    if let Some(s) = secret {
        req = req.insert_header(("x-hub-signature-256", fake::sign(s, &raw)));
    }
    req.send_body(raw).await.unwrap().status().as_u16()
}

fn messages_path() -> String {
    format!("/{VERSION}/{PHONE_NUMBER_ID}/messages")
}

#[actix_web::test]
async fn the_verification_challenge_is_echoed_only_for_the_verify_token() {
    let (_api, t) = gateway(r#"dmPolicy: "open", allowFrom: ["*"]"#).await;
    let url = |token: &str| {
        t.url(&format!(
            "/channels/whatsapp/webhook?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444"
        ))
    };

    let mut ok = t.client().get(url(VERIFY_TOKEN)).send().await.unwrap();
    let body = ok.body().await.unwrap();
    let wrong = t.client().get(url("guess")).send().await.unwrap();

    assert_eq!(ok.status(), 200);
    assert_eq!(&body[..], b"1158201444");
    assert_eq!(wrong.status(), 403);
}

#[actix_web::test]
async fn status_and_the_channel_list_show_the_business_number() {
    let (_api, t) = gateway("").await;

    let status = wait_channel_state(&t, "whatsapp", "connected").await;
    let mut resp = t.get("/v1/channels").send().await.unwrap();
    let list: Value = resp.json().await.unwrap();

    assert_eq!(status["channels"]["whatsapp"], "connected");
    assert_eq!(status["channels"]["signal"], "not_configured");
    let wa = list["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "whatsapp")
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(wa["name"], "WhatsApp", "{list}");
    assert_eq!(wa["status"], "connected", "{list}");
    assert_eq!(wa["botUsername"], "+15550001111", "{list}");
}

#[actix_web::test]
async fn forged_or_unsigned_deliveries_are_rejected_and_run_nothing() {
    let (api, t) = gateway(r#"dmPolicy: "open", allowFrom: ["*"]"#).await;
    let body = fake::delivery(ADA, "Ada", json!([fake::text(ADA, "wamid.F1", "hi")]));

    let forged = post_delivery(&t, &body, Some("not-the-app-secret")).await;
    let unsigned = post_delivery(&t, &body, None).await;

    assert_eq!(forged, 401);
    assert_eq!(unsigned, 401);
    assert!(t.upstream.requests().is_empty());
    assert!(api.to("/messages").is_empty());
}

#[actix_web::test]
async fn a_direct_message_is_read_answered_and_the_reply_goes_back() {
    let (api, t) = gateway(r#"dmPolicy: "allowlist", allowFrom: ["+15551234567"]"#).await;
    t.upstream.push(Reply::text("hello from the agent"));
    let body = fake::delivery(
        ADA,
        "Ada",
        json!([fake::text(ADA, "wamid.IN1", "hello bot")]),
    );

    let status = post_delivery(&t, &body, Some(APP_SECRET)).await;
    let posted = api.wait_for(&messages_path(), 2).await;

    assert_eq!(status, 200);
    assert_eq!(posted.len(), 2, "a read receipt and the reply");
    assert_eq!(
        posted[0].body,
        json!({"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.IN1"})
    );
    assert_eq!(
        posted[1].body,
        json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": ADA,
               "type": "text", "text": {"preview_url": false, "body": "hello from the agent"}})
    );
    assert_eq!(
        posted[1].headers["authorization"],
        format!("Bearer {}", fake::ACCESS_TOKEN)
    );
    assert_eq!(last_user_text(&t.upstream.requests()[0].body), "hello bot");
}

#[actix_web::test]
async fn strangers_and_unmentioned_or_unlisted_groups_are_ignored() {
    let (api, t) = gateway(
        r#"dmPolicy: "allowlist", allowFrom: ["+15551234567"], groups: { "120363040000000001": { requireMention: true } }"#,
    )
    .await;
    t.upstream.push(Reply::text("group answer"));
    let mut stranger = fake::text("15559990000", "wamid.S1", "let me in");
    stranger["from"] = json!("15559990000");
    let mut unlisted = fake::text(ADA, "wamid.G0", "@15550001111 hi");
    unlisted["group_id"] = json!("120363049999999999");
    let mut plain = fake::text(ADA, "wamid.G1", "just chatting");
    plain["group_id"] = json!("120363040000000001");
    let mut mention = fake::text(ADA, "wamid.G2", "@15550001111 what's up?");
    mention["group_id"] = json!("120363040000000001");
    let body = fake::delivery(ADA, "Ada", json!([stranger, unlisted, plain, mention]));

    assert_eq!(post_delivery(&t, &body, Some(APP_SECRET)).await, 200);
    let posted = api.wait_for(&messages_path(), 2).await;
    let replies: Vec<&Value> = posted
        .iter()
        .map(|r| &r.body)
        .filter(|b| b["type"] == "text")
        .collect();

    assert_eq!(replies.len(), 1, "{posted:?}");
    assert_eq!(replies[0]["recipient_type"], "group");
    assert_eq!(replies[0]["to"], "120363040000000001");
    let reqs = t.upstream.requests();
    assert_eq!(reqs.len(), 1, "only the mention ran a turn");
    assert_eq!(
        last_user_text(&reqs[0].body),
        "Ada: @15550001111 what's up?"
    );
    let key = "agent:main:whatsapp:group:120363040000000001";
    assert!(t.store().get_session(key).await.unwrap().is_some());
}

#[actix_web::test]
async fn an_inbound_image_is_downloaded_and_reaches_the_model_as_an_image_url_part() {
    let (api, t) = gateway(r#"dmPolicy: "open", allowFrom: ["*"]"#).await;
    t.upstream.push(Reply::text("nice picture"));
    let image = json!({"from": ADA, "id": "wamid.IMG", "timestamp": "1", "type": "image",
        "image": {"id": fake::INBOUND_IMAGE_ID, "mime_type": "image/png", "sha256": "x",
                  "caption": "look at this"}});

    post_delivery(
        &t,
        &fake::delivery(ADA, "Ada", json!([image])),
        Some(APP_SECRET),
    )
    .await;
    let posted = api.wait_for(&messages_path(), 2).await;

    assert_eq!(posted.len(), 2);
    let (text, images) = crate::channels_media_in::user_parts(&t.upstream.requests()[0].body);
    assert_eq!(text, "<media:image> look at this");
    assert_eq!(
        images,
        vec![format!(
            "data:image/png;base64,{}",
            STANDARD.encode(fake::INBOUND_IMAGE)
        )]
    );
    let downloads = api.to(&format!("/download/{}", fake::INBOUND_IMAGE_ID));
    assert_eq!(downloads.len(), 1);
    assert_eq!(
        downloads[0].headers["authorization"],
        format!("Bearer {}", fake::ACCESS_TOKEN),
        "the media URL is fetched with the access token"
    );
}

#[actix_web::test]
async fn message_send_uploads_media_and_sends_it_by_id_with_the_caption() {
    let (api, t) = gateway("").await;
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("chart.png");
    std::fs::write(&png, PNG).unwrap();

    let out = cli_send(
        &t,
        &[
            "--channel",
            "whatsapp",
            "--target",
            "+15551234567",
            "--message",
            "today's chart",
            "--media",
            png.to_str().unwrap(),
        ],
    )
    .await;

    assert!(out.status.success(), "{out:?}");
    let uploads = api.to(&format!("/{VERSION}/{PHONE_NUMBER_ID}/media"));
    assert_eq!(uploads.len(), 1);
    assert_eq!(uploads[0].body["messaging_product"], "whatsapp");
    assert_eq!(uploads[0].body["type"], "image/png");
    assert_eq!(uploads[0].body["file"]["filename"], "chart.png");
    assert_eq!(uploads[0].body["file"]["data"], STANDARD.encode(PNG));
    let sent = api.to(&messages_path());
    assert_eq!(
        sent[0].body,
        json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": ADA,
               "type": "image", "image": {"id": "4490709327384033", "caption": "today's chart"}})
    );
}

#[actix_web::test]
async fn gif_playback_sends_a_video_and_a_card_becomes_a_template() {
    let (api, t) = gateway("").await;
    let mp4 = STANDARD.encode(b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom");

    let gif = ws_send(
        &t,
        json!({"channel": "whatsapp", "to": "+15551234567", "message": "",
               "gifPlayback": true, "idempotencyKey": "gif-1",
               "media": [{"filename": "party.mp4", "mimeType": "video/mp4", "data": mp4}]}),
    )
    .await;
    let tpl = ws_send(
        &t,
        json!({"channel": "whatsapp", "to": "+15551234567", "idempotencyKey": "tpl-1",
               "card": {"name": "hello_world", "language": "en_US"}}),
    )
    .await;

    assert_eq!(gif["result"]["channel"], "whatsapp", "{gif}");
    assert_eq!(tpl["result"]["channel"], "whatsapp", "{tpl}");
    let sent: Vec<Value> = api
        .to(&messages_path())
        .into_iter()
        .map(|r| r.body)
        .collect();
    assert_eq!(sent[0]["type"], "video");
    assert_eq!(sent[0]["video"]["id"], "4490709327384033");
    assert_eq!(
        sent[1],
        json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": ADA,
               "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}})
    );
}
