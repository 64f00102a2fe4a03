//! Three gateway processes on one PostgreSQL database and one NATS server
//! (`support/cluster.rs`): a session is run by one node at a time whichever node the client
//! reaches, WebSocket clients on any node see every node's turns, and a killed owner's
//! sessions move to another node with their whole history.

use crate::cluster_support::{Cluster, TOKEN};
use crate::helpers::read_sse_data;
use crate::ws_client::{WsClient, ALL};
use clawgate_bench::mock::{MockUpstream, Reply};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Short leases, so a killed node's sessions re-home within the test.
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

async fn chat(node: &crate::cluster_support::Node, body: Value) -> (u16, Value) {
    let mut r = node
        .post("/v1/chat/completions")
        .send_json(&body)
        .await
        .expect("send");
    let bytes = r.body().limit(16 << 20).await.expect("body");
    (
        r.status().as_u16(),
        serde_json::from_slice(&bytes).unwrap_or_default(),
    )
}

#[actix_web::test]
async fn turns_sent_round_robin_to_three_nodes_keep_one_ordered_transcript() {
    let upstream = MockUpstream::start().await.unwrap();
    let c = Cluster::start(3, &upstream.base_url(), TTL_MS).await;
    let mut expected = Vec::new();
    for i in 0..6 {
        let node = c.node(i % 3 + 1);
        let reply = format!("ack {i}");
        upstream.push(Reply::text(&reply));
        let msg = format!("message {i} via {}", node.id);
        expected.push(msg.clone());
        if i == 4 {
            // A streamed turn forwarded to the owner streams back through the edge.
            let mut r = node
                .post("/v1/chat/completions")
                .send_json(&json!({"user": "dana", "stream": true,
                                   "messages": [{"role": "user", "content": msg}]}))
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 200);
            let data = read_sse_data(&mut r).await;
            assert_eq!(data.last().unwrap(), "[DONE]");
            let text: String = data
                .iter()
                .filter_map(|d| serde_json::from_str::<Value>(d).ok())
                .filter_map(|v| {
                    v["choices"][0]["delta"]["content"]
                        .as_str()
                        .map(String::from)
                })
                .collect();
            assert_eq!(text, reply);
        } else {
            let (status, body) = chat(
                node,
                json!({"user": "dana", "messages": [{"role": "user", "content": msg}]}),
            )
            .await;
            assert_eq!(status, 200, "{body}");
            assert_eq!(body["choices"][0]["message"]["content"], reply);
        }
        let seen = transcript(&upstream.requests().last().unwrap().body);
        let mut want = Vec::new();
        for (j, m) in expected.iter().enumerate() {
            want.push(m.clone());
            if j < i {
                want.push(format!("ack {j}"));
            }
        }
        assert_eq!(seen, want, "turn {i} saw the history in order");
    }

    // Every node lists the three nodes; exactly one holds the session.
    let (status, body) = c.node(2).get_json("/api/v1/status").await;
    assert_eq!(status, 200, "{body}");
    let nodes = body["data"]["cluster"]["nodes"].as_array().unwrap().clone();
    let ids: Vec<&str> = nodes
        .iter()
        .map(|n| n["nodeId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["n1", "n2", "n3"]);
    let holding: i64 = nodes.iter().map(|n| n["sessions"].as_i64().unwrap()).sum();
    assert_eq!(holding, 1, "{nodes:?}");
    assert_eq!(body["data"]["cluster"]["nodeId"], "n2");
    assert_eq!(body["data"]["cluster"]["bus"], true);
}

#[actix_web::test]
async fn a_websocket_client_on_node_1_sees_the_deltas_of_a_turn_started_on_node_3() {
    let upstream = MockUpstream::start().await.unwrap();
    let c = Cluster::start(3, &upstream.base_url(), TTL_MS).await;
    let (mut watcher, _) = WsClient::operator_at(&c.node(1).base(), TOKEN, ALL).await;
    upstream.push(
        Reply::chunks(&["Hello", " from", " node", " three."])
            .with_chunk_delay(Duration::from_millis(150)),
    );
    let (status, body) = chat(
        c.node(3),
        json!({"user": "erin", "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (fin, seen) = watcher
        .until(|v| v["event"] == "chat" && v["payload"]["state"] == "final")
        .await;
    assert_eq!(fin["payload"]["sessionKey"], "agent:main:openai-user:erin");
    assert_eq!(
        fin["payload"]["message"]["content"][0]["text"],
        "Hello from node three."
    );
    assert!(
        seen.iter()
            .any(|v| v["event"] == "chat" && v["payload"]["state"] == "delta"),
        "deltas reached node 1: {seen:?}"
    );
}

#[actix_web::test]
async fn killing_the_owner_mid_turn_loses_no_acknowledged_message() {
    let upstream = MockUpstream::start().await.unwrap();
    let mut c = Cluster::start(3, &upstream.base_url(), TTL_MS).await;
    // Node 1 claims the session with a first turn.
    upstream.push(Reply::text("first answer"));
    let (status, body) = chat(
        c.node(1),
        json!({"user": "fay", "messages": [{"role": "user", "content": "first"}]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // A second turn, sent to node 2, runs on the owner (node 1); the upstream holds its stream.
    upstream.push(
        Reply::chunks(&["partial", " never finished"]).with_chunk_delay(Duration::from_secs(60)),
    );
    let mut r = c
        .node(2)
        .post("/v1/chat/completions")
        .send_json(&json!({"user": "fay", "stream": true,
                           "messages": [{"role": "user", "content": "second, acknowledged"}]}))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // The first delta is through: the user message is committed.
    let mut got = String::new();
    while !got.contains("partial") {
        let chunk = futures_util::StreamExt::next(&mut r)
            .await
            .expect("stream open")
            .unwrap();
        got.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert_eq!(upstream.request_count(), 2);
    c.node_mut(1).kill();
    // The edge notices the owner is gone and ends the stream with an error.
    let rest = r.body().limit(1 << 20).await.unwrap();
    let rest = String::from_utf8_lossy(&rest);
    assert!(rest.contains("went away"), "{rest}");

    // The next turn, on node 3, waits out the lease and re-homes the session with its whole
    // history.
    upstream.push(Reply::text("third answer"));
    let started = Instant::now();
    let (status, body) = chat(
        c.node(3),
        json!({"user": "fay", "messages": [{"role": "user", "content": "third"}]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["choices"][0]["message"]["content"], "third answer");
    assert!(started.elapsed() < Duration::from_secs(20));
    let seen = transcript(&upstream.requests().last().unwrap().body);
    assert_eq!(
        seen,
        ["first", "first answer", "second, acknowledged", "third"]
    );
    // Node 1 is no longer listed.
    let (_, status) = c.node(3).get_json("/api/v1/status").await;
    let ids: Vec<String> = status["data"]["cluster"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["nodeId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["n2", "n3"]);
}

#[actix_web::test]
async fn readyz_fails_on_the_bus_while_nats_is_down() {
    let upstream = MockUpstream::start().await.unwrap();
    let mut c = Cluster::start(1, &upstream.base_url(), TTL_MS).await;
    let (status, body) = c.node(1).get_json("/readyz").await;
    assert_eq!(
        (status, body["failing"].clone()),
        (200, json!([])),
        "{body}"
    );
    c.nats.stop();
    // The node notices the lost connection on its own: poll the probe with a deadline.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = c.node(1).get_json("/readyz").await;
        if status == 503 {
            assert_eq!(body["failing"], json!(["bus"]), "{body}");
            break;
        }
        assert!(Instant::now() < deadline, "readyz still {status}: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
