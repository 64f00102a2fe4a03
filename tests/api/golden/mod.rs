//! Golden parity: every recorded OpenClaw 2026.9.6 exchange in `tests/fixtures/golden/`
//! (HTTP requests and WebSocket client frames) is replayed, in recorded order, against one
//! clawgate configured like the recording (same mock model, same display name, same context
//! window; the scripted upstream gives the recorded model text), and the answers are compared
//! by shape: keys, JSON types, status codes, content types, event sequences
//! (see `shape.rs` for what is and is not compared). The only differences allowed are the
//! documented ones in `deviations.rs` (also listed in docs/http-api.md and docs/websocket.md).

mod deviations;
mod fixture;
mod replay;
mod shape;

use crate::helpers::{start_gateway, TOKEN};
use clawgate_bench::mock::MockUpstream;

/// `*` matches any run of characters (including none); everything else is literal.
pub fn glob(pattern: &str, s: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == s;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !s.starts_with(first) || s.len() < first.len() + last.len() || !s.ends_with(last) {
        return false;
    }
    let mut rest = &s[first.len()..s.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

/// The recording's config (tests/fixtures/openclaw-config-2026.9.6.json5), reduced to what
/// shapes the answers, pointed at the local scripted upstream.
fn config(upstream: &str) -> String {
    format!(
        r#"{{
  gateway: {{ auth: {{ mode: "token", token: "{TOKEN}" }},
             http: {{ endpoints: {{ chatCompletions: {{ enabled: true }}, responses: {{ enabled: true }} }} }} }},
  models: {{ providers: {{ mock: {{ baseUrl: "{upstream}", apiKey: "x", api: "openai-completions",
    models: [{{ id: "mock-model", name: "Mock Model", reasoning: false, input: ["text"],
               contextWindow: 128000, maxTokens: 4096 }}] }} }} }},
  agents: {{ defaults: {{ model: {{ primary: "mock/mock-model" }} }} }},
}}"#
    )
}

#[actix_rt::test]
async fn recorded_openclaw_exchanges_replay_with_the_same_shapes() {
    // `logs.tail` reads the records of the process-wide subscriber.
    clawgate::telemetry::init_ring_only();
    let upstream = MockUpstream::start().await.expect("mock upstream");
    let cfg = config(&upstream.base_url());
    let t = start_gateway(upstream, tempfile::tempdir().unwrap(), &cfg).await;
    let (http, ws) = (fixture::http_exchanges(), fixture::ws_transcripts());
    assert_eq!((http.len(), ws.len()), (26, 13), "recorded exchanges");
    let mut diffs = Vec::new();
    for x in http {
        diffs.extend(replay::http(&t, &x).await);
    }
    for tr in ws {
        diffs.extend(replay::ws(&t, &tr).await);
    }
    let unexplained: Vec<&String> = diffs
        .iter()
        .filter(|d| deviations::explain(d).is_none())
        .collect();
    assert!(
        unexplained.is_empty(),
        "{} differences from the recorded OpenClaw exchanges are not in the deviation list:\n{}",
        unexplained.len(),
        unexplained
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn glob_matches_stars_anywhere() {
    assert!(glob(
        "ws/* res:connect#1 *",
        "ws/a res:connect#1 $.x: extra"
    ));
    assert!(glob("abc", "abc"));
    assert!(!glob("a*c", "ab"));
    assert!(glob("*.label: missing", "http/x body $.label: missing"));
}
