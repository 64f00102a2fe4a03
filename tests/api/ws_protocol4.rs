//! WebSocket protocol 4 as OpenClaw 2026.9.x speaks it: `hello-ok` auth/features/policy, the
//! 15 s tick and the 4000 close for a client that misses ticks, protocol 4 for operators,
//! `traceparent` and `cancel` frames, the missing-scope error, scope-gated per-client broadcast
//! sequencing, `poll` / `node.invoke`, device-less probes and the presence order.

use crate::helpers::*;
use crate::ws_client::{Got, WsClient, ALL};
use clawgate_bench::mock::Reply;
use serde_json::{json, Value};

/// Opens a socket and returns it with the `connect.challenge` frame.
async fn challenged(t: &TestGateway) -> (WsClient, Value) {
    let mut c = WsClient::open(t, "/", &[]).await;
    let ch = c.recv_json().await;
    assert_eq!(ch["event"], "connect.challenge");
    (c, ch)
}

fn seqs(frames: &[Value]) -> Vec<u64> {
    frames
        .iter()
        .filter(|v| v["type"] == "event")
        .filter_map(|v| v["seq"].as_u64())
        .collect()
}

#[actix_web::test]
async fn hello_ok_carries_auth_features_with_capabilities_and_the_protocol_4_policy() {
    let t = spawn().await;
    let (mut c, ch) = challenged(&t).await;
    assert_eq!(
        ch["payload"]["capabilities"],
        json!(["model-catalog-snapshot"])
    );
    let res = c
        .call(
            "connect",
            WsClient::connect_params(TOKEN, &["operator.read"], 4, 4),
        )
        .await;
    let hello = &res["payload"];
    assert_eq!(hello["protocol"], 4);
    assert_eq!(hello["auth"]["role"], "operator");
    assert_eq!(hello["auth"]["scopes"], json!(["operator.read"]));
    assert!(hello["auth"].get("deviceToken").is_none());
    assert_eq!(
        hello["features"]["capabilities"],
        json!(["model-catalog-snapshot"])
    );
    assert!(hello["features"]["methods"].as_array().unwrap().len() > 10);
    assert!(hello["features"]["events"]
        .as_array()
        .unwrap()
        .contains(&json!("tick")));
    assert_eq!(
        hello["policy"],
        json!({"maxPayload": 25 * 1024 * 1024, "maxBufferedBytes": 50 * 1024 * 1024,
               "tickIntervalMs": 15000,
               "attachments": {"maxBytes": 20 * 1024 * 1024, "maxImageBytes": 6 * 1024 * 1024}})
    );
}

#[actix_web::test]
async fn a_client_that_misses_ticks_is_closed_4000_and_one_that_answers_pings_stays() {
    let t = spawn_with("openai-completions", "ws: { tickIntervalMs: 100 }", "").await;
    // Silent: reads nothing but the close, never answers the gateway's pings.
    let (mut silent, hello) = WsClient::operator(&t, &["operator.read"]).await;
    assert_eq!(hello["policy"]["tickIntervalMs"], 100);
    assert_eq!(silent.closed().await, (Some(4000), "tick timeout".into()));

    // Alive: answers pings (as every WebSocket library does) through many tick intervals.
    let (mut alive, _) = WsClient::operator(&t, &["operator.read"]).await;
    let mut ticks = Vec::new();
    while ticks.len() < 6 {
        match alive.recv_alive().await {
            Got::Json(v) if v["event"] == "tick" => ticks.push(v),
            Got::Json(_) => {}
            Got::Closed(code, reason) => panic!("live client closed: {code:?} {reason}"),
        }
    }
    assert!(ticks.iter().all(|t| t["payload"]["ts"].as_u64().is_some()));
    assert_eq!(alive.call("health", json!({})).await["ok"], true);
}

