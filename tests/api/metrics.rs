//! `GET /metrics`, parsed with a Prometheus text-format parser: the turn phases, tokens and
//! upstream errors by provider, the active gauges (WebSocket clients, SSE streams), store
//! commit times, channel connector state and cron runs move when the thing they count happens.

use crate::helpers::*;
use crate::ws_client::{WsClient, ALL};
use clawgate_bench::mock::Reply;
use prometheus_parse::{Scrape, Value as PromValue};
use serde_json::json;
use std::time::Duration;

/// Scrapes `/metrics` and parses it.
pub async fn scrape(t: &TestGateway) -> Scrape {
    let mut resp = t.get("/metrics").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let body = resp.body().limit(16 * 1024 * 1024).await.unwrap();
    let text = String::from_utf8(body.to_vec()).unwrap();
    Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).expect("Prometheus text format")
}

/// The value of `metric` with these labels (a histogram's observation count), if present.
pub fn value(s: &Scrape, metric: &str, labels: &[(&str, &str)]) -> Option<f64> {
    s.samples
        .iter()
        .filter(|x| x.metric == metric || x.metric == format!("{metric}_bucket"))
        .find(|x| labels.iter().all(|(k, v)| x.labels.get(k) == Some(*v)))
        .map(|x| match &x.value {
            PromValue::Counter(v) | PromValue::Gauge(v) | PromValue::Untyped(v) => *v,
            PromValue::Histogram(b) => b.iter().map(|h| h.count).fold(0.0, f64::max),
            PromValue::Summary(_) => f64::NAN,
        })
}

fn or_zero(s: &Scrape, metric: &str, labels: &[(&str, &str)]) -> f64 {
    value(s, metric, labels).unwrap_or(0.0)
}

#[actix_web::test]
async fn turn_phases_tokens_and_commits_move_when_a_turn_runs() {
    let t = spawn().await;
    let before = scrape(&t).await;
    let phase = |s: &Scrape, p: &str| or_zero(s, "clawgate_turn_duration_seconds", &[("phase", p)]);
    let tokens = |s: &Scrape, d: &str| {
        or_zero(
            s,
            "clawgate_tokens_total",
            &[
                ("provider", "mock"),
                ("model", "mock-model"),
                ("direction", d),
            ],
        )
    };
    t.upstream.push(Reply::text("hello").with_usage(7, 3));
    let (status, v) = t
        .chat(json!({"model": "openclaw", "messages": [{"role": "user", "content": "hi"}]}))
        .await;
    assert_eq!(status, 200, "{v}");
    let after = scrape(&t).await;
    for p in ["pre_provider", "provider", "post_provider", "total"] {
        assert_eq!(phase(&after, p), phase(&before, p) + 1.0, "phase {p}");
    }
    assert_eq!(
        or_zero(&after, "clawgate_turns_total", &[("status", "ok")]),
        or_zero(&before, "clawgate_turns_total", &[("status", "ok")]) + 1.0
    );
    assert_eq!(tokens(&after, "input"), tokens(&before, "input") + 7.0);
    assert_eq!(tokens(&after, "output"), tokens(&before, "output") + 3.0);
    let commits = |s: &Scrape| {
        or_zero(
            s,
            "clawgate_store_commit_duration_seconds",
            &[("writer", "inline")],
        ) + or_zero(
            s,
            "clawgate_store_commit_duration_seconds",
            &[("writer", "group")],
        )
    };
    assert!(
        commits(&after) >= commits(&before) + 2.0,
        "the turn's input and its end are committed"
    );

    // A model call the upstream refuses counts against the provider, by status class.
    t.upstream.push(Reply::error(400, "bad request"));
    let (status, _) = t
        .chat(json!({"model": "openclaw", "messages": [{"role": "user", "content": "again"}]}))
        .await;
    assert_ne!(status, 200);
    let s = scrape(&t).await;
    assert_eq!(
        value(
            &s,
            "clawgate_upstream_errors_total",
            &[("provider", "mock"), ("class", "4xx")]
        ),
        Some(1.0)
    );
}

