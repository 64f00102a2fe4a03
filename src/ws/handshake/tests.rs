//! Handshake tests driven by the golden OpenClaw 2026.9.6 transcripts.

use serde_json::{json, Value};

use super::auth::{AuthMode, SharedSecret};
use super::device::test_support::{sign, signed_device};
use super::device::{payload_v3, SignedFields};
use super::*;
use crate::ws::dialect::parse_client_frame;

const NOW: u64 = 1_795_257_604_939;
const NONCE: &str = "aa272af4-e5ed-438d-8822-bfd60179bb3b";

/// Verbatim `c2s` connect frames from the golden transcripts.
const GOLDEN_CONNECTS: &[&str] = &[
    // call-health.jsonl
    r#"{"type": "req", "id": "1:c6273782-5d03-42db-9798-dab6d9399cf5", "method": "connect", "params": {"minProtocol": 4, "maxProtocol": 4, "client": {"id": "cli", "version": "2026.9.6", "platform": "linux", "deviceFamily": "Linux", "mode": "cli", "instanceId": "7d792082-7ddd-4441-ad34-3eeaf64fd1ec"}, "caps": [], "auth": {"token": "peer-token"}, "role": "operator", "scopes": ["operator.read"]}}"#,
    // call-agent.jsonl
    r#"{"type": "req", "id": "1:8e49ad19-b570-4072-9572-6a7b3ea2ce6a", "method": "connect", "params": {"minProtocol": 4, "maxProtocol": 4, "client": {"id": "cli", "version": "2026.9.6", "platform": "linux", "deviceFamily": "Linux", "mode": "cli", "instanceId": "40c43652-f52d-4820-a47c-ac980fc67d72"}, "caps": [], "auth": {"token": "peer-token"}, "role": "operator", "scopes": ["operator.write"]}}"#,
    // call-unknown-method.jsonl
    r#"{"type": "req", "id": "1:833347b3-a0fd-4c05-8bb7-378c09515e77", "method": "connect", "params": {"minProtocol": 4, "maxProtocol": 4, "client": {"id": "cli", "version": "2026.9.6", "platform": "linux", "deviceFamily": "Linux", "mode": "cli", "instanceId": "413c0aae-4ba8-4d4c-a042-9ef73e57b551"}, "caps": [], "auth": {"token": "peer-token"}, "role": "operator", "scopes": ["operator.admin", "operator.read", "operator.write", "operator.approvals", "operator.questions", "operator.pairing", "operator.talk.secrets"]}}"#,
    // gateway-probe.jsonl
    r#"{"type": "req", "id": "1:5c1c5e16-a2c6-44eb-9c54-0e9066360074", "method": "connect", "params": {"minProtocol": 3, "maxProtocol": 4, "client": {"id": "cli", "version": "dev", "platform": "linux", "deviceFamily": "Linux", "mode": "probe", "instanceId": "77a72d73-7523-4234-bfaf-cee53bb5e24c"}, "caps": [], "auth": {"token": "peer-token"}, "role": "operator", "scopes": ["operator.read"]}}"#,
    // health-env.jsonl
    r#"{"type": "req", "id": "1:20e487bf-c116-4138-b8ee-837bf694e176", "method": "connect", "params": {"minProtocol": 4, "maxProtocol": 4, "client": {"id": "gateway-client", "displayName": "gateway:health", "version": "2026.9.6", "platform": "linux", "deviceFamily": "Linux", "mode": "backend", "instanceId": "f4cffbf5-1b72-44f3-904c-b93bf4a061e6"}, "caps": [], "auth": {"token": "peer-token"}, "role": "operator", "scopes": ["operator.read"]}}"#,
];

/// call-badtoken.jsonl
const GOLDEN_BADTOKEN: &str = r#"{"type": "req", "id": "1:1b84a3d5-2c08-47f0-b9b9-dd8313383086", "method": "connect", "params": {"minProtocol": 4, "maxProtocol": 4, "client": {"id": "cli", "version": "2026.9.6", "platform": "linux", "deviceFamily": "Linux", "mode": "cli", "instanceId": "560d021e-9af0-442c-82f7-496441ee64cd"}, "caps": [], "auth": {"token": "wrong-token"}, "role": "operator", "scopes": ["operator.read"]}}"#;

