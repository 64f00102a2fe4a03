//! The application layer's guarantees, seen from the WebSocket RPC: session changes reach the
//! next turn and are ordered with queued turns; waiting for a run never polls.

use crate::helpers::*;
use crate::ws_client::{WsClient, ALL};
use clawgate_bench::mock::Reply;
use serde_json::{json, Value};
use std::time::Duration;

fn texts(body: &Value) -> String {
    body["messages"].to_string()
}

#[actix_web::test]
async fn sessions_patch_changes_the_model_and_thinking_level_the_upstream_sees_next() {
    let t = spawn().await;
    let (mut c, _) = WsClient::operator(&t, ALL).await;
    let patched = c
        .call(
            "sessions.patch",
            json!({"key": "work", "model": "mock/vision-model", "thinkingLevel": "high"}),
        )
        .await;
    assert_eq!(patched["ok"], true, "{patched}");
    let id = c
        .req(
            "agent",
            json!({"message": "after the patch", "sessionKey": "work", "idempotencyKey": "p1"}),
        )
        .await;
    let (fin, _) = c
        .until(|v| {
            v["type"] == "res" && v["id"] == id.as_str() && v["payload"]["status"] != "accepted"
        })
        .await;
    assert_eq!(fin["payload"]["status"], "ok", "{fin}");
    let reqs = t.upstream.requests();
    let body = &reqs.last().unwrap().body;
    assert_eq!(body["model"], "vision-model");
    assert_eq!(body["reasoning_effort"], "high");

    // Clearing the overrides restores the agent's defaults on the following turn.
    c.call(
        "sessions.patch",
        json!({"key": "work", "model": null, "thinkingLevel": null}),
    )
    .await;
    let id = c
        .req(
            "agent",
            json!({"message": "cleared", "sessionKey": "work", "idempotencyKey": "p2"}),
        )
        .await;
    c.until(|v| {
        v["type"] == "res" && v["id"] == id.as_str() && v["payload"]["status"] != "accepted"
    })
    .await;
    let reqs = t.upstream.requests();
    let body = &reqs.last().unwrap().body;
    assert_eq!(body["model"], "mock-model");
    assert!(body.get("reasoning_effort").is_none(), "{body}");

    // A model the agent may not use is refused at patch time.
    let bad = c
        .call("sessions.patch", json!({"key": "work", "model": "other/x"}))
        .await;
    assert_eq!(bad["ok"], false);
    assert!(bad["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not allowed"));
}

#[actix_web::test]
async fn a_reset_sent_while_a_turn_is_queued_never_runs_it_on_the_old_transcript() {
    let t = spawn().await;
    t.upstream
        .push(Reply::chunks(&["slow", " answer"]).with_first_byte_delay(Duration::from_secs(3)));
    t.upstream.set_default(Reply::text("fresh"));
    let (mut c, _) = WsClient::operator(&t, ALL).await;
    let key = "agent:main:resettable";
    let a = c
        .req(
            "agent",
            json!({"message": "alpha", "sessionKey": key, "idempotencyKey": "ra"}),
        )
        .await;
    // Wait until run A is running, then queue B behind it.
    c.until(|v| {
        v["event"] == "agent"
            && v["payload"]["runId"] == "ra"
            && v["payload"]["data"]["phase"] == "start"
    })
    .await;
    let b = c
        .req(
            "agent",
            json!({"message": "bravo", "sessionKey": key, "idempotencyKey": "rb"}),
        )
        .await;
    // Reset and a new turn C, sent back to back without waiting for the reset's answer.
    let r = c.req("sessions.reset", json!({"key": key})).await;
    let cc = c
        .req(
            "agent",
            json!({"message": "charlie", "sessionKey": key, "idempotencyKey": "rc"}),
        )
        .await;
    let mut finals = std::collections::HashMap::new();
    while finals.len() < 4 {
        let v = c.recv_json().await;
        if v["type"] != "res" || v["payload"]["status"] == "accepted" {
            continue;
        }
        finals.insert(v["id"].as_str().unwrap().to_string(), v);
    }
    assert_eq!(finals[&r]["ok"], true, "{}", finals[&r]);
    assert_eq!(finals[&a]["payload"]["status"], "ok");
    assert_eq!(finals[&a]["payload"]["summary"], "aborted");
    assert_eq!(finals[&b]["payload"]["summary"], "aborted");
    assert_eq!(finals[&cc]["payload"]["status"], "ok", "{}", finals[&cc]);
    let reqs = t.upstream.requests();
    assert!(
        reqs.iter().all(|r| !texts(&r.body).contains("bravo")),
        "the queued turn reached the model"
    );
    let last = texts(&reqs.last().unwrap().body);
    assert!(last.contains("charlie"), "{last}");
    assert!(
        !last.contains("alpha"),
        "turn C saw the old transcript: {last}"
    );
}