#[actix_web::test]
async fn operators_must_offer_protocol_4_while_nodes_and_probes_may_speak_3() {
    let t = spawn().await;
    let (mut old, _) = challenged(&t).await;
    let res = old
        .call(
            "connect",
            WsClient::connect_params(TOKEN, &["operator.read"], 3, 3),
        )
        .await;
    assert_eq!(res["ok"], false);
    assert_eq!(res["error"]["code"], "INVALID_REQUEST");
    let msg = res["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("operator clients must offer protocol 4"),
        "{msg}"
    );
    assert_eq!(res["error"]["details"]["code"], "PROTOCOL_MISMATCH");
    assert_eq!(old.closed().await.0, Some(1002));

    // A range that includes 4 negotiates 4.
    let (mut wide, _) = challenged(&t).await;
    let res = wide
        .call(
            "connect",
            WsClient::connect_params(TOKEN, &["operator.read"], 3, 4),
        )
        .await;
    assert_eq!(res["payload"]["protocol"], 4);

    // `openclaw gateway probe` (golden: minProtocol 3, mode probe, no device) may speak 3,
    // and its scopes are cleared.
    let (mut probe, _) = challenged(&t).await;
    let mut params = WsClient::connect_params(TOKEN, &["operator.read"], 3, 3);
    params["client"]["mode"] = json!("probe");
    let res = probe.call("connect", params).await;
    assert_eq!(res["ok"], true, "{res}");
    assert_eq!(res["payload"]["protocol"], 3);
    assert_eq!(res["payload"]["auth"]["scopes"], json!([]));
    assert_eq!(probe.call("health", json!({})).await["ok"], true);
    let status = probe.call("status", json!({})).await;
    assert_eq!(status["error"]["message"], "missing scope: operator.read");
}

#[actix_web::test]
async fn traceparent_is_accepted_a_malformed_one_ignored_and_an_overlong_one_refused() {
    let t = spawn().await;
    let (mut c, _) = WsClient::operator(&t, &["operator.read"]).await;
    for (id, tp) in [
        (
            "t1",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_string(),
        ),
        ("t2", "not-a-trace-context".to_string()),
    ] {
        c.send(json!({"type": "req", "id": id, "method": "health", "traceparent": tp}))
            .await;
        let res = c.res(id).await;
        assert_eq!(res["ok"], true, "{res}");
    }
    c.send(json!({"type": "req", "id": "t3", "method": "health", "traceparent": "0".repeat(129)}))
        .await;
    let res = c.res("t3").await;
    assert_eq!(res["ok"], false);
    assert_eq!(res["error"]["code"], "INVALID_REQUEST");
    assert!(
        res["error"]["message"]
            .as_str()
            .unwrap()
            .contains("'traceparent' must NOT have more than 128 characters"),
        "{res}"
    );
}

#[actix_web::test]
async fn cancel_stops_an_in_flight_agent_wait_and_unknown_ids_are_ignored() {
    let t = spawn().await;
    let (mut c, _) = WsClient::operator(&t, ALL).await;
    let id = c
        .req(
            "agent.wait",
            json!({"runId": "never-started", "timeoutMs": 120_000}),
        )
        .await;
    c.send(json!({"type": "cancel", "id": id})).await;
    let res = c.res(&id).await;
    assert_eq!(res["ok"], false);
    assert_eq!(res["error"]["code"], "CANCELLED");

    // Cancelling something unknown (or already answered) is ignored: the next call answers and
    // nothing else arrives for the cancelled ids.
    c.send(json!({"type": "cancel", "id": "no-such-request"}))
        .await;
    c.send(json!({"type": "cancel", "id": id})).await;
    let hid = c.req("health", json!({})).await;
    let (res, skipped) = c.until(|v| v["type"] == "res").await;
    assert_eq!(res["id"], hid.as_str());
    assert!(skipped.iter().all(|v| v["type"] == "event"), "{skipped:?}");
}

#[actix_web::test]
async fn a_missing_scope_is_forbidden_with_missing_scope_details() {
    let t = spawn().await;
    let (mut c, _) = WsClient::operator(&t, &["operator.read"]).await;
    let res = c
        .call(
            "chat.send",
            json!({"sessionKey": "main", "message": "hi", "idempotencyKey": "k"}),
        )
        .await;
    assert_eq!(res["ok"], false);
    assert_eq!(
        res["error"],
        json!({"code": "FORBIDDEN", "message": "missing scope: operator.write",
               "details": {"code": "MISSING_SCOPE", "missingScope": "operator.write",
                           "requiredScopes": ["operator.write"]}})
    );
}