const GOLDEN_BADTOKEN_RES: &str = r#"{"type":"res","id":"1:1b84a3d5-2c08-47f0-b9b9-dd8313383086","ok":false,"error":{"code":"INVALID_REQUEST","message":"unauthorized: gateway token mismatch (use this gateway's gateway.auth.token or pair the device)","details":{"code":"AUTH_TOKEN_MISMATCH","authReason":"token_mismatch","canRetryWithDeviceToken":false,"recommendedNextStep":"update_auth_credentials"}}}"#;

fn secret() -> SharedSecret {
    SharedSecret::token("peer-token")
}

fn run(text: &str, secret: &SharedSecret) -> HandshakeOutcome {
    let ctx = ConnectContext {
        nonce: NONCE,
        now_ms: NOW,
        is_local: true,
        secret,
    };
    handle_first_frame(parse_client_frame(text), &ctx)
}

fn rejected(text: &str, secret: &SharedSecret) -> Rejection {
    match run(text, secret) {
        HandshakeOutcome::Rejected(r) => r,
        other => panic!("expected rejection, got {other:?}"),
    }
}

fn accepted(text: &str, secret: &SharedSecret) -> Accepted {
    match run(text, secret) {
        HandshakeOutcome::Accepted { accepted, .. } => accepted,
        other => panic!("expected acceptance, got {other:?}"),
    }
}

fn connect_frame(params: Value) -> String {
    json!({"type": "req", "id": "1:x", "method": "connect", "params": params}).to_string()
}

fn cli_params() -> Value {
    let v: Value = serde_json::from_str(GOLDEN_CONNECTS[0]).unwrap();
    v["params"].clone()
}

#[test]
fn golden_cli_connects_are_accepted_with_requested_scopes() {
    for text in GOLDEN_CONNECTS {
        let frame: Value = serde_json::from_str(text).unwrap();
        let HandshakeOutcome::Accepted {
            request_id,
            accepted,
        } = run(text, &secret())
        else {
            panic!("rejected: {text}")
        };
        assert_eq!(request_id, frame["id"].as_str().unwrap());
        assert_eq!(accepted.protocol, 4);
        assert_eq!(accepted.role, Role::Operator);
        assert_eq!(accepted.auth_method, AuthMode::Token);
        assert_eq!(accepted.device_id, None);
        let mut want: Vec<String> =
            serde_json::from_value(frame["params"]["scopes"].clone()).unwrap();
        if frame["params"]["client"]["mode"] == "probe" {
            want.clear(); // a device-less probe's scopes are cleared (golden gateway-probe)
        }
        assert_eq!(accepted.scopes, want, "scope policy: exactly as requested");
    }
}

#[test]
fn golden_badtoken_response_is_byte_identical() {
    let r = rejected(GOLDEN_BADTOKEN, &secret());
    assert_eq!(r.response().unwrap().to_json(), GOLDEN_BADTOKEN_RES);
    assert_eq!(r.close.code, 1008);
    assert_eq!(
        r.close.reason, r.error.message,
        "fits a close frame untruncated"
    );
}

#[test]
fn missing_token_is_auth_token_missing() {
    let mut p = cli_params();
    p.as_object_mut().unwrap().remove("auth");
    let r = rejected(&connect_frame(p), &secret());
    assert_eq!(
        r.error.message,
        "unauthorized: gateway token missing (use this gateway's gateway.auth.token or pair the device)"
    );
    assert_eq!(
        r.error.details.unwrap(),
        json!({"code":"AUTH_TOKEN_MISSING","authReason":"token_missing",
               "canRetryWithDeviceToken":false,"recommendedNextStep":"update_auth_configuration"})
    );
    assert_eq!(r.close.code, 1008);
}

#[test]
fn password_mode() {
    let pw = SharedSecret::password("hunter2");
    let mut p = cli_params();
    p["auth"] = json!({"password": "hunter2"});
    assert_eq!(
        accepted(&connect_frame(p.clone()), &pw).auth_method,
        AuthMode::Password
    );
    p["auth"] = json!({"password": "nope"});
    let r = rejected(&connect_frame(p), &pw);
    assert_eq!(r.error.details.unwrap()["code"], "AUTH_PASSWORD_MISMATCH");
    assert_eq!(
        r.error.message,
        "unauthorized: gateway password mismatch (use this gateway's gateway.auth.password)"
    );
}

