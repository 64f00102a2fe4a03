//! Coverage-less fuzzing on the stable toolchain: proptest drives every parser that sees
//! hostile input (the JSON5 config loader, the chat-completions and responses request parsers,
//! WebSocket frames and `connect` params, the upstream SSE decoder, hook templates, cron
//! schedules) with structured and raw inputs. Each must answer or refuse, never panic; the SSE
//! decoder must also give the same events however its input is split.
//!
//! CI runs `FUZZ_CASES` cases per target (default 256, a few seconds each). A longer run:
//! `FUZZ_CASES=200000 cargo test --release --test fuzz`. A failing case is shrunk, printed and
//! saved under `proptest-regressions/`; commit it and add a named regression test.
//! The WebSocket handshake and frame codec are fuzzed through a real socket in
//! `tests/fuzz_socket.rs`; docs/hardening.md lists every target.

use clawgate::providers::sse::{SseDecoder, SseEvent};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// Keys the parsers look for, so generated objects reach past the first check.
const KEYS: &[&str] = &[
    "type",
    "id",
    "method",
    "params",
    "messages",
    "role",
    "content",
    "model",
    "stream",
    "tools",
    "tool_choice",
    "input",
    "instructions",
    "schedule",
    "kind",
    "expr",
    "everyMs",
    "at",
    "tz",
    "payload",
    "text",
    "message",
    "name",
    "function",
    "arguments",
    "image_url",
    "url",
    "minProtocol",
    "maxProtocol",
    "client",
    "auth",
    "token",
    "role",
    "scopes",
    "device",
    "max_tokens",
    "temperature",
    "stop",
    "response_format",
    "previous_response_id",
    "user",
    "gateway",
    "agents",
    "models",
    "providers",
    "list",
    "entries",
    "hooks",
    "mappings",
];

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        "[a-z:/._ -]{0,12}".prop_map(Value::String),
        prop::sample::select(KEYS).prop_map(|k| Value::String(k.to_string())),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|kv| {
                Value::Object(
                    kv.into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

fn config() -> &'static clawgate::config::Config {
    static CFG: std::sync::OnceLock<clawgate::config::Config> = std::sync::OnceLock::new();
    CFG.get_or_init(|| {
        let dir = std::env::temp_dir().join("clawgate-fuzz-state");
        let ov = clawgate::config::Overrides {
            state_dir: Some(dir),
            ..Default::default()
        };
        clawgate::config::load(None, &ov).expect("default config")
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn config_loader_answers_or_refuses(text in prop_oneof![
        any::<String>(),
        arb_json().prop_map(|v| json!({"gateway": v.clone(), "agents": v}).to_string()),
        arb_json().prop_map(|v| v.to_string()),
    ]) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clawgate.json5");
        std::fs::write(&path, &text).unwrap();
        let ov = clawgate::config::Overrides { state_dir: Some(dir.path().to_path_buf()), ..Default::default() };
        let _ = clawgate::config::load(Some(&path), &ov);
    }

    #[test]
    fn chat_completions_parser_answers_or_refuses(body in prop_oneof![
        arb_json(),
        arb_json().prop_map(|m| json!({"model": "openclaw", "messages": [m]})),
        arb_json().prop_map(|m| json!({"messages": [{"role": "user", "content": m}], "tools": [m]})),
    ]) {
        let _ = clawgate::http::chat_input::parse(&body);
        if let Some(obj) = body.as_object() {
            let _ = clawgate::http::chat_fields::parse(obj);
        }
    }

    #[test]
    fn responses_parser_answers_or_refuses(body in prop_oneof![
        any::<Vec<u8>>(),
        arb_json().prop_map(|v| v.to_string().into_bytes()),
        arb_json().prop_map(|i| json!({"model": "openclaw", "input": i}).to_string().into_bytes()),
        arb_json().prop_map(|i| json!({"model": "openclaw", "input": [i], "tools": [i]}).to_string().into_bytes()),
    ]) {
        let _ = clawgate::responses::parse_request(&body);
    }

    #[test]
    fn websocket_frames_and_connect_params_answer_or_refuse(frame in prop_oneof![
        any::<String>(),
        arb_json().prop_map(|v| v.to_string()),
        arb_json().prop_map(|p| json!({"type": "req", "id": "1", "method": "connect", "params": p}).to_string()),
    ]) {
        let _ = clawgate::ws::dialect::parse_client_frame(&frame);
        if let Ok(v) = serde_json::from_str::<Value>(&frame) {
            let _ = clawgate::ws::handshake::parse_connect_params(v.get("params"));
            let _ = clawgate::ws::handshake::parse_connect_params(Some(&v));
        }
    }

    #[test]
    fn sse_decoder_is_split_invariant(
        events in prop::collection::vec(("[a-z]{0,6}", "[ -~]{0,40}"), 0..12),
        noise in any::<Vec<u8>>(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
        crlf in any::<bool>(),
    ) {
        let nl = if crlf { "\r\n" } else { "\n" };
        let mut text = String::new();
        for (name, data) in &events {
            if !name.is_empty() {
                text.push_str(&format!("event: {name}{nl}"));
            }
            text.push_str(&format!("data: {data}{nl}{nl}"));
        }
        let mut bytes = text.into_bytes();
        bytes.extend_from_slice(&noise);
        let whole = decode(&[&bytes]);
        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len() + 1)).collect();
        points.sort_unstable();
        let mut parts = Vec::new();
        let mut at = 0;
        for p in points {
            parts.push(&bytes[at..p]);
            at = p;
        }
        parts.push(&bytes[at..]);
        prop_assert_eq!(decode(&parts), whole.clone());
        // The well-formed prefix decodes to exactly the events written.
        let written: Vec<String> = events.iter().map(|(_, d)| d.clone()).collect();
        let seen: Vec<String> = whole.iter().take(written.len()).map(|e| e.data.clone()).collect();
        prop_assert_eq!(seen, written);
    }

    #[test]
    fn hook_templates_render_anything(template in prop_oneof![
        any::<String>(),
        "[a-z{}.\\[\\]0-9 ]{0,40}",
        prop::sample::select(KEYS).prop_map(|k| format!("{{{{payload.{k}[0].{k}}}}} {{{{headers.x}}}}")),
    ], payload in arb_json()) {
        let ctx = clawgate::hooks::template::TemplateContext {
            payload,
            headers: [("x".to_string(), "y".to_string())].into(),
            query: Default::default(),
            path: "p".into(),
            now: "2026-01-01T00:00:00Z".into(),
        };
        let _ = clawgate::hooks::template::render(&template, &ctx);
    }

    #[test]
    fn cron_schedules_answer_or_refuse(
        schedule in prop_oneof![
            "[0-9*/,\\- ]{0,30}".prop_map(|e| json!({"kind": "cron", "expr": e})),
            (any::<String>(), "[A-Za-z/_]{0,20}").prop_map(|(e, tz)| json!({"kind": "cron", "expr": e, "tz": tz})),
            any::<u64>().prop_map(|n| json!({"kind": "every", "everyMs": n})),
            (any::<u64>(), any::<i64>()).prop_map(|(n, a)| json!({"kind": "every", "everyMs": n, "anchorMs": a})),
            any::<String>().prop_map(|a| json!({"kind": "at", "at": a})),
            arb_json(),
        ],
        now in any::<i64>(),
    ) {
        let params = json!({"name": "f", "schedule": schedule, "payload": {"kind": "systemEvent", "text": "t"}});
        if let Ok(job) = clawgate::cron::normalize::build(&params, config(), "id".into(), 0, 0) {
            let _ = clawgate::cron::schedule::next_run_ms(&job, now);
        }
    }
}

fn decode(parts: &[&[u8]]) -> Vec<SseEvent> {
    let mut d = SseDecoder::new();
    let mut out = Vec::new();
    for p in parts {
        d.feed(p, &mut out);
    }
    d.finish(&mut out);
    out
}
