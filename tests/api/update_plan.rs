//! `update_plan` end to end: the scripted model posts a plan, the next model request carries it
//! back, WebSocket clients see it as an `agent` event on `stream: "plan"`, and a plan with two
//! steps in progress is a tool error that names the problem (no plan event).

use crate::helpers::*;
use crate::ws_client::WsClient;
use clawgate_bench::mock::Reply;
use serde_json::{json, Value};

#[actix_web::test]
async fn the_plan_comes_back_to_the_model_and_to_ws_clients_and_two_in_progress_is_an_error() {
    let t = spawn_with(
        "openai-completions",
        "",
        r#"tools: { alsoAllow: ["update_plan"] }"#,
    )
    .await;
    let plan = json!({"explanation": "three steps", "plan": [
        {"step": "read the issue", "status": "completed"},
        {"step": "write the tool", "status": "in_progress"},
        {"step": "test it", "status": "pending"}]});
    let twice = json!({"plan": [
        {"step": "write the tool", "status": "in_progress"},
        {"step": "test it", "status": "in_progress"}]});
    t.upstream
        .push(Reply::tool_call("update_plan", &plan.to_string()));
    t.upstream
        .push(Reply::tool_call("update_plan", &twice.to_string()));
    t.upstream.push(Reply::text("planned"));

    let (mut watcher, _) = WsClient::operator(&t, &["operator.read"]).await;
    let (mut c, _) = WsClient::operator(&t, &["operator.write"]).await;
    let id = c
        .req(
            "agent",
            json!({"message": "plan it", "agentId": "main", "idempotencyKey": "plan-1"}),
        )
        .await;
    let (fin, _) = c
        .until(|v| {
            v["type"] == "res" && v["id"] == id.as_str() && v["payload"]["status"] != "accepted"
        })
        .await;
    assert_eq!(fin["payload"]["status"], "ok", "{fin}");

    let reqs = t.upstream.requests();
    assert_eq!(reqs.len(), 3);
    let first = last_tool_json(&reqs[1]);
    assert_eq!(first["status"], "updated");
    assert_eq!(first["explanation"], "three steps");
    assert_eq!(first["plan"], plan["plan"]);
    let second = last_tool_json(&reqs[2]);
    assert_eq!(
        second["error"],
        "at most one step may be in_progress, but 2 are: \"write the tool\", \"test it\""
    );

    let (_, seen) = watcher
        .until(|v| v["event"] == "chat" && v["payload"]["state"] == "final")
        .await;
    let plans: Vec<&Value> = seen
        .iter()
        .filter(|v| v["event"] == "agent" && v["payload"]["stream"] == "plan")
        .collect();
    assert_eq!(plans.len(), 1, "only the accepted plan is an event");
    assert_eq!(plans[0]["payload"]["runId"], "plan-1");
    assert_eq!(plans[0]["payload"]["data"]["plan"], plan["plan"]);
    assert_eq!(plans[0]["payload"]["data"]["explanation"], "three steps");

    // Over /tools/invoke the bad plan is a 400 naming the step.
    let (s, _, b) = t
        .post_json(
            "/tools/invoke",
            json!({"tool": "update_plan", "args": {"plan": [{"step": "x", "status": "done"}]}}),
        )
        .await;
    assert_eq!(s, 400, "{b}");
    assert_eq!(
        b["error"]["message"],
        "`plan[0].status` must be pending, in_progress or completed"
    );
}
