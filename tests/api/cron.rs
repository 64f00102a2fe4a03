//! Cron: the RPC surface, each schedule kind firing under an injected clock, main vs isolated
//! targets, delete-after-run, error backoff, manual runs, webhook delivery, the `cron` event,
//! and jobs surviving a restart with missed runs replayed.

use crate::helpers::{last_user_text, spawn_in, spawn_with, TestGateway};
use crate::ws_client::{WsClient, ALL};
use clawgate::actors::scheduler::{ListJobs, SetClock, Tick};
use clawgate::core::clock::ManualClock;
use clawgate::storage::RunLogQuery;
use clawgate_bench::mock::{MockUpstream, Reply};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// 2026-03-01T00:00:00Z.
const T0: u64 = 1_772_323_200_000;

async fn gateway(cron: &str) -> TestGateway {
    let t = spawn_with("openai-completions", "", &format!("cron: {{ {cron} }},")).await;
    t.upstream.set_default(Reply::text("report ready"));
    t
}

async fn manual_clock(t: &TestGateway, at: u64) -> ManualClock {
    let clock = ManualClock::new(at);
    let s = &t.gw.as_ref().unwrap().state.scheduler;
    s.send(SetClock {
        clock: Arc::new(clock.clone()),
    })
    .await
    .unwrap();
    clock
}

async fn tick(t: &TestGateway) {
    t.gw.as_ref()
        .unwrap()
        .state
        .scheduler
        .send(Tick)
        .await
        .unwrap();
}

async fn ok(c: &mut WsClient, method: &str, params: Value) -> Value {
    ok_with_events(c, method, params, &mut Vec::new()).await
}

/// Calls `method`, keeping every `cron` event that arrives before the answer in `events`.
async fn ok_with_events(
    c: &mut WsClient,
    method: &str,
    params: Value,
    events: &mut Vec<Value>,
) -> Value {
    let id = c.req(method, params).await;
    let (res, skipped) = c
        .until(|v| v["type"] == "res" && v["id"] == id.as_str())
        .await;
    events.extend(
        skipped
            .into_iter()
            .filter(|v| v["event"] == "cron")
            .map(|v| v["payload"].clone()),
    );
    assert_eq!(res["ok"], true, "{method}: {res}");
    res["payload"].clone()
}

/// The next `cron` event with `action`, looking at those already received first.
async fn cron_event(c: &mut WsClient, events: &mut Vec<Value>, action: &str) -> Value {
    if let Some(i) = events.iter().position(|e| e["action"] == action) {
        return events.remove(i);
    }
    let wait = c.until(|v| v["event"] == "cron" && v["payload"]["action"] == action);
    let (ev, skipped) = tokio::time::timeout(Duration::from_secs(8), wait)
        .await
        .unwrap_or_else(|_| panic!("no `{action}` cron event; had {events:?}"));
    events.extend(
        skipped
            .into_iter()
            .filter(|v| v["event"] == "cron")
            .map(|v| v["payload"].clone()),
    );
    ev["payload"].clone()
}

