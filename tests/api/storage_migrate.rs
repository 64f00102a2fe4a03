//! `clawgate storage migrate --from sqlite --to postgres`: a real gateway on SQLite takes two
//! turns in two sessions and a cron job, stops; the real CLI copies its store into a throwaway
//! PostgreSQL database; a gateway on that database (with a fresh, empty state dir) shows the
//! same sessions, histories and job, and a second copy without `--force` is refused.

use crate::helpers::*;
use crate::pg::PgCluster;
use crate::ws_client::{WsClient, ALL};
use clawgate_bench::mock::Reply;
use serde_json::{json, Value};

/// What a client sees of the stored state: session keys, each history, the cron jobs.
async fn observe(t: &TestGateway) -> (Vec<String>, Vec<Value>, Value) {
    let (mut c, _) = WsClient::operator(t, ALL).await;
    let listed = c.call("sessions.list", json!({"limit": 10})).await;
    let mut keys: Vec<String> = listed["payload"]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap().to_string())
        .collect();
    keys.sort();
    let mut histories = Vec::new();
    for k in &keys {
        let h = c
            .call("chat.history", json!({"sessionKey": k, "limit": 50}))
            .await;
        histories.push(h["payload"]["messages"].clone());
    }
    let jobs = c.call("cron.list", json!({"includeDisabled": true})).await;
    (keys, histories, jobs["payload"]["jobs"].clone())
}

fn migrate(state: &std::path::Path, url: &str, force: bool) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_clawgate"));
    cmd.args(["storage", "migrate", "--from", "sqlite", "--to", "postgres"])
        .arg("--state-dir")
        .arg(state)
        .args(["--url", url]);
    if force {
        cmd.arg("--force");
    }
    cmd.output().unwrap()
}

#[actix_web::test]
async fn sqlite_store_is_copied_into_postgres_and_a_gateway_there_sees_it() {
    let cluster = PgCluster::shared();
    let url = cluster
        .create_db()
        .replace("postgres@", "postgres:pg-secret-456@");
    let t = spawn().await;
    for (user, said, reply) in [
        ("dana", "remember 42", "Noted: 42."),
        ("erin", "remember blue", "Noted: blue."),
        ("dana", "and 43", "Noted: 43."),
    ] {
        t.upstream.push(Reply::text(reply));
        let (status, _) = t
            .chat(json!({"user": user, "messages": [{"role": "user", "content": said}]}))
            .await;
        assert!(status.is_success());
    }
    let (mut c, _) = WsClient::operator(&t, ALL).await;
    let job = c
        .call(
            "cron.add",
            json!({"name": "Morning brief", "schedule": {"kind": "cron", "expr": "0 7 * * *", "tz": "Europe/Paris"},
                   "sessionTarget": "isolated", "payload": {"kind": "agentTurn", "message": "Summarise"}}),
        )
        .await;
    assert_eq!(job["ok"], true, "{job}");
    drop(c);
    let before = observe(&t).await;
    assert_eq!(before.0.len(), 2, "{:?}", before.0);
    assert_eq!(
        before
            .1
            .iter()
            .map(|h| h.as_array().unwrap().len())
            .sum::<usize>(),
        6
    );
    assert_eq!(before.2.as_array().unwrap().len(), 1);
    let (upstream, old_dir) = t.stop().await;

    let out = migrate(old_dir.path(), &url, false);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.lines().any(|l| l == "sessions 2"), "{stdout}");
    assert!(stdout.lines().any(|l| l == "messages 6"), "{stdout}");
    assert!(stdout.lines().any(|l| l == "cron_jobs 1"), "{stdout}");
    assert!(!format!("{stdout}{stderr}").contains("pg-secret-456"));

    // A second copy into the now non-empty database is refused.
    let again = migrate(old_dir.path(), &url, false);
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(!again.status.success());
    assert!(
        err.contains("not empty") && err.contains("--force"),
        "{err}"
    );
    assert!(!err.contains("pg-secret-456"));

    let top = format!(r#"storage: {{ backend: "postgres", url: "{url}" }},"#);
    let t = spawn_in(
        upstream,
        tempfile::tempdir().unwrap(),
        "openai-completions",
        "",
        &top,
    )
    .await;
    assert_eq!(observe(&t).await, before);
    // The copied transcript is the one the next turn continues (and new ids do not collide).
    t.upstream.push(Reply::text("44 next."));
    let (status, _) = t
        .chat(json!({"user": "dana", "messages": [{"role": "user", "content": "next?"}]}))
        .await;
    assert!(status.is_success());
    let reqs = t.upstream.requests();
    let body = &reqs.last().unwrap().body;
    let texts: Vec<&str> = body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "user" || m["role"] == "assistant")
        .map(|m| m["content"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        texts,
        ["remember 42", "Noted: 42.", "and 43", "Noted: 43.", "next?"]
    );
}
