//! `sessions_spawn` end to end: a turn spawns a sub-agent, the child runs in its own
//! `subagent:` session (without `sessions_spawn` itself at the default depth), and its result
//! is announced back into the parent session as a new turn; agent targeting, concurrency
//! limits and cleanup.

use crate::helpers::*;
use clawgate_bench::mock::{RecordedRequest, Reply};
use serde_json::{json, Value};
use std::time::Duration;

const SPAWN: &str = "tools: { alsoAllow: [\"sessions_spawn\"] }";

fn system_text(req: &RecordedRequest) -> String {
    req.body["messages"][0]["content"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn find<'a>(reqs: &'a [RecordedRequest], user_text_starts: &str) -> Option<&'a RecordedRequest> {
    reqs.iter()
        .find(|r| last_user_text(&r.body).starts_with(user_text_starts))
}

/// The tool result (parsed JSON details) the parent's follow-up request carried.
fn tool_details(reqs: &[RecordedRequest]) -> Value {
    let follow_up = reqs
        .iter()
        .find(|r| {
            r.body["messages"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["role"] == "tool")
        })
        .expect("the parent's follow-up request");
    let msgs = follow_up.body["messages"].as_array().unwrap();
    let tool = msgs.iter().rev().find(|m| m["role"] == "tool").unwrap();
    serde_json::from_str(tool["content"].as_str().unwrap()).unwrap()
}

#[actix_web::test]
async fn a_spawned_sub_agent_runs_in_its_own_session_and_its_result_reaches_the_parent() {
    let t = spawn_with("openai-completions", "", SPAWN).await;
    let args = json!({"task": "count the stars", "label": "stars"});
    t.upstream
        .push(Reply::tool_call("sessions_spawn", &args.to_string()));
    t.upstream.set_default(Reply::text("there are 42 stars"));

    let (s, body) = t
        .chat(json!({"user":"astro","messages":[{"role":"user","content":"spawn a helper"}]}))
        .await;
    assert_eq!(s, 200, "{body}");

    // Parent, child and announce: three more requests after the spawn call.
    assert!(eventually(|| t.upstream.request_count() >= 4).await);
    let reqs = t.upstream.requests();
    let details = tool_details(&reqs);
    assert_eq!(details["status"], "accepted", "{details}");
    let child_key = details["childSessionKey"].as_str().unwrap().to_string();
    assert!(child_key.starts_with("agent:main:subagent:"), "{child_key}");

    let child = find(&reqs, "count the stars").expect("the child's turn");
    assert!(system_text(child).contains("sub-agent"));
    assert!(offered_tools(&reqs[0]).contains(&"sessions_spawn".to_string()));
    assert!(
        !offered_tools(child).contains(&"sessions_spawn".to_string()),
        "a sub-agent cannot spawn at the default depth: {:?}",
        offered_tools(child)
    );
    // Only the task: none of the parent's conversation.
    assert!(!child.body.to_string().contains("spawn a helper"));

    let announce = find(&reqs, "[Sub-agent stars completed]").expect("the announce turn");
    assert!(last_user_text(&announce.body).contains("there are 42 stars"));
    assert!(
        announce.body.to_string().contains("spawn a helper"),
        "the announce runs in the parent session, with its history"
    );
    let row = t
        .store()
        .get_session(&child_key)
        .await
        .unwrap()
        .expect("child stored");
    assert_eq!(row.label.as_deref(), Some("stars"));
}

#[actix_web::test]
async fn targets_concurrency_and_cleanup_follow_the_subagents_block() {
    let t = spawn_with(
        "openai-completions",
        "tools: { allow: [\"sessions_spawn\"] }",
        "tools: { alsoAllow: [\"sessions_spawn\"] }, agents: { defaults: { subagents: { maxConcurrent: 1 } }, \
         list: [ { id: \"main\", default: true, subagents: { allowAgents: [\"ops\"] } }, { id: \"ops\" }, { id: \"other\" } ] }",
    )
    .await;
    let invoke = |args: Value| {
        t.post_json(
            "/tools/invoke",
            json!({"tool": "sessions_spawn", "args": args}),
        )
    };
    let (s, _, b) = invoke(json!({"task": "x", "agentId": "other"})).await;
    assert_eq!(s, 403, "{b}");
    assert!(b["error"]["message"]
        .as_str()
        .unwrap()
        .contains("allowAgents"));
    let (s, _, b) = invoke(json!({"task": "x", "cleanup": "later"})).await;
    assert_eq!(s, 400, "{b}");

    // The first child answers slowly, so a second spawn meets the limit of one.
    t.upstream
        .push(Reply::text("ops done").with_first_byte_delay(Duration::from_secs(2)));
    t.upstream.set_default(Reply::text("noted"));
    let (s, _, b) =
        invoke(json!({"task": "slow job", "agentId": "ops", "cleanup": "delete"})).await;
    assert_eq!(s, 200, "{b}");
    let child_key = b["result"]["details"]["childSessionKey"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(child_key.starts_with("agent:ops:subagent:"), "{child_key}");
    let (s, _, b) = invoke(json!({"task": "second"})).await;
    assert_eq!(s, 403, "{b}");
    assert!(b["error"]["message"]
        .as_str()
        .unwrap()
        .contains("maxConcurrent"));

    // After the announce, the child session is deleted and the slot is free again.
    assert!(eventually(|| find(&t.upstream.requests(), "[Sub-agent").is_some()).await);
    let mut gone = false;
    for _ in 0..100 {
        if t.store().get_session(&child_key).await.unwrap().is_none() {
            gone = true;
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(gone, "cleanup: delete removed the child session");
    let (s, _, b) = invoke(json!({"task": "third"})).await;
    assert_eq!(s, 200, "{b}");
}
