use crate::helpers::*;
use serde_json::{json, Value};

#[actix_web::test]
async fn tools_can_be_invoked_directly() {
    let t = spawn().await;
    t.chat(json!({"user":"inv","messages":[{"role":"user","content":"hi"}]}))
        .await;
    let (s, _, b) = t
        .post_json(
            "/tools/invoke",
            json!({"tool":"sessions_list","action":"json","args":{}}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["ok"], true);
    let details = &b["result"]["details"];
    assert_eq!(details["count"], 1);
    assert_eq!(details["sessions"][0]["key"], "agent:main:openai-user:inv");
    assert_eq!(details["hasMore"], false);
    let text = b["result"]["content"][0]["text"].as_str().unwrap();
    assert_eq!(serde_json::from_str::<Value>(text).unwrap(), *details);
    let (s, _, b) = t
        .post_json(
            "/tools/invoke",
            json!({"tool":"sessions_history","args":{"sessionKey":"agent:main:openai-user:inv"}}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["result"]["details"]["messages"][0]["content"], "hi");
    let (s, _, b) = t
        .post_json(
            "/tools/invoke",
            json!({"tool":"session_status","sessionKey":"main"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["result"]["details"]["sessionKey"], "agent:main:main");
}

#[actix_web::test]
async fn tools_invoke_errors_follow_openclaw() {
    let t = spawn().await;
    let (s, _, b) = t
        .post_json(
            "/tools/invoke",
            json!({"tool":"exec","args":{"command":"true"}}),
        )
        .await;
    assert_eq!(s, 404);
    assert_eq!(
        b,
        json!({"ok":false,"error":{"type":"not_found","message":"Tool not available: exec"}})
    );
    let (s, _, b) = t
        .post_json("/tools/invoke", json!({"tool":"no_such_tool"}))
        .await;
    assert_eq!(s, 404);
    assert_eq!(b["error"]["message"], "Tool not available: no_such_tool");
    let (s, _, b) = t.post_json("/tools/invoke", json!({})).await;
    assert_eq!(s, 400);
    assert_eq!(b["error"]["message"], "tools.invoke requires body.tool");
    let (s, _, b) = t
        .post_json(
            "/tools/invoke",
            json!({"tool":"sessions_history","args":{"sessionKey":"agent:main:nope"}}),
        )
        .await;
    assert_eq!(s, 400, "{b}");
    assert_eq!(b["error"]["type"], "tool_error");
    let r = t
        .client()
        .post(t.url("/tools/invoke"))
        .send_json(&json!({"tool":"sessions_list"}))
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(t.get("/tools/invoke").send().await.unwrap().status(), 405);
}

#[actix_web::test]
async fn gateway_tools_deny_removes_a_tool_from_http() {
    let t = spawn_with(
        "openai-completions",
        "tools: { deny: [\"sessions_list\"] }",
        "",
    )
    .await;
    let (s, _, _) = t
        .post_json("/tools/invoke", json!({"tool":"sessions_list"}))
        .await;
    assert_eq!(s, 404);
}