#[actix_web::test]
async fn ws_clients_and_sse_streams_are_counted_while_open() {
    let t = spawn().await;
    let s = scrape(&t).await;
    assert_eq!(value(&s, "clawgate_ws_clients", &[]), Some(0.0));
    assert_eq!(value(&s, "clawgate_sse_streams", &[]), Some(0.0));

    let (_c, _) = WsClient::operator(&t, ALL).await;
    let s = scrape(&t).await;
    assert_eq!(value(&s, "clawgate_ws_clients", &[]), Some(1.0));

    t.upstream
        .push(Reply::chunks(&["slow"]).with_first_byte_delay(Duration::from_secs(2)));
    let mut stream = t
        .post("/v1/agent/run/stream")
        .send_json(&json!({"message": "hi", "sessionKey": "agent:main:sse"}))
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let s = scrape(&t).await;
    assert_eq!(value(&s, "clawgate_sse_streams", &[]), Some(1.0));
    let frames = read_sse_data(&mut stream).await;
    assert!(!frames.is_empty());
}

#[actix_web::test]
async fn cron_runs_and_channel_state_are_exported() {
    let t = spawn_with(
        "openai-completions",
        "",
        r#"cron: { }, channels: { webhook: { secret: "s3cret-value", callbackUrl: "http://127.0.0.1:9/reply", dmPolicy: "open", allowFrom: ["*"] } },"#,
    )
    .await;
    t.upstream.set_default(Reply::text("report ready"));
    let s = scrape(&t).await;
    let webhook: Vec<_> = s
        .samples
        .iter()
        .filter(|x| x.metric == "clawgate_channel_state")
        .filter(|x| x.labels.get("channel") == Some("webhook"))
        .collect();
    assert_eq!(webhook.len(), 1, "one state per account");
    assert!(matches!(webhook[0].value, PromValue::Gauge(v) if v == 1.0));
    assert!(webhook[0].labels.get("state").is_some());
    assert_eq!(
        value(&s, "clawgate_cron_runs_total", &[("outcome", "ok")]),
        None
    );

    let (mut c, _) = WsClient::operator(&t, ALL).await;
    let job = c
        .call(
            "cron.add",
            json!({"name": "m", "schedule": {"everyMs": 3600000}, "message": "now please"}),
        )
        .await;
    assert_eq!(job["ok"], true, "{job}");
    let id = job["payload"]["id"].as_str().unwrap().to_string();
    let req = c.req("cron.run", json!({"id": id})).await;
    let finished =
        |v: &serde_json::Value| v["event"] == "cron" && v["payload"]["action"] == "finished";
    let (run, skipped) = c
        .until(|v| v["type"] == "res" && v["id"] == req.as_str())
        .await;
    assert_eq!(run["ok"], true, "{run}");
    if !skipped.iter().any(finished) {
        c.until(finished).await;
    }
    let s = scrape(&t).await;
    assert_eq!(
        value(&s, "clawgate_cron_runs_total", &[("outcome", "ok")]),
        Some(1.0)
    );
}

#[actix_web::test]
async fn a_loopback_scrape_without_the_token_only_when_switched_on() {
    let off = spawn().await;
    let resp = off.client().get(off.url("/metrics")).send().await.unwrap();
    assert_eq!(resp.status(), 401, "off by default");

    let on = spawn_with(
        "openai-completions",
        "metrics: { allowUnauthenticatedLoopback: true }",
        "",
    )
    .await;
    for path in ["/metrics", "/api/diagnostics/prometheus"] {
        let mut resp = on.client().get(on.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        let body = resp.body().await.unwrap();
        assert!(String::from_utf8_lossy(&body).contains("clawgate_live_sessions"));
    }
    // A request a local reverse proxy forwarded is not the local scraper.
    let resp = on
        .client()
        .get(on.url("/metrics"))
        .insert_header(("x-forwarded-for", "203.0.113.7"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    // Other routes still need the token.
    let resp = on
        .client()
        .get(on.url("/v1/sessions"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}