#[actix_web::test]
async fn agent_wait_follows_a_queued_run_to_its_end() {
    let t = spawn().await;
    t.upstream
        .push(Reply::chunks(&["first"]).with_first_byte_delay(Duration::from_millis(400)));
    t.upstream.set_default(Reply::text("second"));
    let (mut c, _) = WsClient::operator(&t, ALL).await;
    c.req(
        "agent",
        json!({"message": "one", "sessionKey": "q", "idempotencyKey": "w1"}),
    )
    .await;
    c.req(
        "agent",
        json!({"message": "two", "sessionKey": "q", "idempotencyKey": "w2"}),
    )
    .await;
    // w2 is queued behind w1: the wait subscribes to it and answers with its end.
    let (mut waiter, _) = WsClient::operator(&t, ALL).await;
    let res = waiter
        .call("agent.wait", json!({"runId": "w2", "timeoutMs": 10_000}))
        .await;
    assert_eq!(res["payload"]["status"], "ok", "{res}");
    assert!(
        res["payload"]["endedAt"].as_i64().unwrap()
            >= res["payload"]["startedAt"].as_i64().unwrap()
    );
    let stored = t.store().get_run("w2").await.unwrap().unwrap();
    assert_eq!(stored.status, "ok");

    // A run that has not been started yet is awaited, not reported as a timeout at once.
    let id = waiter
        .req("agent.wait", json!({"runId": "w3", "timeoutMs": 10_000}))
        .await;
    c.req(
        "agent",
        json!({"message": "three", "sessionKey": "q", "idempotencyKey": "w3"}),
    )
    .await;
    let res = waiter.res(&id).await;
    assert_eq!(res["payload"]["status"], "ok", "{res}");
}

#[actix_web::test]
async fn a_tool_host_runs_a_sub_turn_and_returns_its_outcome() {
    use clawgate::tools::ToolHost;
    let t = spawn().await;
    t.upstream.push(Reply::text("sub-agent answer"));
    let app = t.gw.as_ref().unwrap().state.app.clone();
    let req = clawgate::core::TurnRequest::new(
        "sub_1".into(),
        "main".into(),
        "agent:main:subagent:1".into(),
        "do the sub-task".into(),
    );
    let outcome = app.run_turn(req).await.expect("an outcome");
    assert_eq!(outcome.text, "sub-agent answer");
    let history = app
        .history("agent:main:subagent:1", 10)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        history.1.len(),
        2,
        "the sub-turn is persisted in its own session"
    );
}

/// Sends `agent` and returns its final answer (skipping the `accepted` ack).
async fn agent_final(c: &mut WsClient, params: Value) -> Value {
    let id = c.req("agent", params).await;
    c.until(|v| {
        v["type"] == "res" && v["id"] == id.as_str() && v["payload"]["status"] != "accepted"
    })
    .await
    .0
}

#[actix_web::test]
async fn an_idempotency_key_reused_after_a_restart_returns_the_stored_run() {
    let t = spawn().await;
    t.upstream.push(Reply::text("stored answer"));
    let params = json!({"message": "once", "idempotencyKey": "keep-1"});
    let (mut c, _) = WsClient::operator(&t, ALL).await;
    let first = agent_final(&mut c, params.clone()).await;
    assert_eq!(
        first["payload"]["result"]["payloads"][0]["text"],
        "stored answer"
    );
    let row = t.store().get_run("keep-1").await.unwrap().unwrap();
    drop(c);
    let (upstream, dir) = t.stop().await;

    let t = spawn_in(upstream, dir, "openai-completions", "", "").await;
    let (mut c, _) = WsClient::operator(&t, ALL).await;
    let again = agent_final(&mut c, params).await;
    assert_eq!(again["ok"], true, "{again}");
    assert_eq!(again["payload"]["runId"], "keep-1");
    assert_eq!(again["payload"]["cached"], true);
    assert_eq!(again["payload"]["result"], first["payload"]["result"]);
    assert_eq!(t.upstream.request_count(), 1, "no second run");
    let after = t.store().get_run("keep-1").await.unwrap().unwrap();
    assert_eq!(
        after.started_at, row.started_at,
        "the stored run was overwritten"
    );
    assert_eq!(after.status, "ok");
}

#[actix_web::test]
async fn two_credentials_using_the_same_key_never_share_or_overwrite_a_run() {
    let t = spawn().await;
    let (mut a, _) = WsClient::operator(&t, ALL).await;
    let (mut b, _) = WsClient::device_operator(&t, ALL, 9).await;
    let params = |m: &str| json!({"message": m, "idempotencyKey": "shared"});

    t.upstream.push(Reply::text("for a"));
    let fa = agent_final(&mut a, params("from a")).await;
    assert_eq!(fa["payload"]["runId"], "shared");
    let row_a = t.store().get_run("shared").await.unwrap().unwrap();

    t.upstream.push(Reply::text("for b"));
    let fb = agent_final(&mut b, params("from b")).await;
    let run_b = fb["payload"]["runId"].as_str().unwrap().to_string();
    assert_ne!(run_b, "shared", "another credential's run id was reused");
    assert_eq!(fb["payload"]["result"]["payloads"][0]["text"], "for b");
    assert!(fb["payload"].get("cached").is_none(), "{fb}");

    // Each credential's retry replays its own run.
    let fa2 = agent_final(&mut a, params("from a")).await;
    assert_eq!(fa2["payload"]["result"]["payloads"][0]["text"], "for a");
    let fb2 = agent_final(&mut b, params("from b")).await;
    assert_eq!(fb2["payload"]["runId"], run_b.as_str());
    assert_eq!(t.upstream.request_count(), 2);
    let still_a = t.store().get_run("shared").await.unwrap().unwrap();
    assert_eq!(still_a.started_at, row_a.started_at);
    assert_eq!(still_a.session_key, row_a.session_key);
    assert!(t.store().get_run(&run_b).await.unwrap().is_some());
}