#[test]
fn protocol_negotiation_and_mismatch() {
    assert_eq!(negotiate_protocol(3, 4), Some(4));
    assert_eq!(negotiate_protocol(3, 3), Some(3));
    assert_eq!(negotiate_protocol(1, 9), Some(4));
    assert_eq!(negotiate_protocol(5, 6), None);
    assert_eq!(negotiate_protocol(1, 2), None);
    assert_eq!(negotiate_protocol(4, 3), None);
    let mut p = cli_params();
    p["minProtocol"] = json!(3);
    p["maxProtocol"] = json!(3);
    let r = rejected(&connect_frame(p.clone()), &secret());
    assert!(
        r.error
            .message
            .contains("operator clients must offer protocol 4"),
        "{}",
        r.error.message
    );
    assert_eq!(r.close.code, 1002);
    p["client"]["mode"] = json!("probe");
    assert_eq!(accepted(&connect_frame(p.clone()), &secret()).protocol, 3);
    p["client"]["mode"] = json!("cli");
    p["minProtocol"] = json!(5);
    p["maxProtocol"] = json!(6);
    let r = rejected(&connect_frame(p), &secret());
    assert_eq!(
        r.response().unwrap().to_json(),
        r#"{"type":"res","id":"1:x","ok":false,"error":{"code":"INVALID_REQUEST","message":"protocol mismatch","details":{"code":"PROTOCOL_MISMATCH","expectedProtocol":4}}}"#
    );
    assert_eq!(
        (r.close.code, r.close.reason.as_str()),
        (1002, "protocol mismatch")
    );
}

