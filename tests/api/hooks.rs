//! Webhooks: `/hooks/wake`, `/hooks/agent`, mappings, token checks, limits, dedupe and the
//! channel delivery fallback, against a real gateway and scripted upstream.

use crate::helpers::{last_user_text, spawn_with, TestGateway};
use actix::prelude::*;
use awc::http::StatusCode;
use clawgate::channels::{Deliver, DeliveryError, DeliveryReceipt};
use clawgate_bench::mock::Reply;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const HOOK_TOKEN: &str = "hook-secret-456";

async fn gateway(hooks_extra: &str) -> TestGateway {
    let t = spawn_with(
        "openai-completions",
        "",
        &format!(r#"hooks: {{ enabled: true, token: "{HOOK_TOKEN}", {hooks_extra} }},"#),
    )
    .await;
    t.upstream.set_default(Reply::text("done"));
    t
}

struct Resp {
    status: StatusCode,
    headers: awc::http::header::HeaderMap,
    text: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }
}

async fn send(req: awc::ClientRequest, body: &str) -> Resp {
    let mut r = req
        .insert_header(("content-type", "application/json"))
        .send_body(body.to_string())
        .await
        .expect("send");
    let bytes = r.body().await.expect("body");
    Resp {
        status: r.status(),
        headers: r.headers().clone(),
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn hook(t: &TestGateway, path: &str) -> awc::ClientRequest {
    t.client()
        .post(t.url(path))
        .insert_header(("authorization", format!("Bearer {HOOK_TOKEN}")))
}

async fn post(t: &TestGateway, path: &str, body: Value) -> Resp {
    send(hook(t, path), &body.to_string()).await
}

async fn queued(t: &TestGateway) -> Vec<String> {
    t.gw.as_ref().unwrap().state.system_events.peek()
}

/// Polls `f` (async) until it returns `Some`, up to 10 s.
async fn wait_for<T, F, Fut>(mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..200 {
        if let Some(v) = f().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("condition not met within 10 s");
}

async fn wait_event(t: &TestGateway, needle: &str) -> Vec<String> {
    wait_for(|| async {
        let q = queued(t).await;
        q.iter().any(|e| e.contains(needle)).then_some(q)
    })
    .await
}

#[actix_web::test]
async fn token_method_and_path_checks_come_in_openclaws_order() {
    let t = gateway("").await;
    let r = send(t.client().post(t.url("/hooks/wake")), r#"{"text":"x"}"#).await;
    assert_eq!(
        (r.status, r.text.as_str()),
        (StatusCode::UNAUTHORIZED, "Unauthorized")
    );
    let r = send(hook(&t, "/hooks/wake?token=abc"), r#"{"text":"x"}"#).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.text, "Hook token must be provided via Authorization: Bearer <token> or X-OpenClaw-Token header (query parameters are not allowed).");
    let mut g = t.client().get(t.url("/hooks/wake")).send().await.unwrap();
    assert_eq!(g.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(g.headers().get("allow").unwrap(), "POST");
    assert_eq!(g.body().await.unwrap(), "Method Not Allowed");
    let r = post(&t, "/hooks", json!({})).await;
    assert_eq!(
        (r.status, r.text.as_str()),
        (StatusCode::NOT_FOUND, "Not Found")
    );
    let r = post(&t, "/hooks/nothing-mapped", json!({})).await;
    assert_eq!(
        (r.status, r.text.as_str()),
        (StatusCode::NOT_FOUND, "Not Found")
    );
    let r = send(
        t.client()
            .post(t.url("/hooks/wake"))
            .insert_header(("x-openclaw-token", HOOK_TOKEN)),
        r#"{"text":"via header","mode":"next-heartbeat"}"#,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    // The gateway token is not a hook token.
    let r = send(
        t.client()
            .post(t.url("/hooks/wake"))
            .insert_header(("authorization", format!("Bearer {}", crate::helpers::TOKEN))),
        r#"{"text":"x"}"#,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn hooks_are_not_served_unless_enabled() {
    let t = spawn_with("openai-completions", "", "").await;
    let r = send(t.client().post(t.url("/hooks/wake")), r#"{"text":"x"}"#).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn wake_next_heartbeat_queues_an_untrusted_system_event() {
    let t = gateway("").await;
    let r = post(
        &t,
        "/hooks/wake",
        json!({"text": " Ping ", "mode": "next-heartbeat"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json(), json!({"ok": true, "mode": "next-heartbeat"}));
    assert_eq!(queued(&t).await, vec!["[untrusted] Ping".to_string()]);
    assert_eq!(t.upstream.request_count(), 0);
}

#[actix_web::test]
async fn wake_now_runs_a_heartbeat_turn_on_the_main_session() {
    let t = gateway("").await;
    let r = post(&t, "/hooks/wake", json!({"text": "New mail from Ann"})).await;
    assert_eq!(r.json(), json!({"ok": true, "mode": "now"}));
    let body = wait_for(|| async { t.upstream.requests().first().map(|r| r.body.clone()) }).await;
    assert_eq!(
        last_user_text(&body),
        "System: [untrusted] New mail from Ann"
    );
    assert!(queued(&t).await.is_empty());
    let s = wait_for(|| async { t.store().get_session("agent:main:main").await.unwrap() }).await;
    assert_eq!(s.agent_id, "main");
}

#[actix_web::test]
async fn blank_wake_text_and_bad_json_are_400() {
    let t = gateway("").await;
    let r = post(&t, "/hooks/wake", json!({"text": "  "})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json(), json!({"ok": false, "error": "text required"}));
    let r = send(hook(&t, "/hooks/agent"), "{").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["ok"], false);
}

#[actix_web::test]
async fn agent_hook_answers_at_once_and_posts_the_undelivered_reply_to_main() {
    let t = gateway("").await;
    let r = post(
        &t,
        "/hooks/agent",
        json!({"message": "Do it", "name": "Email", "wakeMode": "next-heartbeat"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let run_id = r.json()["runId"].as_str().unwrap().to_string();
    assert!(uuid::Uuid::parse_str(&run_id).is_ok(), "{run_id}");
    let events = wait_event(&t, "Hook Email: done").await;
    assert_eq!(events, vec!["[untrusted] Hook Email: done".to_string()]);
    // The hook content reached the model fenced as untrusted external content.
    let sent = last_user_text(&t.upstream.requests()[0].body);
    assert!(sent.starts_with("SECURITY NOTICE"), "{sent}");
    assert!(sent.contains("Source: Webhook\n---\nDo it\n"), "{sent}");
    // It ran in a fresh hook session of the default agent.
    let row = t.store().get_run(&run_id).await.unwrap().expect("run row");
    assert!(
        row.session_key.starts_with("agent:main:hook:"),
        "{}",
        row.session_key
    );
}

#[actix_web::test]
async fn agent_hook_validation_errors_are_400_and_queue_nothing() {
    let t = gateway("").await;
    let cases = [
        (json!({"message": " "}), "message required".to_string()),
        (json!({"message": "x", "model": ""}), "model required".to_string()),
        (
            json!({"message": "x", "sessionKey": "hook:x"}),
            "sessionKey is disabled for external /hooks/agent payloads; set hooks.allowRequestSessionKey=true to enable".to_string(),
        ),
    ];
    for (body, error) in cases {
        let r = post(&t, "/hooks/agent", body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.json(), json!({"ok": false, "error": error}));
    }
    let r = post(
        &t,
        "/hooks/agent",
        json!({"message": "x", "channel": "sms"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json()["error"]
        .as_str()
        .unwrap()
        .starts_with("channel must be last|telegram|whatsapp|discord|slack|"));
    assert!(queued(&t).await.is_empty());
    assert_eq!(t.upstream.request_count(), 0);
}

#[actix_web::test]
async fn session_key_policy_default_request_and_prefixes() {
    let t = gateway(
        r#"allowRequestSessionKey: true, defaultSessionKey: "hook:ingress", allowedSessionKeyPrefixes: ["hook:", "agent:beta:hook:"]"#,
    )
    .await;
    let run = |r: Resp| r.json()["runId"].as_str().unwrap().to_string();
    let a = run(post(
        &t,
        "/hooks/agent",
        json!({"message": "a", "deliver": false}),
    )
    .await);
    let b = run(post(
        &t,
        "/hooks/agent",
        json!({"message": "b", "sessionKey": "hook:github:7", "deliver": false}),
    )
    .await);
    let c = run(post(
        &t,
        "/hooks/agent",
        json!({"message": "c", "agentId": "beta", "sessionKey": "agent:main:hook:x", "deliver": false}),
    )
    .await);
    for (id, key) in [
        (a, "agent:main:hook:ingress"),
        (b, "agent:main:hook:github:7"),
        (c, "agent:beta:hook:x"),
    ] {
        let row = wait_for(|| async { t.store().get_run(&id).await.unwrap() }).await;
        assert_eq!(row.session_key, key);
    }
    let r = post(
        &t,
        "/hooks/agent",
        json!({"message": "x", "sessionKey": "other:1"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json()["error"],
        "sessionKey must start with one of: hook:, agent:beta:hook:"
    );
    // Rebinding into a namespace the prefixes do not allow is refused.
    let r = post(
        &t,
        "/hooks/agent",
        json!({"message": "x", "sessionKey": "agent:beta:hook:y", "agentId": "main"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[actix_web::test]
async fn allowed_agent_ids_gate_explicit_agents_only() {
    let t = gateway(r#"allowedAgentIds: ["beta"]"#).await;
    let r = post(
        &t,
        "/hooks/agent",
        json!({"message": "x", "agentId": "main"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json()["error"],
        "agentId is not allowed by hooks.allowedAgentIds"
    );
    let r = post(
        &t,
        "/hooks/agent",
        json!({"message": "x", "agentId": "beta", "deliver": false}),
    )
    .await;
    let id = r.json()["runId"].as_str().unwrap().to_string();
    let row = wait_for(|| async { t.store().get_run(&id).await.unwrap() }).await;
    assert!(row.session_key.starts_with("agent:beta:hook:"));
    let r = post(
        &t,
        "/hooks/agent",
        json!({"message": "x", "deliver": false}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);

    let any = gateway(r#"allowedAgentIds: ["*"]"#).await;
    let r = post(
        &any,
        "/hooks/agent",
        json!({"message": "x", "agentId": "ghost", "deliver": false}),
    )
    .await;
    let id = r.json()["runId"].as_str().unwrap().to_string();
    let row = wait_for(|| async { any.store().get_run(&id).await.unwrap() }).await;
    assert!(
        row.session_key.starts_with("agent:main:hook:"),
        "unknown agents fall back to the default"
    );
}

#[actix_web::test]
async fn a_repeated_idempotency_key_returns_the_first_run_and_starts_nothing() {
    let t = gateway("").await;
    let body = json!({"message": "Do it", "name": "Dup", "wakeMode": "next-heartbeat"});
    let first = send(
        hook(&t, "/hooks/agent").insert_header(("Idempotency-Key", "k-1")),
        &body.to_string(),
    )
    .await;
    let again = send(
        hook(&t, "/hooks/agent").insert_header(("X-OpenClaw-Idempotency-Key", "k-1")),
        &body.to_string(),
    )
    .await;
    assert_eq!(first.json()["runId"], again.json()["runId"]);
    let long = "k".repeat(257);
    let l1 = send(
        hook(&t, "/hooks/agent").insert_header(("Idempotency-Key", long.as_str())),
        &body.to_string(),
    )
    .await;
    let l2 = send(
        hook(&t, "/hooks/agent").insert_header(("Idempotency-Key", long.as_str())),
        &body.to_string(),
    )
    .await;
    assert_ne!(
        l1.json()["runId"],
        l2.json()["runId"],
        "keys over 256 chars are not deduped"
    );
    let events = wait_for(|| async {
        let q = queued(&t).await;
        (q.len() >= 3).then_some(q)
    })
    .await;
    assert_eq!(events.len(), 3, "{events:?}");
    assert_eq!(t.upstream.request_count(), 3);
}

#[actix_web::test]
async fn wrong_tokens_lock_the_caller_out_and_the_right_one_resets() {
    let t = gateway("").await;
    let wrong = || {
        t.client()
            .post(t.url("/hooks/wake"))
            .insert_header(("authorization", "Bearer nope"))
    };
    for _ in 0..21 {
        let mut g = t
            .client()
            .get(t.url("/hooks/wake"))
            .insert_header(("authorization", "Bearer nope"))
            .send()
            .await
            .unwrap();
        assert_eq!(g.status(), StatusCode::METHOD_NOT_ALLOWED);
        let _ = g.body().await;
    }
    for _ in 0..20 {
        assert_eq!(send(wrong(), "{}").await.status, StatusCode::UNAUTHORIZED);
    }
    let locked = send(wrong(), "{}").await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(locked.text, "Too Many Requests");
    let retry: u64 = locked
        .headers
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    let ok = post(
        &t,
        "/hooks/wake",
        json!({"text": "x", "mode": "next-heartbeat"}),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(send(wrong(), "{}").await.status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn oversized_bodies_are_413() {
    let t = gateway("maxBodyBytes: 64").await;
    let r = post(&t, "/hooks/wake", json!({"text": "x".repeat(100)})).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.json(), json!({"ok": false, "error": "payload too large"}));
}

#[actix_web::test]
async fn mappings_render_templates_and_the_gmail_preset_applies() {
    let t = gateway(
        r#"presets: ["gmail"], mappings: [
            { match: { path: "github" }, name: "GitHub", sessionKey: "hook:gh:{{pr.number}}",
              messageTemplate: "PR {{payload.pr.title}} by {{headers.x-user}} on {{query.ref}} at /{{path}} {{constructor}}", deliver: false },
            { match: { path: "ping" }, action: "wake", textTemplate: "{{text}}", wakeMode: "next-heartbeat" },
        ]"#,
    )
    .await;
    let r = send(
        hook(&t, "/hooks/github?ref=main").insert_header(("x-user", "ann")),
        &json!({"pr": {"number": 42, "title": "Fix"}}).to_string(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let id = r.json()["runId"].as_str().unwrap().to_string();
    let row = wait_for(|| async { t.store().get_run(&id).await.unwrap() }).await;
    assert_eq!(row.session_key, "agent:main:hook:gh:42");
    let sent = last_user_text(&t.upstream.requests()[0].body);
    assert!(
        sent.contains("---\nPR Fix by ann on main at /github\n"),
        "{sent}"
    );

    let r = post(&t, "/hooks/ping", json!({"text": "hello"})).await;
    assert_eq!(r.json(), json!({"ok": true, "mode": "next-heartbeat"}));
    assert!(queued(&t).await.contains(&"[untrusted] hello".to_string()));
    let r = post(&t, "/hooks/ping", json!({})).await;
    assert_eq!(
        r.json(),
        json!({"ok": false, "error": "hook mapping requires text"})
    );

    let mail = json!({"messages": [{"id": "abc", "from": "bob@x", "subject": "Hi", "snippet": "s", "body": "b"}]});
    let r = post(&t, "/hooks/gmail", mail).await;
    let id = r.json()["runId"].as_str().unwrap().to_string();
    let row = wait_for(|| async { t.store().get_run(&id).await.unwrap() }).await;
    assert_eq!(row.session_key, "agent:main:hook:gmail:abc");
    let sent = wait_for(|| async {
        t.upstream
            .requests()
            .iter()
            .map(|r| last_user_text(&r.body))
            .find(|s| s.contains("New email"))
    })
    .await;
    assert!(
        sent.contains("Source: Email\n---\nNew email from bob@x\nSubject: Hi\ns\nb"),
        "{sent}"
    );
    // wakeMode "now" (the preset's): the summary event is consumed by a heartbeat turn at once.
    wait_for(|| async {
        t.upstream
            .requests()
            .iter()
            .any(|r| last_user_text(&r.body).contains("System: [untrusted] Hook Gmail: done"))
            .then_some(())
    })
    .await;
}

/// A stand-in channel connector recording what it is asked to send.
struct Recorder(Arc<Mutex<Vec<Deliver>>>);

impl Actor for Recorder {
    type Context = Context<Self>;
}

impl Handler<Deliver> for Recorder {
    type Result = Result<DeliveryReceipt, DeliveryError>;
    fn handle(&mut self, msg: Deliver, _: &mut Context<Self>) -> Self::Result {
        self.0.lock().unwrap().push(msg);
        Ok(DeliveryReceipt::default())
    }
}

#[actix_web::test]
async fn a_registered_channel_gets_the_reply_and_main_gets_nothing() {
    let t = gateway("").await;
    let sent = Arc::new(Mutex::new(Vec::new()));
    t.gw.as_ref().unwrap().state.outbound.register(
        vec!["slack".into()],
        Recorder(sent.clone()).start().recipient(),
    );
    let r = post(
        &t,
        "/hooks/agent",
        json!({"message": "Summarise", "channel": "slack", "to": "channel:C1", "wakeMode": "next-heartbeat"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let d = wait_for(|| async { sent.lock().unwrap().first().cloned() }).await;
    assert_eq!(
        (d.channel.as_str(), d.to.as_deref(), d.text.as_str()),
        ("slack", Some("channel:C1"), "done")
    );
    assert!(queued(&t).await.is_empty());
    // A known channel with no connector behind it falls back to the main session.
    let r = post(
        &t,
        "/hooks/agent",
        json!({"message": "x", "name": "Tg", "channel": "telegram", "wakeMode": "next-heartbeat"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    wait_event(&t, "Hook Tg: done").await;
}
