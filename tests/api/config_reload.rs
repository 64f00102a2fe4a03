//! Config hot reload: the running gateway picks up edits of its config file (the watcher),
//! `config.set` / `config.patch` over the WebSocket, and keeps running on an invalid file.
//! A turn that is running when the file changes finishes on the configuration it started
//! with; the next turn uses the new one.

use crate::helpers::*;
use crate::ws_client::{WsClient, ALL};
use clawgate_bench::mock::Reply;
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::time::Duration;

fn config_path(t: &TestGateway) -> std::path::PathBuf {
    t.dir.path().join("clawgate.json5")
}

/// Replaces the config file the way editors do: a new file renamed over the old one.
fn edit(t: &TestGateway, f: impl FnOnce(String) -> String) -> String {
    let path = config_path(t);
    let text = f(std::fs::read_to_string(&path).unwrap());
    let tmp = t.dir.path().join(".clawgate.json5.edit");
    std::fs::write(&tmp, &text).unwrap();
    std::fs::rename(&tmp, &path).unwrap();
    text
}

fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    format!("{:x}", sha2::Sha256::digest(text.as_bytes()))
}

fn is_run_end(v: &Value) -> bool {
    v["event"] == "agent"
        && v["payload"]["stream"] == "lifecycle"
        && v["payload"]["data"]["phase"] == "end"
}

