//! The gateway on the PostgreSQL backend (`storage.backend: "postgres"`): a real gateway, a
//! throwaway PostgreSQL cluster (`support/postgres.rs`), and a restart onto an empty state
//! dir, so the history it still sees can only have come from the database.

use crate::helpers::*;
use crate::pg::PgCluster;
use crate::ws_client::{WsClient, ALL};
use clawgate_bench::mock::Reply;
use serde_json::json;

fn user_texts(body: &serde_json::Value) -> Vec<String> {
    body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "user" || m["role"] == "assistant")
        .map(|m| m["content"].as_str().unwrap_or("").to_string())
        .collect()
}

#[actix_web::test]
async fn history_on_postgres_survives_a_restart_with_a_fresh_state_dir() {
    let cluster = PgCluster::shared();
    // Trust authentication ignores the password; it is there to be kept secret.
    let url = cluster
        .create_db()
        .replace("postgres@", "postgres:pg-secret-789@");
    let top = format!(r#"storage: {{ backend: "postgres", url: "{url}" }},"#);
    let t = spawn_with("openai-completions", "", &top).await;
    assert!(
        !t.store().describe().contains("127.0.0.1"),
        "describe never shows the URL"
    );
    assert!(t.store().describe().starts_with("postgres:t_"));
    t.upstream.push(Reply::text("Noted: 42."));
    let (status, _) = t
        .chat(json!({"user":"dana","messages":[{"role":"user","content":"remember 42"}]}))
        .await;
    assert!(status.is_success());
    let (upstream, old_dir) = t.stop().await;
    drop(old_dir);

    let t = spawn_in(
        upstream,
        tempfile::tempdir().unwrap(),
        "openai-completions",
        "",
        &top,
    )
    .await;
    let (status, _) = t
        .chat(json!({"user":"dana","messages":[{"role":"user","content":"what number?"}]}))
        .await;
    assert!(status.is_success());
    let reqs = t.upstream.requests();
    assert_eq!(
        user_texts(&reqs.last().unwrap().body),
        ["remember 42", "Noted: 42.", "what number?"]
    );
    let keys: Vec<String> = t
        .store()
        .list_sessions(None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.key)
        .collect();
    assert_eq!(keys, ["agent:main:openai-user:dana"]);
    // The password is in no reply: config.get redacts the URL, the store is named by database.
    let (mut c, _) = WsClient::operator(&t, ALL).await;
    let res = c.call("config.get", json!({})).await;
    assert!(!res.to_string().contains("pg-secret-789"), "{res}");
    assert_eq!(
        res["payload"]["config"]["storage"]["url"],
        "__OPENCLAW_REDACTED__"
    );
    let mut ready = t.client().get(t.url("/readyz")).send().await.unwrap();
    let body = ready.body().await.unwrap();
    assert!(ready.status().is_success(), "{body:?}");
}