#[test]
fn wrong_first_frame() {
    let r = rejected(r#"{"type":"req","id":"9","method":"health"}"#, &secret());
    assert_eq!(
        r.response().unwrap().to_json(),
        r#"{"type":"res","id":"9","ok":false,"error":{"code":"INVALID_REQUEST","message":"invalid handshake: first request must be connect"}}"#
    );
    assert_eq!(r.close.code, 1008);
    assert_eq!(
        r.close.reason,
        "invalid handshake: first request must be connect"
    );

    let r = rejected("garbage", &secret());
    assert_eq!(r.response(), None, "no response for a non-request frame");
    assert_eq!(
        (r.close.code, r.close.reason.as_str()),
        (1008, "invalid request frame")
    );

    let r = rejected(
        r#"{"type":"req","id":"9","method":"connect","params":{}}"#,
        &secret(),
    );
    assert_eq!(
        r.error.message,
        "invalid connect params: must have required property 'minProtocol'"
    );
    assert_eq!(r.close.reason, r.error.message);

    let mut p = cli_params();
    p["role"] = json!("admin");
    let r = rejected(&connect_frame(p), &secret());
    assert_eq!(
        (r.error.message.as_str(), r.close.code),
        ("invalid role", 1008)
    );
}

#[test]
fn simple_dialect_first_frame_is_handed_back() {
    let out = run(r#"{"method":"system.status","id":1}"#, &secret());
    assert!(matches!(out, HandshakeOutcome::Simple(s) if s.method == "system.status"));
}

fn device_params(token: &str, signed_at: i64, nonce: &str) -> Value {
    let k = device::test_support::key(42);
    let scopes = vec!["operator.read".to_string(), "operator.write".to_string()];
    let fields = SignedFields {
        client_id: "cli",
        client_mode: "cli",
        role: "operator",
        scopes: &scopes,
        token,
        platform: "linux",
        device_family: "Linux",
    };
    let mut p = cli_params();
    p["scopes"] = json!(scopes);
    p["auth"] = json!({"token": token});
    p["device"] = serde_json::to_value(signed_device(&k, &fields, nonce, signed_at)).unwrap();
    p
}

#[test]
fn valid_device_signature_is_accepted() {
    let a = accepted(
        &connect_frame(device_params("peer-token", NOW as i64, NONCE)),
        &secret(),
    );
    assert_eq!(a.scopes, ["operator.read", "operator.write"]);
    let id = a.device_id.unwrap();
    assert_eq!(id.len(), 64);
    // auth mode none: a verified device keeps its scopes
    let p = device_params("", NOW as i64 - 60_000, NONCE);
    let a = accepted(&connect_frame(p), &SharedSecret::none());
    assert_eq!(a.auth_method, AuthMode::None);
    assert_eq!(a.scopes, ["operator.read", "operator.write"]);
}

#[test]
fn device_failures_have_exact_messages_and_codes() {
    let cases = [
        (
            device_params("peer-token", NOW as i64 - 200_000, NONCE),
            "device signature expired",
            "DEVICE_AUTH_SIGNATURE_EXPIRED",
        ),
        (
            device_params("peer-token", NOW as i64, "stale-nonce"),
            "device nonce mismatch",
            "DEVICE_AUTH_NONCE_MISMATCH",
        ),
        (
            device_params("peer-token", NOW as i64, ""),
            "device nonce required",
            "DEVICE_AUTH_NONCE_REQUIRED",
        ),
    ];
    for (p, msg, code) in cases {
        let r = rejected(&connect_frame(p), &secret());
        assert_eq!(r.error.message, msg);
        assert_eq!(r.error.details.as_ref().unwrap()["code"], code);
        assert_eq!((r.close.code, r.close.reason.as_str()), (1008, msg));
    }
    // signature made over different fields
    let mut p = device_params("peer-token", NOW as i64, NONCE);
    let other = device::test_support::key(1);
    let scopes = vec!["operator.admin".to_string()];
    let f = SignedFields {
        client_id: "cli",
        client_mode: "cli",
        role: "operator",
        scopes: &scopes,
        token: "peer-token",
        platform: "linux",
        device_family: "linux",
    };
    p["device"]["signature"] = json!(sign(&other, &payload_v3("x", NOW as i64, NONCE, &f)));
    let r = rejected(&connect_frame(p.clone()), &secret());
    assert_eq!(
        r.response().unwrap().to_json(),
        r#"{"type":"res","id":"1:x","ok":false,"error":{"code":"INVALID_REQUEST","message":"device signature invalid","details":{"code":"DEVICE_AUTH_SIGNATURE_INVALID","reason":"device-signature"}}}"#
    );
    p["device"]["id"] = json!("f".repeat(64));
    assert_eq!(
        rejected(&connect_frame(p), &secret()).error.message,
        "device identity mismatch"
    );
    let mut p = device_params("peer-token", NOW as i64, NONCE);
    p["device"].as_object_mut().unwrap().remove("nonce");
    assert_eq!(
        rejected(&connect_frame(p), &secret()).error.message,
        "invalid connect params: must have required property 'nonce'"
    );
}

#[test]
fn valid_device_with_wrong_token_is_unauthorized() {
    // signature valid over "wrong-token", but the token itself is wrong
    let r = rejected(
        &connect_frame(device_params("wrong-token", NOW as i64, NONCE)),
        &secret(),
    );
    assert_eq!(r.error.details.unwrap()["code"], "AUTH_TOKEN_MISMATCH");
}

#[test]
fn scope_policy_edge_cases() {
    // mode none, no device: accepted with no scopes
    let a = accepted(&connect_frame(cli_params()), &SharedSecret::none());
    assert!(a.scopes.is_empty());
    assert_eq!(a.auth_method, AuthMode::None);
    // omitted scopes never grant anything
    let mut p = cli_params();
    p.as_object_mut().unwrap().remove("scopes");
    assert!(accepted(&connect_frame(p), &secret()).scopes.is_empty());
    // duplicates / blanks normalized
    let mut p = cli_params();
    p["scopes"] = json!(["operator.read", " operator.read ", "", "operator.write"]);
    assert_eq!(
        accepted(&connect_frame(p), &secret()).scopes,
        ["operator.read", "operator.write"]
    );
}

#[test]
fn node_role_requires_device() {
    let mut p = cli_params();
    p["role"] = json!("node");
    let r = rejected(&connect_frame(p.clone()), &secret());
    assert_eq!(
        r.response().unwrap().to_json(),
        r#"{"type":"res","id":"1:x","ok":false,"error":{"code":"NOT_PAIRED","message":"device identity required"}}"#
    );
    p["auth"] = json!({"token": "bad"});
    let r = rejected(&connect_frame(p), &secret());
    assert_eq!(r.error.details.unwrap()["code"], "AUTH_TOKEN_MISMATCH");
}
