//! `chat.send` image attachments (what the web UI sends for a pasted or picked image): the
//! image reaches the model as an image part of the user message; a non-image is refused.

use crate::helpers::*;
use crate::ws_client::{WsClient, ALL};
use clawgate_bench::mock::Reply;
use serde_json::json;

const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

#[actix_web::test]
async fn an_attached_image_reaches_the_model_and_other_files_are_refused() {
    let t = spawn().await;
    let (mut c, _) = WsClient::operator(&t, ALL).await;
    let key = "agent:main:pictures";
    let patched = c
        .call(
            "sessions.patch",
            json!({"key": key, "model": "mock/vision-model"}),
        )
        .await;
    assert_eq!(patched["ok"], true, "{patched}");
    t.upstream.push(Reply::text("A single pixel."));
    let ack = c
        .call(
            "chat.send",
            json!({"sessionKey": key, "message": "what is this?", "idempotencyKey": "img-1",
                   "attachments": [{"type": "image", "mimeType": "image/png", "fileName": "dot.png", "content": PNG}]}),
        )
        .await;
    assert_eq!(ack["payload"]["status"], "started", "{ack}");
    let (done, _) = c
        .until(|v| v["event"] == "chat" && v["payload"]["state"] == "final")
        .await;
    assert_eq!(
        done["payload"]["message"]["content"][0]["text"],
        "A single pixel."
    );
    let body = t.upstream.requests().last().unwrap().body.clone();
    let user = body["messages"].as_array().unwrap().last().unwrap().clone();
    let parts = user["content"].as_array().expect("content parts");
    assert!(parts.iter().any(|p| p["type"] == "text"));
    let url = parts
        .iter()
        .find(|p| p["type"] == "image_url")
        .and_then(|p| p["image_url"]["url"].as_str())
        .expect("an image part");
    assert_eq!(url, format!("data:image/png;base64,{PNG}"));

    let refused = c
        .call(
            "chat.send",
            json!({"sessionKey": key, "message": "", "idempotencyKey": "img-2",
                   "attachments": [{"mimeType": "application/pdf", "content": "JVBERi0="}]}),
        )
        .await;
    assert_eq!(refused["ok"], false);
    assert!(refused["error"]["message"]
        .as_str()
        .unwrap()
        .contains("only images"));
}
