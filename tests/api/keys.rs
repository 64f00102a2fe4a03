//! Scoped API keys (issue #19): what a key may reach, revocation (HTTP and an open
//! WebSocket), the per-key request rate and token budget, usage and the audit log.

use crate::helpers::*;
use clawgate_bench::mock::Reply;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};

const RESPONSES_ON: &str = "http: { endpoints: { responses: { enabled: true } } }";

/// Creates a key as the owner; returns `(id, key)`.
pub async fn create_key(t: &TestGateway, spec: Value) -> (String, String) {
    let (s, _, v) = t.post_json("/api/v1/keys", spec).await;
    assert_eq!(s, 200, "{v}");
    let id = v["data"]["apiKey"]["id"].as_str().unwrap().to_string();
    let key = v["data"]["key"].as_str().unwrap().to_string();
    assert!(key.starts_with("cgk_"), "{key}");
    (id, key)
}

/// A request with `key` as the bearer: status and parsed body.
pub async fn call(
    t: &TestGateway,
    method: &str,
    path: &str,
    key: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> (u16, awc::http::header::HeaderMap, Value) {
    let mut req = t
        .client()
        .request(method.parse().unwrap(), t.url(path))
        .insert_header(("authorization", format!("Bearer {key}")));
    for (k, v) in headers {
        req = req.insert_header((*k, *v));
    }
    let mut resp = match body {
        Some(b) => req.send_json(&b).await.unwrap(),
        None => req.send().await.unwrap(),
    };
    let bytes = resp.body().limit(16 << 20).await.unwrap();
    let v = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    (resp.status().as_u16(), resp.headers().clone(), v)
}

fn chat_body(model: &str, text: &str) -> Value {
    json!({"model": model, "messages": [{"role": "user", "content": text}]})
}

#[actix_web::test]
async fn a_chat_key_on_main_cannot_reach_tools_other_agents_or_other_apps() {
    let t = spawn().await;
    let (_, shop) = create_key(
        &t,
        json!({"name": "shop app", "app": "shop", "scopes": ["chat"], "agents": ["main"]}),
    )
    .await;
    let (_, other) = create_key(
        &t,
        json!({"name": "other app", "app": "other", "scopes": ["chat", "sessions"], "agents": ["main"]}),
    )
    .await;
    let (_, shop_reader) = create_key(
        &t,
        json!({"name": "shop reader", "app": "shop", "scopes": ["sessions:read"], "agents": ["main"]}),
    )
    .await;

    // The other app has a conversation with a secret in it.
    t.upstream.push(Reply::text("noted"));
    let (s, _, v) = call(
        &t,
        "POST",
        "/v1/chat/completions",
        &other,
        Some(chat_body("openclaw", "the password is swordfish")),
        &[("x-openclaw-session-key", "secret-talk")],
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let other_session = "agent:main:app:other:secret-talk";
    assert!(t
        .store()
        .get_session(other_session)
        .await
        .unwrap()
        .is_some());

    // Chat on main works for the shop key, in its own namespace.
    t.upstream.push(Reply::text("hello shop"));
    let (s, _, v) = call(
        &t,
        "POST",
        "/v1/chat/completions",
        &shop,
        Some(chat_body("openclaw", "hi")),
        &[("x-openclaw-session-key", "front")],
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["choices"][0]["message"]["content"], "hello shop");
    assert!(t
        .store()
        .get_session("agent:main:app:shop:front")
        .await
        .unwrap()
        .is_some());

    // /tools/invoke is not in its scopes.
    let (s, _, v) = call(
        &t,
        "POST",
        "/tools/invoke",
        &shop,
        Some(json!({"tool": "sessions_list", "args": {}})),
        &[],
    )
    .await;
    assert_eq!(s, 403, "{v}");
    // Neither is another agent.
    let (s, _, v) = call(
        &t,
        "POST",
        "/v1/chat/completions",
        &shop,
        Some(chat_body("openclaw/beta", "hi")),
        &[],
    )
    .await;
    assert_eq!(s, 403, "{v}");
    // Nor the sessions family, nor the owner's routes.
    for (m, p) in [
        ("GET", "/v1/sessions"),
        ("GET", "/status"),
        ("GET", "/api/v1/keys"),
        ("GET", "/api/v1/audit"),
    ] {
        let (s, _, v) = call(&t, m, p, &shop, None, &[]).await;
        assert_eq!(s, 403, "{m} {p}: {v}");
    }

    // Naming the other app's session lands in its own namespace: the model never sees the
    // other conversation.
    t.upstream.push(Reply::text("fresh"));
    let before = t.upstream.requests().len();
    let (s, _, v) = call(
        &t,
        "POST",
        "/v1/chat/completions",
        &shop,
        Some(chat_body("openclaw", "what was the password?")),
        &[("x-openclaw-session-key", other_session)],
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let sent = t.upstream.requests()[before].body.to_string();
    assert!(!sent.contains("swordfish"), "{sent}");

    // A shop key with sessions:read cannot see or address the other app's session.
    for path in [
        format!("/v1/sessions/{other_session}"),
        format!("/sessions/{other_session}/history"),
    ] {
        let (s, _, v) = call(&t, "GET", &path, &shop_reader, None, &[]).await;
        assert_eq!(s, 404, "{path}: {v}");
        assert!(!v.to_string().contains("swordfish"), "{v}");
    }
    let (s, _, v) = call(&t, "GET", "/v1/sessions", &shop_reader, None, &[]).await;
    assert_eq!(s, 200, "{v}");
    let keys: Vec<&str> = v["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["sessionKey"].as_str().unwrap())
        .collect();
    assert!(!keys.is_empty());
    assert!(
        keys.iter().all(|k| k.starts_with("agent:main:app:shop:")),
        "{keys:?}"
    );
    let (s, _, v) = call(&t, "GET", "/api/v1/sessions", &shop_reader, None, &[]).await;
    assert_eq!(s, 200, "{v}");
    let listed = v["data"]["sessions"].as_array().unwrap();
    assert_eq!(listed.len(), 2, "{v}");
    assert!(
        listed.iter().all(|s| s["sessionKey"]
            .as_str()
            .unwrap()
            .starts_with("agent:main:app:shop:")),
        "{v}"
    );
    // Its own session's history is readable.
    let (s, _, v) = call(
        &t,
        "GET",
        "/sessions/agent:main:app:shop:front/history",
        &shop_reader,
        None,
        &[],
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert!(v.to_string().contains("hello shop"), "{v}");
}

#[actix_web::test]
async fn end_users_get_their_own_sessions_inside_the_app() {
    let t = spawn().await;
    let (_, key) = create_key(
        &t,
        json!({"name": "mini", "app": "mini", "scopes": ["chat", "message", "sessions:read"], "agents": ["main"], "endUsers": true}),
    )
    .await;
    t.upstream.push(Reply::text("hi alice"));
    let mut body = chat_body("openclaw", "hello");
    body["user"] = json!("alice");
    let (s, _, v) = call(&t, "POST", "/v1/chat/completions", &key, Some(body), &[]).await;
    assert_eq!(s, 200, "{v}");
    t.upstream.push(Reply::text("hi bob"));
    let (s, _, v) = call(
        &t,
        "POST",
        "/api/v1/message",
        &key,
        Some(json!({"text": "hello"})),
        &[("x-clawgate-user", "bob")],
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let keys = listed_sessions(&t, &key, "bob").await;
    assert_eq!(
        keys,
        vec!["agent:main:app:mini:user:bob:default".to_string()]
    );
    let keys = listed_sessions(&t, &key, "alice").await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(
        keys[0].starts_with("agent:main:app:mini:user:alice:"),
        "{keys:?}"
    );
}

#[actix_web::test]
async fn a_revoked_key_stops_at_once_on_http_and_on_an_open_websocket() {
    let t = spawn_with("openai-completions", RESPONSES_ON, "").await;
    let (id, key) = create_key(
        &t,
        json!({"name": "ws app", "app": "ws", "scopes": ["responses"], "agents": ["main"]}),
    )
    .await;
    let url = format!("{}/v1/responses", t.base.replace("http://", "ws://"));
    let (resp, mut conn) = awc::Client::new()
        .ws(url)
        .header("authorization", format!("Bearer {key}"))
        .connect()
        .await
        .expect("ws connect");
    assert_eq!(resp.status(), 101);
    t.upstream.push(Reply::text("over the socket"));
    conn.send(awc::ws::Message::Text(
        json!({"type": "response.create", "model": "openclaw", "input": "hi"})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    loop {
        match conn.next().await {
            Some(Ok(awc::ws::Frame::Text(b))) => {
                let v: Value = serde_json::from_slice(&b).unwrap();
                if v["type"] == "response.completed" {
                    break;
                }
                assert_ne!(v["type"], "error", "{v}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    let resp = t
        .client()
        .delete(t.url(&format!("/api/v1/keys/{id}")))
        .insert_header(("authorization", format!("Bearer {TOKEN}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    // The socket is closed with 4001.
    let code = loop {
        match conn.next().await {
            Some(Ok(awc::ws::Frame::Close(reason))) => break reason.map(|r| u16::from(r.code)),
            Some(Ok(_)) => continue,
            other => panic!("expected a close, got {other:?}"),
        }
    };
    assert_eq!(code, Some(4001));
    // And HTTP refuses the key.
    let (s, _, v) = call(
        &t,
        "POST",
        "/v1/responses",
        &key,
        Some(json!({"model": "openclaw", "input": "hi"})),
        &[],
    )
    .await;
    assert_eq!(s, 401, "{v}");
}

#[actix_web::test]
async fn the_101st_request_in_a_minute_is_a_429_with_retry_after_naming_the_limit() {
    let t = spawn().await;
    let (_, key) = create_key(
        &t,
        json!({"name": "rate", "app": "rate", "scopes": ["chat"], "agents": ["main"], "quotas": {"requestsPerMinute": 100}}),
    )
    .await;
    for i in 0..100 {
        let (s, _, v) = call(&t, "GET", "/v1/models", &key, None, &[]).await;
        assert_eq!(s, 200, "request {i}: {v}");
    }
    let (s, h, v) = call(&t, "GET", "/v1/models", &key, None, &[]).await;
    assert_eq!(s, 429, "{v}");
    let retry: u64 = h
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("requestsPerMinute"),
        "{v}"
    );
    // The owner is not limited by the key's quota.
    let resp = t.get("/v1/models").send().await.unwrap();
    assert_eq!(resp.status(), 200);
}

#[actix_web::test]
async fn a_token_budget_stops_turns_once_spent_and_usage_matches_the_turns() {
    let t = spawn().await;
    // The mock's default reply costs 9 + 5 = 14 tokens.
    let (id, key) = create_key(
        &t,
        json!({"name": "budget", "app": "budget", "scopes": ["chat", "message"], "agents": ["main"], "endUsers": true, "quotas": {"tokensPerDay": 20}}),
    )
    .await;
    let (s, _, v) = call(
        &t,
        "POST",
        "/v1/chat/completions",
        &key,
        Some(chat_body("openclaw", "one")),
        &[("x-clawgate-user", "u1")],
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, _, v) = call(
        &t,
        "POST",
        "/api/v1/message",
        &key,
        Some(json!({"text": "two"})),
        &[("x-clawgate-user", "u2")],
    )
    .await;
    assert_eq!(s, 200, "{v}");
    // 28 tokens spent of 20: the next turn is refused, in each family's shape.
    let (s, h, v) = call(
        &t,
        "POST",
        "/v1/chat/completions",
        &key,
        Some(chat_body("openclaw", "three")),
        &[],
    )
    .await;
    assert_eq!(s, 429, "{v}");
    assert!(h.get("retry-after").is_some());
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("tokensPerDay"),
        "{v}"
    );
    let (s, _, v) = call(
        &t,
        "POST",
        "/api/v1/message",
        &key,
        Some(json!({"text": "four"})),
        &[],
    )
    .await;
    assert_eq!(s, 429, "{v}");
    assert_eq!(v["success"], false);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("tokensPerDay"),
        "{v}"
    );

    // Usage: two turns, 9 in and 5 out each, one per end user.
    let mut resp = t
        .get(&format!("/api/v1/usage?keyId={id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    let total = &v["data"]["total"];
    assert_eq!(total["turns"], 2, "{v}");
    assert_eq!(total["tokensIn"], 18, "{v}");
    assert_eq!(total["tokensOut"], 10, "{v}");
    assert_eq!(total["errors"], 0, "{v}");
    let users: Vec<&str> = v["data"]["usage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["user"].as_str().unwrap())
        .collect();
    assert_eq!(users, vec!["u1", "u2"], "{v}");

    // The budget survives a restart (the counters are stored).
    let (upstream, dir) = t.stop().await;
    let t = spawn_in(upstream, dir, "openai-completions", "", "").await;
    let (s, _, v) = call(
        &t,
        "POST",
        "/v1/chat/completions",
        &key,
        Some(chat_body("openclaw", "five")),
        &[],
    )
    .await;
    assert_eq!(s, 429, "{v}");
}

#[actix_web::test]
async fn the_audit_log_records_each_admin_action_and_denials() {
    let t = spawn().await;
    let (id, key) = create_key(
        &t,
        json!({"name": "audited", "app": "audit", "scopes": ["chat"], "agents": ["main"]}),
    )
    .await;
    let (s, _, v) = t
        .post_json(&format!("/api/v1/keys/{id}/rotate"), json!({}))
        .await;
    assert_eq!(s, 200, "{v}");
    let rotated = v["data"]["key"].as_str().unwrap().to_string();
    assert_ne!(rotated, key);
    // The old secret stopped; the new one works.
    let (s, _, _) = call(&t, "GET", "/v1/models", &key, None, &[]).await;
    assert_eq!(s, 401);
    let (s, _, _) = call(&t, "GET", "/v1/models", &rotated, None, &[]).await;
    assert_eq!(s, 200);
    let (s, _, _) = call(
        &t,
        "POST",
        "/tools/invoke",
        &rotated,
        Some(json!({"tool": "x"})),
        &[],
    )
    .await;
    assert_eq!(s, 403);
    let resp = t
        .client()
        .delete(t.url(&format!("/api/v1/keys/{id}")))
        .insert_header(("authorization", format!("Bearer {TOKEN}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    // The listing never shows a secret.
    let mut resp = t.get("/api/v1/keys").send().await.unwrap();
    let list: Value = resp.json().await.unwrap();
    assert_eq!(list["data"]["keys"][0]["status"], "revoked", "{list}");
    assert!(!list.to_string().contains(&rotated[4..]), "{list}");

    let mut resp = t.get("/api/v1/audit").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    let actions: Vec<(String, String)> = v["data"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["target"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expect = |a: &str, target: &str| (a.to_string(), target.to_string());
    assert_eq!(
        actions,
        vec![
            expect("key.created", &id),
            expect("key.rotated", &id),
            expect("request.denied", "/v1/models"),
            expect("request.denied", "/tools/invoke"),
            expect("key.revoked", &id),
        ],
        "{v}"
    );
    assert!(
        !v.to_string().contains(&rotated[4..]),
        "no secret in the audit log"
    );
}

/// The session keys `GET /v1/sessions` lists to `key` for end user `user` (asserting a 200).
async fn listed_sessions(t: &TestGateway, key: &str, user: &str) -> Vec<String> {
    let (s, _, v) = call(
        t,
        "GET",
        "/v1/sessions",
        key,
        None,
        &[("x-clawgate-user", user)],
    )
    .await;
    assert_eq!(s, 200, "{v}");
    v["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["sessionKey"].as_str().unwrap().to_string())
        .collect()
}
