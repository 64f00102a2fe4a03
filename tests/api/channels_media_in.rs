//! Inbound media: files attached to channel messages are downloaded through the platform's
//! API once the message is accepted; images reach the model as `image_url` parts, voice notes
//! are stored under the state dir and named in the text, oversized files are refused with a
//! note (local fake Bot API / Graph API, scripted upstream).

use crate::channels_telegram::{telegram_cfg, wait_channel_state};
use crate::fake_telegram::FakeTelegram;
use crate::helpers::{spawn_with, TestGateway};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use clawgate_bench::mock::Reply;
use serde_json::{json, Value};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRtelegram-photo-pixels";
const OGG: &[u8] = b"OggS\0\x02voice-note-frames";

/// The last user message of an upstream request: its text parts joined, and its image URLs.
pub fn user_parts(body: &Value) -> (String, Vec<String>) {
    let user = body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|m| m["role"] == "user")
        .cloned()
        .unwrap_or(Value::Null);
    match &user["content"] {
        Value::String(s) => (s.clone(), vec![]),
        Value::Array(parts) => {
            let text = parts
                .iter()
                .filter_map(|p| p["text"].as_str())
                .collect::<Vec<_>>()
                .join("\n");
            let images = parts
                .iter()
                .filter_map(|p| p["image_url"]["url"].as_str().map(str::to_string))
                .collect();
            (text, images)
        }
        _ => (String::new(), vec![]),
    }
}

fn from_ada(extra: Value) -> Value {
    let mut m = json!({"date": 0, "from": {"id": 42, "is_bot": false, "first_name": "Ada"},
        "chat": {"id": 42, "type": "private"}});
    for (k, v) in extra.as_object().unwrap() {
        m[k] = v.clone();
    }
    m
}

async fn gateway(fake: &FakeTelegram, extra: &str) -> TestGateway {
    let t = spawn_with("openai-completions", "", &telegram_cfg(fake, extra)).await;
    wait_channel_state(&t, "telegram", "connected").await;
    t
}

#[actix_web::test]
async fn a_telegram_photo_reaches_the_model_as_an_image_url_part() {
    let fake = FakeTelegram::start().await;
    let t = gateway(&fake, "").await;
    t.upstream.push(Reply::text("a tiny png"));
    fake.add_file("photo-large", PNG);
    fake.push(from_ada(json!({"caption": "what is this?", "photo": [
        {"file_id": "photo-small", "file_unique_id": "s", "width": 90, "height": 90, "file_size": 10},
        {"file_id": "photo-large", "file_unique_id": "l", "width": 800, "height": 800,
         "file_size": PNG.len()}]})));

    let sent = fake.wait_sent(1).await;

    assert_eq!(sent[0]["text"], "a tiny png");
    let (text, images) = user_parts(&t.upstream.requests()[0].body);
    assert_eq!(text, "<media:image> what is this?");
    assert_eq!(
        images,
        vec![format!("data:image/png;base64,{}", STANDARD.encode(PNG))],
        "the largest size, sniffed as PNG"
    );
}

#[actix_web::test]
async fn an_oversized_photo_is_not_downloaded_and_the_text_says_so() {
    let fake = FakeTelegram::start().await;
    let t = gateway(&fake, "mediaMaxMb: 0.00001").await;
    t.upstream.push(Reply::text("I cannot see it"));
    fake.add_file("big", PNG);
    fake.push(from_ada(json!({"photo": [
        {"file_id": "big", "file_unique_id": "b", "width": 9000, "height": 9000,
         "file_size": PNG.len()}]})));

    fake.wait_sent(1).await;

    let (text, images) = user_parts(&t.upstream.requests()[0].body);
    assert!(images.is_empty());
    assert!(
        text.starts_with("<media:image>\n[image not downloaded: ") && text.contains("limit]"),
        "{text}"
    );
}

#[actix_web::test]
async fn a_voice_note_is_stored_under_the_state_dir_and_named_in_the_text() {
    let fake = FakeTelegram::start().await;
    let t = gateway(&fake, "").await;
    t.upstream.push(Reply::text("heard you"));
    fake.add_file("voice-1", OGG);
    fake.push(from_ada(
        json!({"voice": {"file_id": "voice-1", "file_unique_id": "v",
        "duration": 3, "mime_type": "audio/ogg", "file_size": OGG.len()}}),
    ));

    fake.wait_sent(1).await;

    let (text, images) = user_parts(&t.upstream.requests()[0].body);
    assert!(images.is_empty());
    let note = text
        .strip_prefix("<media:voice_note>\n[voice note: ")
        .unwrap_or_else(|| panic!("{text}"));
    let (path, rest) = note.split_once(", ").unwrap();
    assert_eq!(rest, "audio/ogg, 3 s]");
    let inbound = t.dir.path().join("media/inbound/telegram");
    assert!(path.starts_with(inbound.to_str().unwrap()), "{path}");
    assert!(path.ends_with(".ogg"));
    assert_eq!(std::fs::read(path).unwrap(), OGG);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let meta: Value = serde_json::from_slice(
        &std::fs::read(std::path::Path::new(path).with_extension("json")).unwrap(),
    )
    .unwrap();
    assert_eq!(meta["kind"], "voice note");
    assert_eq!(meta["mime"], "audio/ogg");
    assert_eq!(meta["seconds"], 3);
    assert_eq!(meta["bytes"], OGG.len());
}