/// Run-log entries of a job (newest first), once there are at least `n`.
async fn runs_of(t: &TestGateway, job_id: &str, n: usize) -> Vec<Value> {
    for _ in 0..200 {
        let (rows, _) = t
            .store()
            .cron_runs(&RunLogQuery {
                job_id: Some(job_id.into()),
                limit: 50,
                ..Default::default()
            })
            .await
            .unwrap();
        if rows.len() >= n {
            return rows
                .iter()
                .map(|r| serde_json::from_str(r).unwrap())
                .collect();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("job {job_id} did not log {n} runs within 10 s");
}

#[actix_web::test]
async fn jobs_are_added_listed_updated_and_removed_over_the_rpc() {
    let t = gateway("").await;
    let (mut c, hello) = WsClient::operator(&t, ALL).await;
    let methods = hello["features"]["methods"].as_array().unwrap();
    assert!(methods.contains(&json!("cron.add")) && methods.contains(&json!("cron.runs")));
    assert!(hello["features"]["events"]
        .as_array()
        .unwrap()
        .contains(&json!("cron")));

    let mut events = Vec::new();
    let job = ok_with_events(
        &mut c,
        "cron.add",
        json!({"name": "Morning brief", "schedule": {"kind": "cron", "expr": "0 7 * * *", "tz": "Europe/Paris"},
               "sessionTarget": "isolated", "payload": {"kind": "agentTurn", "message": "Summarise"}}),
        &mut events,
    )
    .await;
    let id = job["id"].as_str().unwrap().to_string();
    assert_eq!(job["enabled"], true);
    assert_eq!(job["wakeMode"], "now");
    assert_eq!(
        job["delivery"],
        json!({"mode": "announce", "channel": "last"})
    );
    assert!(job["state"]["nextRunAtMs"].as_i64().is_some());
    let ev = cron_event(&mut c, &mut events, "added").await;
    assert_eq!(ev["jobId"], id.as_str());

    let list = ok(&mut c, "cron.list", json!({})).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["hasMore"], false);
    assert_eq!(list["jobs"][0]["id"], id.as_str());

    let patched = ok(
        &mut c,
        "cron.update",
        json!({"jobId": id, "patch": {"payload": {"model": "mock/mock-model"}, "enabled": false}}),
    )
    .await;
    assert_eq!(patched["payload"]["message"], "Summarise");
    assert_eq!(patched["payload"]["model"], "mock/mock-model");
    assert_eq!(patched["enabled"], false);
    assert_eq!(ok(&mut c, "cron.list", json!({})).await["total"], 0);
    assert_eq!(
        ok(&mut c, "cron.list", json!({"includeDisabled": true})).await["total"],
        1
    );

    let bad = c
        .call(
            "cron.add",
            json!({"schedule": {"everyMs": 1000}, "sessionTarget": "session:../x", "message": "m"}),
        )
        .await;
    assert_eq!(bad["ok"], false);
    assert_eq!(
        bad["error"]["message"],
        "invalid sessionTarget `session:../x`"
    );
    let bad = c
        .call(
            "cron.add",
            json!({"schedule": {"everyMs": 1000}, "sessionTarget": "main", "message": "m"}),
        )
        .await;
    assert_eq!(
        bad["error"]["message"],
        "main cron jobs require payload.kind=\"systemEvent\""
    );

    let status = ok(&mut c, "cron.status", json!({})).await;
    assert_eq!(status["enabled"], true);
    assert_eq!(status["jobs"], 1);
    assert!(status["storePath"]
        .as_str()
        .unwrap()
        .ends_with("clawgate.sqlite#cron_jobs"));

    let removed = ok_with_events(&mut c, "cron.remove", json!({"id": id}), &mut events).await;
    assert_eq!(removed, json!({"ok": true, "removed": true}));
    let again = ok_with_events(&mut c, "cron.remove", json!({"id": id}), &mut events).await;
    assert_eq!(again, json!({"ok": true, "removed": false}));
    let ev = cron_event(&mut c, &mut events, "removed").await;
    assert_eq!(ev["jobId"], id.as_str());
}

#[actix_web::test]
async fn read_only_operators_cannot_change_jobs() {
    let t = gateway("").await;
    let (mut c, _) = WsClient::operator(&t, &["operator.read"]).await;
    assert_eq!(c.call("cron.list", json!({})).await["ok"], true);
    let res = c
        .call(
            "cron.add",
            json!({"schedule": {"everyMs": 1000}, "text": "x"}),
        )
        .await;
    assert_eq!(res["ok"], false);
    assert!(res["error"]["message"]
        .as_str()
        .unwrap()
        .contains("missing scope"));
}

#[actix_web::test]
async fn every_cron_and_at_jobs_fire_when_their_time_comes() {
    let t = gateway("maxConcurrentRuns: 2").await;
    let clock = manual_clock(&t, T0).await;
    let (mut c, _) = WsClient::operator(&t, ALL).await;
    let every = ok(&mut c, "cron.add", json!({"name": "every", "schedule": {"kind": "every", "everyMs": 60000}, "message": "tick job"})).await;
    let cron = ok(&mut c, "cron.add", json!({"name": "cron", "schedule": {"kind": "cron", "expr": "*/5 * * * *", "tz": "UTC"}, "message": "cron job"})).await;
    let at = ok(&mut c, "cron.add", json!({"name": "once", "schedule": {"kind": "at", "at": "2026-03-01T00:00:30Z"},
                                             "sessionTarget": "main", "wakeMode": "next-heartbeat", "payload": {"kind": "systemEvent", "text": "Stand-up in 5"}})).await;
    assert_eq!(every["state"]["nextRunAtMs"], T0 + 60_000);
    assert_eq!(cron["state"]["nextRunAtMs"], T0 + 300_000);
    assert_eq!(at["deleteAfterRun"], true);

    // Nothing is due yet.
    tick(&t).await;
    assert_eq!(t.upstream.request_count(), 0);

    clock.set(T0 + 60_000);
    tick(&t).await;
    let id = |j: &Value| j["id"].as_str().unwrap().to_string();
    let e = runs_of(&t, &id(&every), 1).await;
    assert_eq!(e[0]["status"], "ok");
    assert_eq!(e[0]["summary"], "report ready");
    assert_eq!(
        e[0]["sessionKey"],
        format!("agent:main:cron:{}", id(&every))
    );
    assert_eq!(
        e[0]["deliveryStatus"], "not-delivered",
        "announce with no channel connector"
    );
    assert!(e[0]["deliveryError"]
        .as_str()
        .unwrap()
        .contains("no channel"));
    assert_eq!(e[0]["nextRunAtMs"], T0 + 120_000);
    let a = runs_of(&t, &id(&at), 1).await;
    assert_eq!(
        (a[0]["status"].as_str(), a[0]["deliveryStatus"].as_str()),
        (Some("ok"), Some("not-requested"))
    );
    assert_eq!(
        t.gw.as_ref().unwrap().state.system_events.peek(),
        vec!["Stand-up in 5".to_string()]
    );
    // The one-shot job was deleted after its successful run.
    let jobs =
        t.gw.as_ref()
            .unwrap()
            .state
            .scheduler
            .send(ListJobs)
            .await
            .unwrap();
    assert!(jobs.iter().all(|j| j.id != id(&at)));
    assert_eq!(jobs.len(), 2);

    clock.set(T0 + 300_000);
    tick(&t).await;
    let cr = runs_of(&t, &id(&cron), 1).await;
    assert_eq!(cr[0]["status"], "ok");
    let sent: Vec<String> = t
        .upstream
        .requests()
        .iter()
        .map(|r| last_user_text(&r.body))
        .collect();
    assert!(
        sent.contains(&"cron job".to_string()) && sent.contains(&"tick job".to_string()),
        "{sent:?}"
    );

    let all = ok(&mut c, "cron.runs", json!({"scope": "all"})).await;
    assert!(all["total"].as_u64().unwrap() >= 3);
    assert!(all["entries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["jobName"] == "cron"));
    let one = ok(&mut c, "cron.runs", json!({"id": id(&every), "limit": 1})).await;
    assert_eq!(one["entries"][0]["jobId"], id(&every));
    assert_eq!(one["entries"][0]["action"], "finished");
}

async fn job_state(c: &mut WsClient, id: &str) -> Value {
    let l = ok(c, "cron.list", json!({"includeDisabled": true})).await;
    l["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"] == id)
        .unwrap()["state"]
        .clone()
}

#[actix_web::test]
async fn failures_back_off_and_a_success_resets_the_count() {
    let t = gateway("").await;
    let clock = manual_clock(&t, T0).await;
    let (mut c, _) = WsClient::operator(&t, ALL).await;
    let job = ok(
        &mut c,
        "cron.add",
        json!({"name": "flaky", "schedule": {"everyMs": 10000}, "message": "go",
                                              "delivery": {"mode": "none"}}),
    )
    .await;
    let id = job["id"].as_str().unwrap().to_string();

    t.upstream
        .push(Reply::error(400, "bad request from upstream"));
    clock.set(T0 + 10_000);
    tick(&t).await;
    let r = runs_of(&t, &id, 1).await;
    assert_eq!(r[0]["status"], "error");
    let s = job_state(&mut c, &id).await;
    assert_eq!(s["consecutiveErrors"], 1);
    assert_eq!(
        s["nextRunAtMs"],
        T0 + 10_000 + 30_000,
        "30 s backoff beats the 10 s slot"
    );

    t.upstream
        .push(Reply::error(400, "bad request from upstream"));
    clock.set(T0 + 40_000);
    tick(&t).await;
    runs_of(&t, &id, 2).await;
    let s = job_state(&mut c, &id).await;
    assert_eq!(s["consecutiveErrors"], 2);
    assert_eq!(s["nextRunAtMs"], T0 + 40_000 + 60_000);

    clock.set(T0 + 100_000);
    tick(&t).await;
    let r = runs_of(&t, &id, 3).await;
    assert_eq!(r[0]["status"], "ok");
    let s = job_state(&mut c, &id).await;
    assert_eq!(s["consecutiveErrors"], 0);
    assert_eq!(s["nextRunAtMs"], T0 + 110_000);
}

#[actix_web::test]
async fn a_failed_one_shot_with_a_permanent_error_is_disabled_not_deleted() {
    let t = gateway("").await;
    let clock = manual_clock(&t, T0).await;
    let (mut c, _) = WsClient::operator(&t, ALL).await;
    t.upstream
        .push(Reply::error(400, "bad request from upstream"));
    let job = ok(&mut c, "cron.add", json!({"schedule": {"at": "2026-03-01T00:01:00Z"}, "message": "once", "delivery": {"mode": "none"}})).await;
    let id = job["id"].as_str().unwrap().to_string();
    clock.set(T0 + 60_000);
    tick(&t).await;
    assert_eq!(runs_of(&t, &id, 1).await[0]["status"], "error");
    let l = ok(&mut c, "cron.list", json!({"includeDisabled": true})).await;
    let j = &l["jobs"][0];
    assert_eq!(
        (j["id"].as_str(), j["enabled"].as_bool()),
        (Some(id.as_str()), Some(false))
    );
    assert_eq!(j["state"]["lastStatus"], "error");
}

#[actix_web::test]
async fn manual_runs_answer_at_once_and_refuse_overlaps() {
    let t = gateway("").await;
    manual_clock(&t, T0).await;
    let (mut c, _) = WsClient::operator(&t, ALL).await;
    t.upstream
        .push(Reply::text("slow").with_first_byte_delay(Duration::from_millis(800)));
    let job = ok(
        &mut c,
        "cron.add",
        json!({"name": "manual", "schedule": {"everyMs": 3600000}, "message": "now please"}),
    )
    .await;
    let id = job["id"].as_str().unwrap().to_string();
    let mut events = Vec::new();
    let first = ok_with_events(&mut c, "cron.run", json!({"id": id}), &mut events).await;
    assert_eq!(first["ok"], true);
    assert_eq!(first["enqueued"], true);
    let run_id = first["runId"].as_str().unwrap().to_string();
    let again = ok_with_events(&mut c, "cron.run", json!({"jobId": id}), &mut events).await;
    assert_eq!(
        again,
        json!({"ok": true, "ran": false, "reason": "already-running"})
    );
    let started = cron_event(&mut c, &mut events, "started").await;
    assert_eq!(started["runId"], run_id.as_str());
    let fin = cron_event(&mut c, &mut events, "finished").await;
    assert_eq!(fin["runId"], run_id.as_str());
    assert_eq!(fin["status"], "ok");
    assert_eq!(fin["summary"], "slow");
    assert_eq!(
        ok(&mut c, "cron.run", json!({"id": id, "mode": "due"})).await,
        json!({"ok": true, "ran": false, "reason": "not-due"})
    );
}

#[actix_web::test]
async fn webhook_delivery_posts_the_finished_event_with_the_bearer_token() {
    let receiver = MockUpstream::start().await.unwrap();
    let t = gateway(r#"webhookToken: "wh-secret", webhookAllowPrivateNetwork: true"#).await;
    manual_clock(&t, T0).await;
    let (mut c, _) = WsClient::operator(&t, ALL).await;
    let url = format!("{}/chat/completions", receiver.base_url());
    let job = ok(
        &mut c,
        "cron.add",
        json!({"name": "hooked", "schedule": {"everyMs": 3600000}, "message": "report",
                                              "delivery": {"mode": "webhook", "to": url}}),
    )
    .await;
    let id = job["id"].as_str().unwrap().to_string();
    ok(&mut c, "cron.run", json!({"id": id})).await;
    let r = runs_of(&t, &id, 1).await;
    assert_eq!(r[0]["deliveryStatus"], "delivered", "{}", r[0]);
    let got = receiver.requests();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].path, "/v1/chat/completions");
    assert_eq!(got[0].header("authorization"), Some("Bearer wh-secret"));
    assert_eq!(got[0].header("content-type"), Some("application/json"));
    assert_eq!(got[0].body["action"], "finished");
    assert_eq!(got[0].body["jobId"], id.as_str());
    assert_eq!(got[0].body["summary"], "report ready");
    // Non-http(s) targets are refused when the job is added.
    let bad = c.call("cron.add", json!({"schedule": {"everyMs": 1000}, "message": "m", "delivery": {"mode": "webhook", "to": "file:///etc/passwd"}})).await;
    assert_eq!(bad["ok"], false);
}

#[actix_web::test]
async fn a_disabled_scheduler_keeps_jobs_but_runs_nothing() {
    let t = gateway("enabled: false").await;
    let clock = manual_clock(&t, T0).await;
    let (mut c, _) = WsClient::operator(&t, ALL).await;
    assert_eq!(ok(&mut c, "cron.status", json!({})).await["enabled"], false);
    ok(
        &mut c,
        "cron.add",
        json!({"schedule": {"everyMs": 1000}, "message": "m"}),
    )
    .await;
    clock.set(T0 + 5_000);
    tick(&t).await;
    let jobs =
        t.gw.as_ref()
            .unwrap()
            .state
            .scheduler
            .send(ListJobs)
            .await
            .unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].state.running_at_ms, None, "no run was started");
}

#[actix_web::test]
async fn jobs_survive_a_restart_and_missed_runs_are_replayed() {
    let t = gateway("").await;
    // The first process lived ten minutes ago; its job was due nine minutes ago.
    let past = (chrono::Utc::now().timestamp_millis() - 600_000) as u64;
    manual_clock(&t, past).await;
    let (mut c, _) = WsClient::operator(&t, ALL).await;
    let job = ok(
        &mut c,
        "cron.add",
        json!({"name": "nightly", "schedule": {"everyMs": 60000}, "message": "catch up"}),
    )
    .await;
    let id = job["id"].as_str().unwrap().to_string();
    drop(c);
    let (upstream, dir) = t.stop().await;
    assert_eq!(upstream.request_count(), 0);

    let t2 = spawn_in(upstream, dir, "openai-completions", "", "").await;
    let r = runs_of(&t2, &id, 1).await;
    assert_eq!(r[0]["status"], "ok");
    let jobs = t2
        .gw
        .as_ref()
        .unwrap()
        .state
        .scheduler
        .send(ListJobs)
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].name, "nightly");
    assert!(jobs[0].state.next_run_at_ms.unwrap() > chrono::Utc::now().timestamp_millis() - 1_000);
}
