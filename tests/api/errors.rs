use crate::helpers::*;
use serde_json::{json, Value};

fn assert_openai_error(body: &Value, message: &str, kind: &str) {
    let e = body["error"]
        .as_object()
        .unwrap_or_else(|| panic!("not an error body: {body}"));
    assert_eq!(e["message"], message);
    assert_eq!(e["type"], kind);
    assert!(
        e.contains_key("param") && e.contains_key("code"),
        "all four keys: {body}"
    );
}

#[actix_web::test]
async fn missing_and_wrong_credentials_are_401_json() {
    let t = spawn().await;
    let mut r = t
        .client()
        .post(t.url("/v1/chat/completions"))
        .send_json(&json!({"messages":[{"role":"user","content":"hi"}]}))
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_openai_error(&r.json().await.unwrap(), "Unauthorized", "unauthorized");
    let mut r = t
        .client()
        .get(t.url("/v1/models"))
        .insert_header(("authorization", "Bearer nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_openai_error(&r.json().await.unwrap(), "Unauthorized", "unauthorized");
    assert_eq!(t.upstream.request_count(), 0);
}

#[actix_web::test]
async fn failed_auth_is_rate_limited_with_retry_after() {
    let t = spawn_with_auth_limit().await;
    let bad = || {
        t.client()
            .get(t.url("/v1/models"))
            .insert_header(("authorization", "Bearer wrong"))
            .send()
    };
    assert_eq!(bad().await.unwrap().status(), 401);
    let mut r = bad().await.unwrap();
    assert_eq!(r.status(), 429);
    assert!(
        r.headers()
            .get("retry-after")
            .unwrap()
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    assert_openai_error(
        &r.json().await.unwrap(),
        "Too many failed authentication attempts. Please try again later.",
        "rate_limited",
    );
    // Even the right token waits out the lockout.
    assert_eq!(t.get("/v1/models").send().await.unwrap().status(), 429);
}

async fn spawn_with_auth_limit() -> TestGateway {
    let upstream = clawgate_bench::mock::MockUpstream::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = format!(
        r#"{{ gateway: {{ auth: {{ mode: "token", token: "{TOKEN}", rateLimit: {{ maxAttempts: 1, exemptLoopback: false }} }} }},
             models: {{ providers: {{ mock: {{ baseUrl: "{}", models: [{{ id: "m" }}] }} }} }} }}"#,
        upstream.base_url()
    );
    start_gateway(upstream, dir, &cfg).await
}

#[actix_web::test]
async fn password_mode_accepts_bearer_basic_and_header() {
    let upstream = clawgate_bench::mock::MockUpstream::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = format!(
        r#"{{ gateway: {{ auth: {{ mode: "password", password: "s3cret" }} }}, models: {{ providers: {{ mock: {{ baseUrl: "{}", models: [{{ id: "m" }}] }} }} }} }}"#,
        upstream.base_url()
    );
    let t = start_gateway(upstream, dir, &cfg).await;
    let c = t.client();
    assert_eq!(
        c.get(t.url("/v1/models"))
            .insert_header(("authorization", "Bearer s3cret"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        c.get(t.url("/v1/models"))
            .insert_header(("authorization", "Basic dXNlcjpzM2NyZXQ="))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        c.get(t.url("/v1/models"))
            .insert_header(("x-openclaw-password", "s3cret"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        c.get(t.url("/v1/models"))
            .insert_header(("x-openclaw-password", "nope"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

#[actix_web::test]
async fn bad_requests_are_400_with_openclaw_messages_and_start_no_run() {
    let t = spawn().await;
    let (s, b) = t
        .chat(json!({"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}))
        .await;
    assert_eq!(s, 400);
    assert_openai_error(
        &b,
        "Invalid `model`. Use `openclaw` or `openclaw/<agentId>`.",
        "invalid_request_error",
    );
    let (s, b) = t
        .chat(json!({"model":"openclaw/nosuchagent","messages":[{"role":"user","content":"hi"}]}))
        .await;
    assert_eq!(s, 400);
    assert_openai_error(&b, "Unknown agent 'nosuchagent'.", "invalid_request_error");
    let (s, b) = t.chat(json!({"model":"openclaw"})).await;
    assert_eq!(s, 400);
    assert_openai_error(
        &b,
        "Missing user message in `messages`.",
        "invalid_request_error",
    );
    let (s, b) = t
        .chat(json!({"messages":[{"role":"system","content":"only system"}]}))
        .await;
    assert_eq!(s, 400);
    assert_openai_error(
        &b,
        "Missing user message in `messages`.",
        "invalid_request_error",
    );
    let mut r = t
        .post("/v1/chat/completions")
        .send_body("{not json")
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let b: Value = r.json().await.unwrap();
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid JSON body"),
        "{b}"
    );
    assert_eq!(t.upstream.request_count(), 0);
}

#[actix_web::test]
async fn framework_errors_are_json_too() {
    let t = spawn_with(
        "openai-completions",
        "http: { endpoints: { chatCompletions: { maxBodyBytes: 1024 } } }",
        "",
    )
    .await;
    let mut r = t.get("/v1/nope").send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_openai_error(
        &r.json().await.unwrap(),
        "Not Found",
        "invalid_request_error",
    );
    let mut r = t.get("/v1/chat/completions").send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers().get("allow").unwrap(), "POST");
    assert_openai_error(
        &r.json().await.unwrap(),
        "Method Not Allowed",
        "invalid_request_error",
    );
    let big = "x".repeat(4096);
    let mut r = t
        .post("/v1/chat/completions")
        .send_json(&json!({"messages":[{"role":"user","content":big}]}))
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_openai_error(
        &r.json().await.unwrap(),
        "Payload too large",
        "invalid_request_error",
    );
}

#[actix_web::test]
async fn disabled_chat_completions_is_404() {
    let t = spawn_with(
        "openai-completions",
        "http: { endpoints: { chatCompletions: { enabled: false } } }",
        "",
    )
    .await;
    let (s, _) = t
        .chat(json!({"messages":[{"role":"user","content":"hi"}]}))
        .await;
    assert_eq!(s, 404);
    assert_eq!(t.get("/v1/models").send().await.unwrap().status(), 404);
}

#[actix_web::test]
async fn a_body_of_millions_of_tiny_elements_is_a_400_not_gigabytes_of_memory() {
    let t = spawn().await;
    let mut body = String::from(r#"{"messages":[{"role":"user","content":"hi"}],"stop":[0"#);
    body.push_str(&",0".repeat(1_100_000));
    body.push_str("]}");
    for path in ["/v1/chat/completions", "/api/v1/message"] {
        let mut r = t.post(path).send_body(body.clone()).await.unwrap();
        assert_eq!(r.status(), 400, "{path}");
        let b: Value = r.json().await.unwrap();
        let msg = b["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(msg.contains("more than 1000000 values"), "{path}: {b}");
    }
    assert_eq!(t.upstream.request_count(), 0);
}
