//! The `message` tool end to end: the scripted model sends text to a chat through the webhook
//! channel (the gateway's one delivery path), the channel's callback server receives it, and
//! the next model request carries the delivery receipt. Unknown or unconfigured channels are
//! tool errors; `/tools/invoke` sends too.

use crate::fake_http::FakeHttp;
use crate::helpers::*;
use clawgate_bench::mock::Reply;
use serde_json::{json, Value};

fn cfg(callback: &str) -> String {
    format!(
        r#"tools: {{ alsoAllow: ["message"] }},
channels: {{ webhook: {{ secret: "s3cret", callbackUrl: "{callback}/reply", allowPrivateNetwork: true, dmPolicy: "open", allowFrom: ["*"] }} }},"#
    )
}

/// One chat turn in which the model calls `message` with `args`; the result it got back.
async fn message_via_model(t: &TestGateway, args: Value) -> Value {
    t.upstream
        .push(Reply::tool_call("message", &args.to_string()));
    t.upstream.push(Reply::text("sent"));
    let before = t.upstream.request_count();
    let (s, body) = t
        .chat(json!({"user":"m","messages":[{"role":"user","content":"tell the room"}]}))
        .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["choices"][0]["message"]["content"], "sent");
    let reqs = t.upstream.requests();
    assert_eq!(reqs.len(), before + 2);
    last_tool_json(&reqs[before + 1])
}

#[actix_web::test]
async fn the_model_sends_a_message_through_the_channel_and_gets_the_receipt() {
    let cb = FakeHttp::start(|_, _| (200, json!({"messageId": "cb-42"}))).await;
    let t = spawn_with("openai-completions", "", &cfg(&cb.url())).await;

    let got = message_via_model(
        &t,
        json!({"action": "send", "target": "room-5", "message": "deploy finished", "threadId": 7}),
    )
    .await;
    let posted = cb.wait_for("/reply", 1).await;
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0].body["to"], "room-5");
    assert_eq!(posted[0].body["text"], "deploy finished");
    assert_eq!(posted[0].body["threadId"], "7");
    assert_eq!(
        got,
        json!({"ok": true, "action": "send", "channel": "webhook", "to": "room-5",
               "messageId": "cb-42", "messageIds": ["cb-42"]})
    );

    // `to` / `text` as aliases, the channel named explicitly.
    let got = message_via_model(
        &t,
        json!({"channel": "webhook", "to": "room-6", "text": "second"}),
    )
    .await;
    assert_eq!(got["ok"], true, "{got}");
    let posted = cb.wait_for("/reply", 2).await;
    assert_eq!(posted[1].body["text"], "second");
}

#[actix_web::test]
async fn unknown_or_unconfigured_channels_are_tool_errors() {
    let cb = FakeHttp::start(|_, _| (200, json!({}))).await;
    let t = spawn_with("openai-completions", "", &cfg(&cb.url())).await;

    let got = message_via_model(
        &t,
        json!({"channel": "pigeon", "target": "x", "message": "hi"}),
    )
    .await;
    assert_eq!(got["error"], "message: unknown channel: pigeon");
    let got = message_via_model(
        &t,
        json!({"channel": "telegram", "target": "1", "message": "hi"}),
    )
    .await;
    let err = got["error"].as_str().unwrap();
    assert!(
        err.starts_with("message: ") && err.contains("telegram"),
        "{err}"
    );
    let got = message_via_model(&t, json!({"action": "react", "message": "hi"})).await;
    assert_eq!(
        got["error"],
        "message action `react` is not supported (clawgate has `send` only)"
    );
    // A channel switched off at run time.
    let app = &t.gw.as_ref().unwrap().state.app;
    app.set_channel_enabled("webhook", false).await.unwrap();
    let got = message_via_model(&t, json!({"target": "x", "message": "hi"})).await;
    assert_eq!(
        got["error"],
        "message: channel webhook:default is not connected"
    );
    assert!(cb.requests().is_empty(), "nothing was delivered");

    // No channel configured at all and none named.
    let bare = spawn_with(
        "openai-completions",
        "",
        r#"tools: { alsoAllow: ["message"] }"#,
    )
    .await;
    let got = message_via_model(&bare, json!({"target": "x", "message": "hi"})).await;
    assert_eq!(got["error"], "no chat channel is configured");
}

#[actix_web::test]
async fn message_works_over_tools_invoke() {
    let cb = FakeHttp::start(|_, _| (200, json!({"messageId": 9}))).await;
    let t = spawn_with("openai-completions", "", &cfg(&cb.url())).await;
    let (s, _, b) = t
        .post_json(
            "/tools/invoke",
            json!({"tool": "message", "args": {"target": "ops", "message": "from http"}}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["result"]["details"]["messageId"], "9");
    assert_eq!(cb.wait_for("/reply", 1).await[0].body["text"], "from http");
    let (s, _, b) = t
        .post_json(
            "/tools/invoke",
            json!({"tool": "message", "args": {"channel": "pigeon", "target": "x", "message": "y"}}),
        )
        .await;
    assert_eq!(s, 400, "{b}");
    assert_eq!(b["error"]["message"], "message: unknown channel: pigeon");

    let plain = spawn_with("openai-completions", "", "").await;
    let (s, _, _) = plain
        .post_json(
            "/tools/invoke",
            json!({"tool": "message", "args": {"message": "x"}}),
        )
        .await;
    assert_eq!(s, 404, "message is opt-in");
}

#[actix_web::test]
async fn media_urls_go_through_the_ssrf_guard() {
    let cb = FakeHttp::start(|_, _| (200, json!({"messageId": 9}))).await;
    let t = spawn_with("openai-completions", "", &cfg(&cb.url())).await;
    let (s, _, b) = t
        .post_json(
            "/tools/invoke",
            json!({"tool": "message", "args": {"target": "ops", "message": "chart",
                "media": [format!("{}/chart.png", cb.url())]}}),
        )
        .await;
    assert_eq!(s, 400, "{b}");
    let msg = b["error"]["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("private or loopback address not allowed"),
        "{b}"
    );
    assert!(cb.requests().is_empty(), "nothing was fetched or sent");
    let (s, _, b) = t
        .post_json(
            "/tools/invoke",
            json!({"tool": "message", "args": {"target": "ops", "message": "x",
                "media": ["/etc/passwd"]}}),
        )
        .await;
    assert_eq!(s, 400, "{b}");
}
