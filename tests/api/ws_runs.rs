//! WebSocket RPC runs: `agent` ack + final, broadcast `agent`/`chat` events, idempotency
//! (in flight, completed, across reconnects), a stalled subscriber, abort, `agent.wait`.

use crate::helpers::*;
use crate::ws_client::{WsClient, ALL};
use clawgate_bench::mock::Reply;
use serde_json::{json, Value};
use std::time::Duration;

fn chat_states(events: &[Value], run_id: &str) -> Vec<String> {
    events
        .iter()
        .filter(|v| v["event"] == "chat" && v["payload"]["runId"] == run_id)
        .map(|v| v["payload"]["state"].as_str().unwrap().to_string())
        .collect()
}

#[actix_web::test]
async fn agent_acks_then_answers_on_the_same_id_and_every_client_sees_the_events() {
    let t = spawn().await;
    t.upstream
        .push(Reply::chunks(&["Hello", " from", " the mock."]).with_usage(9, 5));
    let (mut watcher, _) = WsClient::operator(&t, &["operator.read"]).await;
    let (mut c, _) = WsClient::operator(&t, &["operator.write"]).await;
    let id = c
        .req(
            "agent",
            json!({"message": "hi", "agentId": "main", "idempotencyKey": "k1"}),
        )
        .await;
    let ack = c.res(&id).await;
    assert_eq!(ack["payload"]["status"], "accepted");
    assert_eq!(ack["payload"]["runId"], "k1");
    assert_eq!(ack["payload"]["sessionKey"], "agent:main:main");
    let (fin, _) = c
        .until(|v| v["type"] == "res" && v["id"] == id.as_str())
        .await;
    assert_eq!(fin["ok"], true);
    assert_eq!(fin["payload"]["status"], "ok");
    assert_eq!(fin["payload"]["summary"], "completed");
    assert_eq!(
        fin["payload"]["result"]["payloads"][0]["text"],
        "Hello from the mock."
    );
    assert_eq!(
        fin["payload"]["result"]["meta"]["agentMeta"]["usage"]["total"],
        14
    );

    // The other client, which started nothing, saw the whole run.
    let (last, seen) = watcher
        .until(|v| v["event"] == "chat" && v["payload"]["state"] == "final")
        .await;
    assert_eq!(
        last["payload"]["message"]["content"][0]["text"],
        "Hello from the mock."
    );
    let lifecycle: Vec<&str> = seen
        .iter()
        .filter(|v| v["event"] == "agent" && v["payload"]["stream"] == "lifecycle")
        .map(|v| v["payload"]["data"]["phase"].as_str().unwrap())
        .collect();
    assert_eq!(lifecycle, ["start", "model", "finishing", "end"]);
    let texts: Vec<&str> = seen
        .iter()
        .filter(|v| v["payload"]["stream"] == "assistant")
        .map(|v| v["payload"]["data"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["Hello", "Hello from", "Hello from the mock."]);
    let seqs: Vec<u64> = seen.iter().filter_map(|v| v["seq"].as_u64()).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");

    let (mut reader, _) = WsClient::operator(&t, &["operator.read"]).await;
    let hist = reader
        .call(
            "chat.history",
            json!({"sessionKey": "agent:main:main", "limit": 4}),
        )
        .await;
    let msgs = hist["payload"]["messages"].as_array().unwrap();
    assert_eq!(
        msgs[0],
        json!({"role": "user", "content": "hi", "timestamp": msgs[0]["timestamp"],
               "__openclaw": msgs[0]["__openclaw"]})
    );
    assert_eq!(msgs[1]["content"][0]["text"], "Hello from the mock.");
    // Message ids are strings (as OpenClaw's); `seq` is the position in the transcript.
    assert!(msgs[0]["__openclaw"]["id"].is_string());
    let seqs: Vec<u64> = msgs
        .iter()
        .filter_map(|m| m["__openclaw"]["seq"].as_u64())
        .collect();
    assert_eq!(seqs, [1, 2]);
    assert_eq!(
        (
            &hist["payload"]["hasMore"],
            &hist["payload"]["totalMessages"]
        ),
        (&json!(false), &json!(2))
    );
}

#[actix_web::test]
async fn an_idempotency_key_runs_once_in_flight_after_completion_and_across_reconnects() {
    let t = spawn().await;
    t.upstream.set_default(
        Reply::chunks(&["a", "b", "c", "d"]).with_chunk_delay(Duration::from_millis(150)),
    );
    let params = json!({"message": "once", "agentId": "main", "idempotencyKey": "same"});
    let (mut first, _) = WsClient::operator(&t, &["operator.write"]).await;
    let id1 = first.req("agent", params.clone()).await;
    assert_eq!(first.res(&id1).await["payload"]["status"], "accepted");

    // A second connection retries while the run is going: ack, then the same final.
    let (mut retry, _) = WsClient::operator(&t, &["operator.write"]).await;
    let id2 = retry.req("agent", params.clone()).await;
    let ack = retry.res(&id2).await;
    assert_eq!(
        ack["payload"],
        json!({"runId": "same", "sessionKey": "agent:main:main", "agentId": "main",
                                       "status": "accepted", "acceptedAt": ack["payload"]["acceptedAt"]})
    );
    let fin1 = first.res(&id1).await;
    let fin2 = retry.res(&id2).await;
    assert_eq!(fin1["payload"]["result"], fin2["payload"]["result"]);
    assert_eq!(fin2["payload"]["cached"], true);

    // After completion, from a brand-new connection: the cached final straight away.
    drop(first);
    let (mut later, _) = WsClient::operator(&t, &["operator.write"]).await;
    let again = later.call("agent", params).await;
    assert_eq!(again["payload"]["status"], "ok");
    assert_eq!(again["payload"]["cached"], true);
    assert_eq!(again["payload"]["result"]["payloads"][0]["text"], "abcd");
    assert_eq!(t.upstream.request_count(), 1, "one run for three requests");

    // chat.send follows the same rules with its own ack shapes.
    let send = json!({"sessionKey": "main", "message": "x", "idempotencyKey": "c1"});
    let started = later.call("chat.send", send.clone()).await;
    assert_eq!(
        started["payload"],
        json!({"runId": "c1", "status": "started"})
    );
    let in_flight = later.call("chat.send", send.clone()).await;
    assert_eq!(
        in_flight["payload"],
        json!({"runId": "c1", "status": "in_flight"})
    );
    let waited = later
        .call("agent.wait", json!({"runId": "c1", "timeoutMs": 10_000}))
        .await;
    assert_eq!(waited["payload"]["status"], "ok");
    assert!(eventually(|| matches!(t.upstream.request_count(), 2)).await);
    let mut done = Value::Null;
    for _ in 0..50 {
        done = later.call("chat.send", send.clone()).await;
        if done["payload"]["status"] == "ok" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(done["payload"], json!({"runId": "c1", "status": "ok"}));
}

#[actix_web::test]
async fn a_stalled_client_does_not_hold_back_the_run_or_another_client() {
    // Every `agent` assistant event carries the whole text so far: ~16 MB in total, far more
    // than the kernel's socket buffers (a few MiB for a reader that never reads) plus the
    // 3 MiB allowed to queue per client. The active client may fall up to 3 MiB (~40 events)
    // behind on a loaded machine without being cut.
    let t = spawn_with(
        "openai-completions",
        "ws: { maxBufferedBytes: 3145728 }",
        "",
    )
    .await;
    let chunk = "x".repeat(200);
    let chunks: Vec<&str> = (0..400).map(|_| chunk.as_str()).collect();
    t.upstream
        .push(Reply::chunks(&chunks).with_chunk_delay(Duration::from_millis(5)));
    let (mut stalled, _) = WsClient::operator(&t, &["operator.read"]).await;
    let (mut active, _) = WsClient::operator(&t, &["operator.write"]).await;
    let id = active
        .req(
            "agent",
            json!({"message": "long", "agentId": "main", "idempotencyKey": "long"}),
        )
        .await;
    let (fin, seen) = active
        .until(|v| {
            v["type"] == "res" && v["id"] == id.as_str() && v["payload"]["status"] != "accepted"
        })
        .await;
    assert_eq!(
        fin["payload"]["result"]["payloads"][0]["text"]
            .as_str()
            .unwrap()
            .len(),
        80_000
    );
    let texts: Vec<usize> = seen
        .iter()
        .filter(|v| v["payload"]["stream"] == "assistant")
        .map(|v| v["payload"]["data"]["text"].as_str().unwrap().len())
        .collect();
    assert!(texts.windows(2).all(|w| w[0] < w[1]), "text only grows");
    assert_eq!(
        texts.last(),
        Some(&80_000),
        "the active client got the whole stream"
    );
    assert_eq!(
        chat_states(&seen, "long").last().map(String::as_str),
        Some("final")
    );

    // The stalled client was cut off as a slow consumer instead of buffering without bound.
    let (code, reason) = stalled.closed().await;
    assert_eq!((code, reason.as_str()), (Some(1008), "slow consumer"));
}

#[actix_web::test]
async fn chat_abort_stops_a_running_turn_and_clients_see_it_aborted() {
    let t = spawn().await;
    let chunks: Vec<String> = (0..200).map(|i| format!("w{i} ")).collect();
    let refs: Vec<&str> = chunks.iter().map(String::as_str).collect();
    t.upstream
        .push(Reply::chunks(&refs).with_chunk_delay(Duration::from_millis(20)));
    let (mut c, _) = WsClient::operator(&t, ALL).await;
    let sent = c
        .call(
            "chat.send",
            json!({"sessionKey": "agent:main:main", "message": "go", "idempotencyKey": "stop-me"}),
        )
        .await;
    assert_eq!(sent["payload"]["status"], "started");
    c.until(|v| v["event"] == "chat" && v["payload"]["state"] == "delta")
        .await;
    let aid = c.req("chat.abort", json!({"sessionKey": "main"})).await;
    let (aborted, mut seen) = c
        .until(|v| v["type"] == "res" && v["id"] == aid.as_str())
        .await;
    assert_eq!(
        aborted["payload"],
        json!({"ok": true, "aborted": true, "runIds": ["stop-me"]})
    );
    if !chat_states(&seen, "stop-me").iter().any(|s| s != "delta") {
        let (ev, _) = c
            .until(|v| v["event"] == "chat" && v["payload"]["state"] != "delta")
            .await;
        seen.push(ev);
    }
    let states = chat_states(&seen, "stop-me");
    assert_eq!(states.last().map(String::as_str), Some("aborted"));
    let waited = c
        .call("agent.wait", json!({"runId": "stop-me", "timeoutMs": 5000}))
        .await;
    assert_eq!(waited["payload"]["status"], "error");
    let idle = c.call("chat.abort", json!({"sessionKey": "main"})).await;
    assert_eq!(idle["payload"]["aborted"], false);
}

#[actix_web::test]
async fn agent_wait_times_out_for_an_unknown_run() {
    let t = spawn().await;
    let (mut c, _) = WsClient::operator(&t, &["operator.write"]).await;
    let res = c
        .call("agent.wait", json!({"runId": "nope", "timeoutMs": 100}))
        .await;
    assert_eq!(
        res["payload"],
        json!({"runId": "nope", "status": "timeout"})
    );
}
