//! The `cron` tool: an owner's turn adds, lists and removes jobs (the same operation as the
//! `cron.*` methods); a hook's turn (not an owner) is never offered the tool, whatever the
//! policy; bad actions are tool errors the model can read.

use crate::helpers::*;
use clawgate_bench::mock::{RecordedRequest, Reply};
use serde_json::{json, Value};

const CRON: &str = "tools: { alsoAllow: [\"cron\"] }";

fn tool_results(req: &RecordedRequest) -> Vec<Value> {
    req.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "tool")
        .map(|m| {
            let text = m["content"].as_str().unwrap_or_default();
            serde_json::from_str(text).unwrap_or_else(|_| json!(text))
        })
        .collect()
}

fn offers_cron(req: &RecordedRequest) -> bool {
    offered_tools(req).iter().any(|t| t == "cron")
}

#[actix_web::test]
async fn an_owner_turn_adds_lists_and_removes_a_job() {
    let t = spawn_with("openai-completions", "", CRON).await;
    let job = json!({"name": "stand-up", "schedule": {"kind": "every", "everyMs": 3_600_000},
                     "sessionTarget": "isolated",
                     "payload": {"kind": "agentTurn", "message": "post the stand-up"}});
    t.upstream.push(Reply::tool_call(
        "cron",
        &json!({"action": "add", "job": job}).to_string(),
    ));
    t.upstream
        .push(Reply::tool_call("cron", r#"{"action":"list"}"#));
    t.upstream
        .push(Reply::tool_call("cron", r#"{"action":"launch"}"#));
    t.upstream.push(Reply::text("scheduled"));
    let (s, body) = t
        .chat(json!({"user":"boss","messages":[{"role":"user","content":"every hour"}]}))
        .await;
    assert_eq!(s, 200, "{body}");
    let reqs = t.upstream.requests();
    assert!(
        offers_cron(&reqs[0]),
        "an authenticated HTTP caller is an owner"
    );
    let results = tool_results(&reqs[3]);
    let added = &results[0];
    assert_eq!(added["name"], "stand-up", "{added}");
    assert_eq!(
        added["agentId"], "main",
        "the job runs as the agent that added it"
    );
    let id = added["id"].as_str().unwrap().to_string();
    assert_eq!(results[1]["jobs"][0]["id"], id.as_str(), "{}", results[1]);
    let err = results[2]["error"].as_str().unwrap_or_default();
    assert!(err.contains("`action`"), "{err}");

    // Removing goes through the same scheduler the WS methods use.
    t.upstream.push(Reply::tool_call(
        "cron",
        &json!({"action": "remove", "jobId": id}).to_string(),
    ));
    t.upstream.push(Reply::text("removed"));
    let (s, _) = t
        .chat(json!({"user":"boss","messages":[{"role":"user","content":"stop it"}]}))
        .await;
    assert_eq!(s, 200);
    let reqs = t.upstream.requests();
    let removed = tool_results(reqs.last().unwrap());
    assert_eq!(removed.last().unwrap()["removed"], true, "{removed:?}");
}

#[actix_web::test]
async fn a_hook_turn_is_not_an_owner_and_never_sees_cron() {
    let t = spawn_with(
        "openai-completions",
        "",
        &format!("{CRON}, hooks: {{ enabled: true, token: \"hook-secret\" }}"),
    )
    .await;
    t.upstream.set_default(Reply::text("ok"));
    let r = t
        .client()
        .post(t.url("/hooks/agent"))
        .insert_header(("authorization", "Bearer hook-secret"))
        .send_json(&json!({"message": "Do it", "name": "Email"}))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(eventually(|| t.upstream.request_count() >= 1).await);
    let req = &t.upstream.requests()[0];
    assert!(
        !offers_cron(req),
        "owner-only tools are hidden from hook turns"
    );
    assert!(
        req.body["tools"].as_array().is_some_and(|a| !a.is_empty()),
        "other tools are still offered"
    );
}
