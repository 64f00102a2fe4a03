//! `sessions_send` end to end: the model posts into another session, that session runs a turn
//! (a second upstream request), and the reply comes back to the first turn as the tool result;
//! fire and forget; sending into the caller's own session or another agent's is refused.

use crate::helpers::*;
use clawgate_bench::mock::Reply;
use serde_json::{json, Value};

const SEND: &str = "tools: { alsoAllow: [\"sessions_send\"] }";
/// `sessions_send` is on OpenClaw's HTTP deny list; these tests take it off.
const HTTP_ALLOW: &str = "tools: { allow: [\"sessions_send\"] }";

#[actix_web::test]
async fn the_model_sends_into_another_session_and_gets_its_reply() {
    let t = spawn_with("openai-completions", "", SEND).await;
    let args = json!({"sessionKey": "side", "message": "ping from main"});
    t.upstream
        .push(Reply::tool_call("sessions_send", &args.to_string()));
    t.upstream.push(Reply::text("pong from side"));
    t.upstream.push(Reply::text("done"));

    let (s, body) = t
        .chat(json!({"user":"sender","messages":[{"role":"user","content":"ask side"}]}))
        .await;

    assert_eq!(s, 200, "{body}");
    assert_eq!(body["choices"][0]["message"]["content"], "done");
    let reqs = t.upstream.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(last_user_text(&reqs[1].body), "ping from main");
    let msgs = reqs[2].body["messages"].as_array().unwrap();
    let result = msgs.iter().rev().find(|m| m["role"] == "tool").unwrap();
    let details: Value = serde_json::from_str(result["content"].as_str().unwrap()).unwrap();
    assert_eq!(details["status"], "ok", "{details}");
    assert_eq!(details["reply"], "pong from side");
    assert_eq!(details["sessionKey"], "agent:main:side");
    let rows = t.store().list_sessions(Some("main"), 10).await.unwrap();
    assert!(
        rows.iter().any(|r| r.key == "agent:main:side"),
        "the target session was stored"
    );
}

#[actix_web::test]
async fn timeout_zero_fires_and_forgets() {
    let t = spawn_with("openai-completions", HTTP_ALLOW, SEND).await;
    t.upstream.push(Reply::text("later"));

    let (s, _, b) = t
        .post_json(
            "/tools/invoke",
            json!({"tool": "sessions_send", "args": {"sessionKey": "side", "message": "note",
                "timeoutSeconds": 0}}),
        )
        .await;

    assert_eq!(s, 200, "{b}");
    assert_eq!(b["result"]["details"]["status"], "accepted");
    assert!(b["result"]["details"]["runId"].as_str().is_some());
    assert!(eventually(|| t.upstream.request_count() == 1).await);
    assert_eq!(last_user_text(&t.upstream.requests()[0].body), "note");
}

#[actix_web::test]
async fn the_own_session_and_other_agents_sessions_are_refused() {
    let t = spawn_with("openai-completions", HTTP_ALLOW, SEND).await;
    for (args, expect) in [
        (
            json!({"sessionKey": "main", "message": "x"}),
            "current session",
        ),
        (
            json!({"sessionKey": "agent:beta:main", "message": "x"}),
            "Agent-to-agent",
        ),
        (json!({"agentId": "beta", "message": "x"}), "Agent-to-agent"),
    ] {
        let (s, _, b) = t
            .post_json(
                "/tools/invoke",
                json!({"tool": "sessions_send", "sessionKey": "main", "args": args}),
            )
            .await;
        assert_eq!(s, 403, "{b}");
        let msg = b["error"]["message"].as_str().unwrap();
        assert!(msg.contains(expect), "{msg}");
    }
    assert_eq!(t.upstream.request_count(), 0, "no turn ran");
}

#[actix_web::test]
async fn sessions_send_stays_on_the_http_deny_list_by_default() {
    let t = spawn_with("openai-completions", "", SEND).await;
    let (s, _, b) = t
        .post_json(
            "/tools/invoke",
            json!({"tool": "sessions_send", "args": {"sessionKey": "side", "message": "x"}}),
        )
        .await;
    assert_eq!(s, 404, "{b}");
}

#[actix_web::test]
async fn a_slow_reply_is_a_timeout_and_a_failed_turn_an_error() {
    let t = spawn_with("openai-completions", HTTP_ALLOW, SEND).await;
    let send = |key: &str, secs: u64| {
        json!({"tool": "sessions_send", "args": {"sessionKey": key, "message": "x",
            "timeoutSeconds": secs}})
    };

    t.upstream
        .push(Reply::text("too late").with_first_byte_delay(std::time::Duration::from_secs(3)));
    let (s, _, b) = t.post_json("/tools/invoke", send("slow", 1)).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["result"]["details"]["status"], "timeout", "{b}");

    t.upstream.push(Reply::error(400, "bad request upstream"));
    let (s, _, b) = t.post_json("/tools/invoke", send("broken", 10)).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["result"]["details"]["status"], "error", "{b}");
    assert!(b["result"]["details"]["error"].as_str().is_some(), "{b}");
}
