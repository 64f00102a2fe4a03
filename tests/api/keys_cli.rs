//! `clawgate keys …` and `clawgate usage` against a running gateway (the `keys.*` WebSocket
//! methods underneath): a created key works once printed, is listed without its secret,
//! shows up in usage, and stops when revoked.

use crate::helpers::*;
use crate::keys::call;
use serde_json::{json, Value};
use std::process::Output;

/// Runs `clawgate <args>` against `t` on a thread (the test's runtime keeps serving).
async fn cli(t: &TestGateway, args: &[&str]) -> Output {
    let url = t.base.clone();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_clawgate"))
            .args(&args)
            .args(["--url", &url, "--token", TOKEN, "--json"])
            .env_remove("OPENCLAW_GATEWAY_TOKEN")
            .output()
            .unwrap();
        let _ = tx.send(out);
    });
    rx.await.unwrap()
}

fn json_of(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[actix_web::test]
async fn the_cli_creates_lists_meters_and_revokes_keys() {
    let t = spawn().await;
    let created = json_of(
        &cli(
            &t,
            &[
                "keys", "create", "--name", "cli app", "--app", "cli", "--scopes", "chat",
                "--agents", "main", "--rpm", "50",
            ],
        )
        .await,
    );
    let id = created["apiKey"]["id"].as_str().unwrap().to_string();
    let key = created["key"].as_str().unwrap().to_string();
    assert_eq!(created["apiKey"]["quotas"]["requestsPerMinute"], 50);

    let (s, _, v) = call(
        &t,
        "POST",
        "/v1/chat/completions",
        &key,
        Some(json!({"model": "openclaw", "messages": [{"role": "user", "content": "hi"}]})),
        &[],
    )
    .await;
    assert_eq!(s, 200, "{v}");

    let listed = json_of(&cli(&t, &["keys", "list"]).await);
    assert_eq!(listed["keys"][0]["id"], id.as_str());
    assert!(!listed.to_string().contains(&key[4..]));

    let usage = json_of(&cli(&t, &["usage", "--key", &id]).await);
    assert_eq!(usage["usage"][0]["turns"], 1, "{usage}");
    assert_eq!(usage["usage"][0]["tokensIn"], 9, "{usage}");

    json_of(&cli(&t, &["keys", "revoke", &id]).await);
    let (s, _, _) = call(&t, "GET", "/v1/models", &key, None, &[]).await;
    assert_eq!(s, 401);
}
