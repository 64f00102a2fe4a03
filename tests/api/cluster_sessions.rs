//! Session operations follow the session's owner across three real gateway processes on one
//! PostgreSQL database and one NATS server (`support/cluster.rs`): a reset, patch or delete
//! sent to a node that does not own the session is applied by the owner's session actor (so
//! the owner's next turn sees it), `chat.abort` by session key from another node stops the
//! owner's run, `agent.wait` on any node returns the outcome of a run another node executes,
//! and a history follower on any node sees the owner's turns.

use crate::cluster_support::{Cluster, Node, TOKEN};
use crate::ws_client::{WsClient, ALL};
use clawgate_bench::mock::{MockUpstream, Reply};
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::time::Duration;

const TTL_MS: u64 = 1500;

/// The user and assistant texts of a recorded upstream request, in order.
fn transcript(body: &Value) -> Vec<String> {
    body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "user" || m["role"] == "assistant")
        .map(|m| m["content"].as_str().unwrap_or("").to_string())
        .collect()
}

/// A non-streamed chat turn for OpenAI user `user`; returns the reply text.
async fn turn(node: &Node, user: &str, text: &str) -> String {
    let mut r = node
        .post("/v1/chat/completions")
        .send_json(&json!({"user": user, "messages": [{"role": "user", "content": text}]}))
        .await
        .expect("send");
    let body: Value = r.json().limit(16 << 20).await.expect("body");
    assert_eq!(r.status().as_u16(), 200, "{body}");
    body["choices"][0]["message"]["content"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn operator(node: &Node) -> WsClient {
    WsClient::operator_at(&node.base(), TOKEN, ALL).await.0
}

/// The row of `key` in `sessions.list` on `node` (`None`: not listed).
async fn listed(node: &Node, key: &str) -> Option<Value> {
    let mut ws = operator(node).await;
    let res = ws.call("sessions.list", json!({"limit": 1000})).await;
    assert_eq!(res["ok"], true, "{res}");
    res["payload"]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == key)
        .cloned()
}

#[actix_web::test]
async fn reset_patch_and_delete_on_other_nodes_reach_the_owners_next_turn() {
    let upstream = MockUpstream::start().await.unwrap();
    let c = Cluster::start(3, &upstream.base_url(), TTL_MS).await;
    let key = "agent:main:openai-user:gus";

    // Node 1 owns the session: its session actor caches the transcript.
    upstream.push(Reply::text("one"));
    assert_eq!(turn(c.node(1), "gus", "first").await, "one");

    // A reset sent to node 2 is applied by node 1's actor: its next turn starts afresh.
    let mut ws2 = operator(c.node(2)).await;
    let reset = ws2.call("sessions.reset", json!({"key": key})).await;
    assert_eq!(reset["ok"], true, "{reset}");
    assert_eq!(reset["payload"]["entry"]["messageCount"], 0, "{reset}");
    upstream.push(Reply::text("two"));
    assert_eq!(turn(c.node(1), "gus", "after reset").await, "two");
    let seen = upstream.requests().last().unwrap().body.clone();
    assert_eq!(transcript(&seen), ["after reset"]);

    // A patch on node 3 (label and model) is seen by node 1's next turn and by every node.
    let mut ws3 = operator(c.node(3)).await;
    let patched = ws3
        .call(
            "sessions.patch",
            json!({"key": key, "label": "renamed", "model": "mock/mock-model-2"}),
        )
        .await;
    assert_eq!(patched["ok"], true, "{patched}");
    upstream.push(Reply::text("three"));
    assert_eq!(turn(c.node(1), "gus", "patched").await, "three");
    let seen = upstream.requests().last().unwrap().body.clone();
    assert_eq!(seen["model"], "mock-model-2", "{seen}");
    assert_eq!(transcript(&seen), ["after reset", "two", "patched"]);
    for i in 1..=3 {
        let row = listed(c.node(i), key).await.expect("listed");
        assert_eq!(row["label"], "renamed", "node {i}: {row}");
        assert_eq!(row["model"], "mock-model-2", "node {i}: {row}");
    }

    // A delete on node 2 removes it everywhere; the next turn (on the owner) starts fresh.
    let deleted = ws2.call("sessions.delete", json!({"key": key})).await;
    assert_eq!(deleted["payload"]["deleted"], true, "{deleted}");
    for i in 1..=3 {
        assert!(
            listed(c.node(i), key).await.is_none(),
            "node {i} still lists it"
        );
    }
    upstream.push(Reply::text("four"));
    assert_eq!(turn(c.node(1), "gus", "fresh").await, "four");
    let seen = upstream.requests().last().unwrap().body.clone();
    assert_eq!(transcript(&seen), ["fresh"]);
    assert_eq!(
        seen["model"], "mock-model",
        "the deleted override is gone: {seen}"
    );
}

#[actix_web::test]
async fn chat_abort_by_session_key_on_another_node_stops_the_owners_run() {
    let upstream = MockUpstream::start().await.unwrap();
    let c = Cluster::start(3, &upstream.base_url(), TTL_MS).await;
    // A run on node 1 whose stream hangs after its first delta.
    upstream.push(
        Reply::chunks(&["started", " never finished"]).with_chunk_delay(Duration::from_secs(60)),
    );
    let mut ws1 = operator(c.node(1)).await;
    let sent = ws1
        .call(
            "chat.send",
            json!({"sessionKey": "agent:main:main", "message": "go", "idempotencyKey": "hang-1"}),
        )
        .await;
    assert_eq!(sent["payload"]["status"], "started", "{sent}");
    ws1.until(|v| v["event"] == "chat" && v["payload"]["state"] == "delta")
        .await;

    // Aborted by session key from node 2, which does not run it.
    let mut ws2 = operator(c.node(2)).await;
    let aborted = ws2.call("chat.abort", json!({"sessionKey": "main"})).await;
    assert_eq!(
        aborted["payload"],
        json!({"ok": true, "aborted": true, "runIds": ["hang-1"]})
    );
    // Node 1's client sees the run end as aborted.
    let (ended, _) = ws1
        .until(|v| {
            v["event"] == "chat"
                && v["payload"]["runId"] == "hang-1"
                && v["payload"]["state"] != "delta"
        })
        .await;
    assert_eq!(ended["payload"]["state"], "aborted", "{ended}");
    // Nothing is left to abort, on either node.
    let again = ws2.call("chat.abort", json!({"sessionKey": "main"})).await;
    assert_eq!(again["payload"]["aborted"], false, "{again}");
}

#[actix_web::test]
async fn agent_wait_on_node_3_returns_the_outcome_of_a_run_on_node_1() {
    let upstream = MockUpstream::start().await.unwrap();
    let c = Cluster::start(3, &upstream.base_url(), TTL_MS).await;
    upstream.push(
        Reply::chunks(&["slow", " but", " done"]).with_chunk_delay(Duration::from_millis(700)),
    );
    let mut ws1 = operator(c.node(1)).await;
    let id = ws1
        .req(
            "agent",
            json!({"message": "take your time", "sessionKey": "agent:main:slow", "idempotencyKey": "wait-1"}),
        )
        .await;
    let ack = ws1.res(&id).await;
    assert_eq!(ack["payload"]["status"], "accepted", "{ack}");

    // Node 3 does not run it: it waits for the outcome node 1 announces on the bus.
    let mut ws3 = operator(c.node(3)).await;
    let waited = ws3
        .call("agent.wait", json!({"runId": "wait-1", "timeoutMs": 60000}))
        .await;
    assert_eq!(waited["payload"]["runId"], "wait-1", "{waited}");
    assert_eq!(waited["payload"]["status"], "ok", "{waited}");
    assert!(waited["payload"]["endedAt"].as_i64().is_some(), "{waited}");
}

#[actix_web::test]
async fn a_history_follower_on_node_2_sees_the_turns_node_1_runs() {
    let upstream = MockUpstream::start().await.unwrap();
    let c = Cluster::start(2, &upstream.base_url(), TTL_MS).await;
    let key = "agent:main:openai-user:hal";
    upstream.push(Reply::text("hello"));
    assert_eq!(turn(c.node(1), "hal", "first").await, "hello");

    let mut follow = c
        .node(2)
        .get(&format!("/sessions/{key}/history?follow=1"))
        .send()
        .await
        .expect("follow");
    assert_eq!(follow.status().as_u16(), 200);
    let mut got = String::new();
    // The stored messages first …
    read_until(&mut follow, &mut got, "hello").await;
    // … then the next turn on node 1, as it is stored.
    upstream.push(Reply::text("second answer"));
    assert_eq!(turn(c.node(1), "hal", "second").await, "second answer");
    read_until(&mut follow, &mut got, "second answer").await;
    assert!(got.contains("\"second\""), "{got}");
}

/// Reads the SSE body into `got` until it contains `want`; fails (rather than hanging) when
/// nothing more arrives for a long while (keep-alive comments arrive every few seconds).
async fn read_until<S>(body: &mut S, got: &mut String, want: &str)
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, awc::error::PayloadError>> + Unpin,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !got.contains(want) {
        let chunk = tokio::time::timeout_at(deadline, body.next())
            .await
            .unwrap_or_else(|_| panic!("{want:?} never arrived; got {got}"))
            .expect("stream open")
            .unwrap();
        got.push_str(&String::from_utf8_lossy(&chunk));
    }
}
