//! `/v1/sessions` and `/sessions/{key}/history|kill` (seed 003 and OpenClaw): shapes, filters,
//! paging, keys with `:` and non-ASCII in the path, and seed 003's error shape.

use crate::helpers::*;
use clawgate_bench::mock::Reply;
use serde_json::{json, Value};
use std::time::Duration;

async fn get_json(t: &TestGateway, path: &str) -> (u16, Value) {
    let mut resp = t.get(path).send().await.unwrap();
    let b = resp.body().limit(1 << 20).await.unwrap();
    (
        resp.status().as_u16(),
        serde_json::from_slice(&b).unwrap_or(Value::Null),
    )
}

async fn chat_as(t: &TestGateway, user: &str) {
    t.upstream.push(Reply::text("hello"));
    let (s, v) = t
        .chat(json!({"model": "openclaw", "user": user, "messages": [{"role": "user", "content": "hi"}]}))
        .await;
    assert_eq!(s, 200, "{v}");
}

fn encode(key: &str) -> String {
    key.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[actix_web::test]
async fn sessions_list_filter_page_get_and_delete() {
    let t = spawn().await;
    for u in ["alice", "bob", "carol"] {
        chat_as(&t, u).await;
    }
    let (s, v) = get_json(&t, "/v1/sessions?limit=2").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["total"], 3);
    assert_eq!(v["nextOffset"], 2);
    let first = &v["sessions"][0];
    assert_eq!(first["sessionKey"], "agent:main:openai-user:carol");
    assert_eq!(first["agentId"], "main");
    assert_eq!(first["channel"], "webchat");
    assert_eq!(first["messageCount"], 2);
    assert!(first["createdAt"].as_str().unwrap().ends_with('Z'));
    let (_, page2) = get_json(&t, "/v1/sessions?limit=2&offset=2").await;
    assert_eq!(page2["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(page2["nextOffset"], Value::Null);
    let (_, none) = get_json(&t, "/v1/sessions?agentId=beta").await;
    assert_eq!(none["total"], 0);
    let (_, tg) = get_json(&t, "/v1/sessions?channel=telegram").await;
    assert_eq!(tg["total"], 0);
    let future = chrono::Utc::now().timestamp_millis() + 60_000;
    let (_, recent) = get_json(&t, &format!("/v1/sessions?activeSince={future}")).await;
    assert_eq!(recent["total"], 0);

    let key = "agent:main:openai-user:alice";
    let (s, one) = get_json(&t, &format!("/v1/sessions/{}", encode(key))).await;
    assert_eq!(s, 200, "{one}");
    assert_eq!(one["sessionKey"], key);
    let (s, hist) = get_json(&t, &format!("/sessions/{key}/history?limit=10")).await;
    assert_eq!(s, 200, "{hist}");
    let roles: Vec<&str> = hist["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["user", "assistant"]);

    let del = t
        .client()
        .delete(t.url(&format!("/v1/sessions/{}", encode(key))))
        .insert_header(("authorization", format!("Bearer {TOKEN}")))
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 200);
    let (s, gone) = get_json(&t, &format!("/v1/sessions/{}", encode(key))).await;
    assert_eq!(s, 404);
    assert_eq!(
        gone["error"],
        json!({"code": "not_found", "message": format!("session not found: {key}"),
               "type": "client_error", "param": null})
    );
}

#[actix_web::test]
async fn keys_with_colons_slashes_and_non_ascii_work_in_paths() {
    let t = spawn().await;
    for key in ["agent:main:项目:讨论", "agent:main:team/alpha"] {
        t.upstream.push(Reply::text("ok"));
        let (s, _, v) = t
            .post_json("/v1/agent/run", json!({"message": "hi", "sessionKey": key}))
            .await;
        assert_eq!(s, 200, "{v}");
        let (s, v) = get_json(&t, &format!("/v1/sessions/{}", encode(key))).await;
        assert_eq!(s, 200, "{key}: {v}");
        assert_eq!(v["sessionKey"], key);
        let (s, v) = get_json(&t, &format!("/sessions/{}/history", encode(key))).await;
        assert_eq!(s, 200, "{key}: {v}");
        assert_eq!(v["messages"].as_array().unwrap().len(), 2);
    }
}

#[actix_web::test]
async fn kill_aborts_the_running_turn_of_a_session() {
    let t = spawn().await;
    t.upstream
        .push(Reply::chunks(&["slow"]).with_first_byte_delay(Duration::from_secs(5)));
    // The SSE headers come back once the turn is handed to the router, so the run is
    // registered (and queued on its session) before the kill below is handled.
    let mut stream = t
        .post("/v1/chat/completions")
        .send_json(&json!({"model": "openclaw", "user": "dave", "stream": true,
                           "messages": [{"role": "user", "content": "hi"}]}))
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let key = "agent:main:openai-user:dave";
    let (s, _, killed) = t
        .post_json(&format!("/sessions/{key}/kill"), json!({}))
        .await;
    assert_eq!(s, 200, "{killed}");
    assert_eq!(killed["aborted"], true, "{killed}");
    assert_eq!(killed["runIds"].as_array().unwrap().len(), 1);
    let body = String::from_utf8_lossy(&stream.body().limit(1 << 20).await.unwrap()).to_string();
    assert!(body.contains("aborted"), "{body}");
}

#[actix_web::test]
async fn rest_errors_use_seed_003_shape() {
    let t = spawn().await;
    let mut resp = t
        .client()
        .get(t.url("/v1/sessions"))
        .insert_header(("authorization", "Bearer nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let v: Value = serde_json::from_slice(&resp.body().await.unwrap()).unwrap();
    assert_eq!(v["error"]["code"], "unauthorized");
    assert_eq!(v["error"]["type"], "client_error");
    let (s, v) = get_json(&t, "/v1/sessions?limit=abc").await;
    assert_eq!(s, 400);
    assert_eq!(v["error"]["param"], "limit");
    assert_eq!(v["error"]["code"], "invalid_request");
    let mut resp = t
        .client()
        .delete(t.url("/v1/sessions/agent:main:main"))
        .insert_header(("authorization", format!("Bearer {TOKEN}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let v: Value = serde_json::from_slice(&resp.body().await.unwrap()).unwrap();
    assert_eq!(v["error"]["code"], "forbidden");
}

#[actix_web::test]
async fn history_follow_mode_streams_messages_written_by_another_connection() {
    use futures_util::StreamExt;
    let t = spawn().await;
    chat_as(&t, "erin").await;
    let key = "agent:main:openai-user:erin";
    let mut follow = t
        .get(&format!("/sessions/{key}/history?follow=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(follow.status(), 200);
    assert!(follow
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    // Another connection runs a turn in the same session.
    t.upstream.push(Reply::text("written elsewhere"));
    let (s, v) = t
        .chat(json!({"model": "openclaw", "user": "erin",
                     "messages": [{"role": "user", "content": "second question"}]}))
        .await;
    assert_eq!(s, 200, "{v}");
    let mut seen = String::new();
    let read = async {
        while let Some(chunk) = follow.next().await {
            seen.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
            if seen.contains("written elsewhere") {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .expect("the new messages arrive");
    let contents: Vec<String> = seen
        .split("\n\n")
        .filter_map(|f| f.lines().find_map(|l| l.strip_prefix("data: ")))
        .map(|d| {
            serde_json::from_str::<Value>(d).unwrap()["content"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        contents,
        ["hi", "hello", "second question", "written elsewhere"],
        "{seen}"
    );
}