#[actix_web::test]
async fn broadcasts_are_scope_gated_and_each_client_counts_its_own_gap_free_seq() {
    let t = spawn().await;
    t.upstream.push(Reply::chunks(&["Hel", "lo"]));
    // No scopes: receives only open events (presence), never agent/chat.
    let (mut blind, _) = WsClient::operator(&t, &[]).await;

    // A UI client (tracked in presence): no `presence` event about itself before its reply.
    let (mut ui, _) = challenged(&t).await;
    let mut params = WsClient::connect_params(TOKEN, &["operator.read"], 4, 4);
    params["client"]["id"] = json!("webchat-ui");
    params["client"]["mode"] = json!("webchat");
    let id = ui.req("connect", params).await;
    let (res, before) = ui
        .until(|v| v["type"] == "res" && v["id"] == id.as_str())
        .await;
    assert_eq!(res["ok"], true, "{res}");
    assert!(before.is_empty(), "frames before hello-ok: {before:?}");

    let (mut writer, _) = WsClient::operator(&t, &["operator.write"]).await;
    let run = writer
        .req(
            "agent",
            json!({"message": "hi", "agentId": "main", "idempotencyKey": "g1"}),
        )
        .await;
    writer.res(&run).await;
    let (_, ui_events) = ui
        .until(|v| v["event"] == "chat" && v["payload"]["state"] == "final")
        .await;
    let ui_seqs = seqs(&ui_events);
    assert!(ui_events.iter().any(|v| v["event"] == "agent"));
    assert_eq!(ui_seqs, (1..=ui_seqs.len() as u64).collect::<Vec<_>>());

    // The scope-less client got the UI client's presence (seq 1) and nothing of the run.
    let hid = blind.req("health", json!({})).await;
    let (_, blind_frames) = blind.until(|v| v["id"] == hid.as_str()).await;
    let names: Vec<&str> = blind_frames
        .iter()
        .filter_map(|v| v["event"].as_str())
        .collect();
    assert_eq!(names, ["presence"], "{blind_frames:?}");
    assert_eq!(seqs(&blind_frames), [1]);
}

#[actix_web::test]
async fn every_advertised_method_answers_with_default_params() {
    let t = spawn().await;
    let (mut c, hello) = WsClient::operator(&t, ALL).await;
    let methods: Vec<String> =
        serde_json::from_value(hello["features"]["methods"].clone()).unwrap();
    assert!(methods.contains(&"poll".to_string()));
    assert!(methods.contains(&"node.invoke".to_string()));
    for m in &methods {
        let res = c.call(m, json!({})).await;
        let msg = res["error"]["message"].as_str().unwrap_or_default();
        assert!(!msg.starts_with("unknown method"), "{m}: {res}");
    }
}

#[actix_web::test]
async fn node_invoke_without_a_node_and_poll_on_a_channel_without_polls_answer_clearly() {
    let t = spawn().await;
    let (mut c, _) = WsClient::operator(&t, ALL).await;
    let res = c
        .call(
            "node.invoke",
            json!({"nodeId": "mac-1", "command": "system.run", "idempotencyKey": "n1"}),
        )
        .await;
    assert_eq!(res["ok"], false);
    assert_eq!(res["error"]["code"], "UNAVAILABLE");
    assert_eq!(res["error"]["message"], "no node connected");
    assert_eq!(res["error"]["details"]["nodeId"], "mac-1");

    let poll = json!({"to": "chat:1", "question": "Lunch?", "options": ["noodles", "rice"],
                      "idempotencyKey": "p1"});
    let res = c.call("poll", poll.clone()).await;
    assert_eq!(res["error"]["message"], "no channel is configured");
    let mut on_telegram = poll.clone();
    on_telegram["channel"] = json!("telegram");
    let res = c.call("poll", on_telegram).await;
    assert_eq!(res["ok"], false);
    assert!(
        res["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("polls are not supported on channel telegram"),
        "{res}"
    );
    let mut one_option = poll;
    one_option["options"] = json!(["only"]);
    let res = c.call("poll", one_option).await;
    assert!(
        res["error"]["message"]
            .as_str()
            .unwrap()
            .contains("'options' must NOT have fewer than 2 items"),
        "{res}"
    );
}

#[actix_web::test]
async fn session_rows_omit_an_unset_label_and_carry_the_agents_resolved_model() {
    let t = spawn().await;
    let (mut c, _) = WsClient::operator(&t, ALL).await;
    let created = c
        .call(
            "sessions.create",
            json!({"key": "plain", "agentId": "main"}),
        )
        .await;
    assert_eq!(created["ok"], true, "{created}");
    let list = c.call("sessions.list", json!({})).await;
    let rows = list["payload"]["sessions"].as_array().unwrap();
    let row = rows
        .iter()
        .find(|r| r["key"] == "agent:main:plain")
        .unwrap_or_else(|| panic!("{list}"));
    assert!(row.get("label").is_none(), "{row}");
    assert_eq!(row["model"], "mock-model");
    assert_eq!(row["modelProvider"], "mock");
    for r in rows {
        let nulls: Vec<&String> = r
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, v)| {
                ["label", "model", "modelProvider"].contains(&k.as_str()) && v.is_null()
            })
            .map(|(k, _)| k)
            .collect();
        assert!(nulls.is_empty(), "{r}");
    }
}