#[actix_web::test]
async fn a_running_turn_finishes_on_its_config_and_the_next_turn_uses_the_edited_file() {
    let t = spawn().await;
    let (mut ops, _) = WsClient::operator(&t, ALL).await;
    t.upstream
        .push(Reply::chunks(&["before", " after"]).with_chunk_delay(Duration::from_secs(2)));
    t.upstream.set_default(Reply::text("second turn"));

    let mut resp = t
        .post("/v1/chat/completions")
        .send_json(&json!({"model": "openclaw", "stream": true,
                           "messages": [{"role": "user", "content": "first"}]}))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // The turn is streaming: its first delta has arrived, the second is still to come.
    let mut seen = String::new();
    while !seen.contains("before") {
        let chunk = resp.next().await.expect("stream open").expect("chunk");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }

    let new_text = edit(&t, |s| {
        s.replace(
            r#"primary: "mock/mock-model""#,
            r#"primary: "mock/vision-model""#,
        )
    });
    let (changed, skipped) = ops.until(|v| v["event"] == "config.changed").await;
    assert_eq!(changed["payload"]["hash"], sha256_hex(&new_text));
    assert_eq!(
        changed["payload"]["changedPaths"],
        json!(["agents.defaults"])
    );
    assert!(
        !skipped.iter().any(is_run_end),
        "the turn ended before the reload applied: {skipped:?}"
    );

    // The running turn completes normally, on the model it started with.
    let rest = resp.body().limit(1 << 20).await.unwrap();
    seen.push_str(&String::from_utf8_lossy(&rest));
    assert!(seen.contains(" after"), "{seen}");
    assert!(seen.contains("data: [DONE]"), "{seen}");
    assert!(!seen.contains("error"), "{seen}");
    assert_eq!(t.upstream.requests()[0].body["model"], "mock-model");

    // The next turn sees the change.
    let (status, body) = t
        .chat(json!({"model": "openclaw", "messages": [{"role": "user", "content": "second"}]}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["choices"][0]["message"]["content"], "second turn");
    assert_eq!(t.upstream.requests()[1].body["model"], "vision-model");
}

#[actix_web::test]
async fn an_invalid_file_leaves_the_running_config_in_place() {
    let t = spawn().await;
    let (mut ops, _) = WsClient::operator(&t, ALL).await;
    t.upstream.set_default(Reply::text("still serving"));
    let before = ops.call("config.get", json!({})).await;
    let hash = before["payload"]["hash"].as_str().unwrap().to_string();
    let app = t.gw.as_ref().unwrap().state.app.clone();

    // A syntax error: refused with where it is.
    edit(&t, |s| s.replacen("gateway: {", "gateway: {{", 1));
    let err = app.reload_config().await.unwrap_err().to_string();
    assert!(err.contains("clawgate.json5"), "{err}");
    let got = ops.call("config.get", json!({})).await;
    assert_eq!(got["payload"]["hash"], hash.as_str(), "{got}");
    assert_eq!(got["payload"]["valid"], false, "{got}");
    let (status, body) = t
        .chat(json!({"messages": [{"role": "user", "content": "hi"}]}))
        .await;
    assert_eq!(status, 200, "{body}");

    // A misspelt key: refused naming the key and its line.
    edit(&t, |s| {
        s.replacen("gateway: {{", "gateway: {", 1)
            .replacen("auth: {", "auth: { tokn: \"x\",", 1)
    });
    let err = app.reload_config().await.unwrap_err().to_string();
    assert!(err.contains("gateway.auth.tokn"), "{err}");
    assert!(err.contains("clawgate.json5:2"), "{err}");
    let got = ops.call("config.get", json!({})).await;
    assert_eq!(got["payload"]["hash"], hash.as_str(), "{got}");
    assert!(got["payload"]["issues"][0]["message"]
        .as_str()
        .unwrap()
        .contains("gateway.auth.tokn"));
    // The old token still works, over HTTP and for a new WebSocket client.
    let (status, body) = t
        .chat(json!({"messages": [{"role": "user", "content": "hi"}]}))
        .await;
    assert_eq!(status, 200, "{body}");
    let (mut again, _) = WsClient::operator(&t, ALL).await;
    assert_eq!(again.call("health", json!({})).await["ok"], true);
}

#[actix_web::test]
async fn a_rotated_token_closes_its_websocket_clients_with_4001_and_the_new_one_works() {
    let t = spawn().await;
    let (mut shared, _) = WsClient::operator(&t, ALL).await;
    let (mut device, _) = WsClient::device_operator(&t, ALL, 7).await;

    edit(&t, |s| s.replace(TOKEN, "rotated-token-456"));
    assert_eq!(
        shared.closed().await,
        (Some(4001), "gateway auth changed".to_string())
    );
    // A device-token session is not a shared-secret session: it stays.
    assert_eq!(device.call("health", json!({})).await["ok"], true);

    let old = t.get("/status").send().await.unwrap();
    assert_eq!(old.status(), 401);
    let new = t
        .client()
        .get(t.url("/status"))
        .insert_header(("authorization", "Bearer rotated-token-456"))
        .send()
        .await
        .unwrap();
    assert_eq!(new.status(), 200);
}

#[actix_web::test]
async fn config_patch_over_the_websocket_applies_live_and_announces_config_changed() {
    let t = spawn().await;
    let (mut admin, _) = WsClient::operator(&t, ALL).await;
    let (mut reader, _) = WsClient::operator(&t, &["operator.read"]).await;
    let got = admin.call("config.get", json!({})).await;
    let base = got["payload"]["hash"].as_str().unwrap().to_string();

    let res = admin
        .call(
            "config.patch",
            json!({"patch": {"session": {"mainKey": "desk"}}, "baseHash": base}),
        )
        .await;
    assert_eq!(res["ok"], true, "{res}");
    let hash = res["payload"]["hash"].as_str().unwrap().to_string();
    assert_ne!(hash, base);
    assert_eq!(res["payload"]["changedPaths"], json!(["session"]));

    let (ev, _) = reader.until(|v| v["event"] == "config.changed").await;
    assert_eq!(
        ev["payload"],
        json!({"hash": hash, "changedPaths": ["session"]})
    );

    // The file holds the change, and new clients see it.
    let on_disk: Value =
        json5::from_str(&std::fs::read_to_string(config_path(&t)).unwrap()).unwrap();
    assert_eq!(on_disk["session"]["mainKey"], "desk");
    assert_eq!(
        sha256_hex(&std::fs::read_to_string(config_path(&t)).unwrap()),
        hash
    );
    let (_, hello) = WsClient::operator(&t, ALL).await;
    assert_eq!(hello["snapshot"]["sessionDefaults"]["mainKey"], "desk");

    // A write based on the old hash is refused; a read-only client may not write.
    let stale = admin
        .call(
            "config.patch",
            json!({"patch": {"session": {"mainKey": "x"}}, "baseHash": base}),
        )
        .await;
    assert_eq!(stale["ok"], false);
    assert_eq!(stale["error"]["code"], "INVALID_REQUEST");
    assert_eq!(stale["error"]["details"]["code"], "CONFIG_CONFLICT");
    let denied = reader
        .call(
            "config.patch",
            json!({"patch": {"session": {"mainKey": "x"}}}),
        )
        .await;
    assert_eq!(denied["ok"], false, "{denied}");

    // An invalid value is refused and nothing changes.
    let bad = admin
        .call(
            "config.set",
            json!({"raw": "{ gateway: { port: 'eighty' } }"}),
        )
        .await;
    assert_eq!(bad["ok"], false);
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap()
            .contains("gateway.port"),
        "{bad}"
    );
    let after = admin.call("config.get", json!({})).await;
    assert_eq!(after["payload"]["hash"], hash.as_str());
}
