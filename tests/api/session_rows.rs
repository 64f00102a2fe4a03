//! What OpenClaw clients see of sessions and health (issue #12 golden parity): session rows
//! with the effective model and status, `sessions.list` paging, and the cached `health`
//! snapshot that is broadcast as the `health` event only when it is fresh.

use crate::helpers::*;
use crate::ws_client::WsClient;
use serde_json::json;

#[actix_web::test]
async fn sessions_list_pages_with_has_more_and_next_offset_and_rows_name_their_model() {
    let t = spawn().await;
    for user in ["ada", "bob", "cy"] {
        let (s, _) = t
            .chat(json!({"user": user, "messages": [{"role": "user", "content": "hi"}]}))
            .await;
        assert_eq!(s, 200);
    }
    let (mut c, _) = WsClient::operator(&t, &["operator.read"]).await;
    let first = c.call("sessions.list", json!({"limit": 2})).await["payload"].clone();
    assert_eq!(
        (
            &first["count"],
            &first["totalCount"],
            &first["hasMore"],
            &first["nextOffset"]
        ),
        (&json!(2), &json!(3), &json!(true), &json!(2))
    );
    let row = &first["sessions"][0];
    assert_eq!(
        (&row["modelProvider"], &row["model"]),
        (&json!("mock"), &json!("mock-model"))
    );
    assert_eq!(
        (&row["status"], &row["hasActiveRun"]),
        (&json!("done"), &json!(false))
    );
    assert_eq!(
        row["thinkingLevels"],
        json!([{"id": "off", "label": "off"}])
    );

    let rest = c
        .call("sessions.list", json!({"limit": 2, "offset": 2}))
        .await["payload"]
        .clone();
    assert_eq!(
        (&rest["count"], &rest["hasMore"]),
        (&json!(1), &json!(false))
    );
    assert!(rest.get("nextOffset").is_none(), "{rest}");
    let keys = |p: &serde_json::Value| -> Vec<String> {
        p["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["key"].to_string())
            .collect()
    };
    let mut all = keys(&first);
    all.extend(keys(&rest));
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 3, "the two pages cover every session once");
}

#[actix_web::test]
async fn a_fresh_health_snapshot_is_broadcast_and_a_cached_one_is_only_answered() {
    let t = spawn().await;
    let (mut c, _) = WsClient::operator(&t, &["operator.read"]).await;
    let id = c.req("health", json!({})).await;
    let (first, before) = c
        .until(|v| v["type"] == "res" && v["id"] == id.as_str())
        .await;
    let event = before
        .iter()
        .find(|v| v["event"] == "health")
        .expect("health event before the answer");
    assert_eq!(event["payload"]["ts"], first["payload"]["ts"]);
    assert_eq!(first["payload"]["agents"][0]["sessions"]["count"], 0);

    let id = c.req("health", json!({})).await;
    let (second, before) = c
        .until(|v| v["type"] == "res" && v["id"] == id.as_str())
        .await;
    assert_eq!(
        second["payload"]["ts"], first["payload"]["ts"],
        "cached snapshot"
    );
    assert!(before.iter().all(|v| v["event"] != "health"), "{before:?}");

    let id = c.req("health", json!({"probe": true})).await;
    let (_, before) = c
        .until(|v| v["type"] == "res" && v["id"] == id.as_str())
        .await;
    assert!(
        before.iter().any(|v| v["event"] == "health"),
        "probe refreshes"
    );
}
