//! Fault injection: a scripted upstream ([`upstream::FaultyUpstream`]) hangs, resets, sends
//! malformed SSE, floods, answers 429/5xx and frames bodies by closing. For each fault, a
//! non-streamed and a streamed chat completion (and a `/v1/responses` call) end within a bound
//! with an OpenAI-shaped error (or, where the fault is survivable, a proper answer), no run
//! row is left `running`, and the gateway answers the next normal turn.

mod upstream;

use crate::helpers::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use upstream::{Fault, FaultyUpstream};

/// Short limits so every fault ends fast: 1 s of upstream silence, 4 KiB per reply.
const LLM: &str = "idleTimeoutSeconds: 1, maxReplyBytes: 4096";

/// A gateway (with `/v1/responses` on) on a fresh faulty upstream with `agents.defaults.llm`.
async fn spawn_faulty(llm: &str) -> (TestGateway, FaultyUpstream) {
    let faulty = FaultyUpstream::start().await;
    let upstream = clawgate_bench::mock::MockUpstream::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = format!(
        r#"{{ gateway: {{ auth: {{ token: "{TOKEN}" }}, http: {{ endpoints: {{ responses: {{ enabled: true }} }} }} }},
             models: {{ providers: {{ f: {{ baseUrl: "{}", apiKey: "sk-fault", models: [{{ id: "m" }}] }} }} }},
             agents: {{ defaults: {{ model: {{ primary: "f/m" }}, llm: {{ {llm} }} }} }} }}"#,
        faulty.base_url()
    );
    (start_gateway(upstream, dir, &cfg).await, faulty)
}

/// What a client saw of one turn.
#[derive(Debug)]
enum Seen {
    /// A non-streamed answer: status and JSON body.
    Json(u16, Value),
    /// A streamed answer: status and `data:` payloads (the last is `[DONE]`).
    Stream(u16, Vec<Value>),
}

async fn chat(t: &TestGateway, stream: bool, session: &str) -> (Seen, Duration) {
    let started = Instant::now();
    let mut resp = t
        .post("/v1/chat/completions")
        .insert_header(("x-openclaw-session-key", session))
        .send_json(&json!({"stream": stream, "messages": [{"role": "user", "content": "hi"}]}))
        .await
        .expect("the gateway answers");
    let status = resp.status().as_u16();
    let seen = if stream && status == 200 {
        let data = read_sse_data(&mut resp).await;
        assert_eq!(
            data.last().map(String::as_str),
            Some("[DONE]"),
            "a stream ends with [DONE], not a cut: {data:?}"
        );
        let chunks = data[..data.len() - 1]
            .iter()
            .map(|d| serde_json::from_str(d).expect("JSON chunk"))
            .collect();
        Seen::Stream(status, chunks)
    } else {
        let bytes = resp.body().limit(1 << 20).await.expect("body");
        Seen::Json(
            status,
            serde_json::from_slice(&bytes).expect("a JSON body, not a cut"),
        )
    };
    (seen, started.elapsed())
}

/// Asserts an OpenAI-shaped error: the status and `error.{message,type}`; returns the body.
fn assert_error(seen: &Seen, status: u16, what: &str) -> Value {
    match seen {
        Seen::Json(s, b) => {
            assert_eq!(*s, status, "{what}: {b}");
            assert!(b["error"]["message"].as_str().is_some(), "{what}: {b}");
            assert!(b["error"]["type"].as_str().is_some(), "{what}: {b}");
            assert!(!b.to_string().contains("sk-fault"), "{what}: {b}");
            b.clone()
        }
        Seen::Stream(s, _) => panic!("{what}: expected a {status} error, got a {s} stream"),
    }
}

/// Asserts a stream that ends with an error chunk (`Error: …`, finish_reason set).
fn assert_stream_error(seen: &Seen, what: &str) -> String {
    let Seen::Stream(200, chunks) = seen else {
        // Failing before the first byte, the gateway may answer with a plain error status.
        let Seen::Json(s, b) = seen else {
            unreachable!()
        };
        assert!(*s >= 400, "{what}: {b}");
        assert!(b["error"]["message"].as_str().is_some(), "{what}: {b}");
        return b["error"]["message"].as_str().unwrap().to_string();
    };
    let last = chunks.last().unwrap_or_else(|| panic!("{what}: no chunk"));
    let text = last["choices"][0]["delta"]["content"]
        .as_str()
        .unwrap_or_default();
    assert!(
        text.starts_with("Error:") || last.get("error").is_some(),
        "{what}: the stream ends with an error, got {last}"
    );
    assert!(
        last["choices"][0]["finish_reason"].as_str().is_some(),
        "{what}: {last}"
    );
    assert!(!text.contains("sk-fault"), "{what}: {last}");
    text.to_string()
}

/// The text a client got: a completion's message or a stream's deltas.
fn answer_text(seen: &Seen) -> String {
    match seen {
        Seen::Json(_, b) => b["choices"][0]["message"]["content"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        Seen::Stream(_, chunks) => chunks
            .iter()
            .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
            .collect(),
    }
}

/// After a fault: a normal turn (both ways) succeeds, and once the gateway stops, no run row
/// was left `running` (opening the store counts and marks such rows).
async fn keeps_serving_and_leaves_no_run_running(t: TestGateway, faulty: &FaultyUpstream) {
    faulty.set(Fault::Ok);
    for stream in [false, true] {
        let (seen, _) = chat(&t, stream, "after").await;
        assert_eq!(answer_text(&seen), "fine", "the next turn works: {seen:?}");
    }
    let (_, dir) = t.stop().await;
    let (_, left_running) = clawgate::storage::open(dir.path()).expect("store");
    assert_eq!(left_running, 0, "run rows left `running`");
}

/// Runs `fault` non-streamed and streamed (each on its own session); each must end within
/// `bound`. Returns what each saw.
async fn both(
    t: &TestGateway,
    faulty: &FaultyUpstream,
    fault: Fault,
    bound: Duration,
) -> [Seen; 2] {
    faulty.set(fault);
    let mut out = Vec::new();
    for stream in [false, true] {
        let (seen, took) = chat(t, stream, &format!("{fault:?}-{stream}")).await;
        assert!(
            took < bound,
            "{fault:?} stream={stream} took {took:?}: {seen:?}"
        );
        out.push(seen);
    }
    out.try_into().unwrap()
}

#[actix_web::test]
async fn an_upstream_that_never_answers_is_a_504_and_a_timed_out_stream() {
    let (t, faulty) = spawn_faulty(LLM).await;
    let [plain, streamed] = both(&t, &faulty, Fault::HangBeforeHead, secs(4)).await;
    let b = assert_error(&plain, 504, "hang before head");
    assert_eq!(b["error"]["code"], "upstream_timeout", "{b}");
    assert!(assert_stream_error(&streamed, "hang before head").contains("timed out"));
    keeps_serving_and_leaves_no_run_running(t, &faulty).await;
}

#[actix_web::test]
async fn with_a_five_second_idle_timeout_a_hung_upstream_ends_within_seven_seconds() {
    let (t, faulty) = spawn_faulty("idleTimeoutSeconds: 5").await;
    faulty.set(Fault::HangBeforeHead);
    let started = Instant::now();
    let (plain, streamed) = futures_util::join!(chat(&t, false, "a"), chat(&t, true, "b"));
    assert!(started.elapsed() < secs(7), "{:?}", started.elapsed());
    assert!(plain.1 >= secs(5) - Duration::from_millis(100), "{plain:?}");
    assert_error(&plain.0, 504, "hang, idle 5 s");
    assert_stream_error(&streamed.0, "hang, idle 5 s");
    keeps_serving_and_leaves_no_run_running(t, &faulty).await;
}

#[actix_web::test]
async fn an_upstream_that_stops_mid_stream_ends_with_an_error() {
    let (t, faulty) = spawn_faulty(LLM).await;
    let [plain, streamed] = both(&t, &faulty, Fault::HangMidStream, secs(4)).await;
    assert_error(&plain, 504, "hang mid-stream");
    assert!(assert_stream_error(&streamed, "hang mid-stream").contains("timed out"));
    keeps_serving_and_leaves_no_run_running(t, &faulty).await;
}

#[actix_web::test]
async fn a_reset_connection_is_a_502_before_the_head_and_an_error_end_after_it() {
    let (t, faulty) = spawn_faulty(LLM).await;
    let [plain, streamed] = both(&t, &faulty, Fault::ResetBeforeHead, secs(4)).await;
    assert_error(&plain, 502, "reset before head");
    assert_stream_error(&streamed, "reset before head");
    assert_eq!(faulty.requests(), 6, "a reset before output is retried");
    let [plain, streamed] = both(&t, &faulty, Fault::ResetMidStream, secs(4)).await;
    assert_error(&plain, 502, "reset mid-stream");
    assert_stream_error(&streamed, "reset mid-stream");
    keeps_serving_and_leaves_no_run_running(t, &faulty).await;
}

#[actix_web::test]
async fn malformed_sse_ends_with_an_error_not_an_empty_answer() {
    let (t, faulty) = spawn_faulty(LLM).await;
    for fault in [Fault::GarbageLines, Fault::InvalidJsonData] {
        let [plain, streamed] = both(&t, &faulty, fault, secs(4)).await;
        assert_error(&plain, 502, &format!("{fault:?}"));
        assert_stream_error(&streamed, &format!("{fault:?}"));
    }
    keeps_serving_and_leaves_no_run_running(t, &faulty).await;
}

#[actix_web::test]
async fn a_stream_closed_without_its_end_is_an_error_that_keeps_the_partial_text_visible() {
    let (t, faulty) = spawn_faulty(LLM).await;
    let [plain, streamed] = both(&t, &faulty, Fault::MissingDone, secs(4)).await;
    assert_error(&plain, 502, "missing [DONE]");
    assert!(
        answer_text(&streamed).starts_with("cut short"),
        "{streamed:?}"
    );
    assert_stream_error(&streamed, "missing [DONE]");
    keeps_serving_and_leaves_no_run_running(t, &faulty).await;
}

#[actix_web::test]
async fn a_flooding_upstream_is_cut_at_the_reply_cap_or_refused_past_the_body_limit() {
    let (t, faulty) = spawn_faulty(LLM).await;
    let [plain, streamed] = both(&t, &faulty, Fault::Flood, secs(10)).await;
    // Streamed deltas are cut at maxReplyBytes and the reply ends as `length`.
    let text = answer_text(&streamed);
    assert!(
        (4096..4096 + 64).contains(&text.len()),
        "cut near the cap: {} bytes",
        text.len()
    );
    let Seen::Stream(200, chunks) = &streamed else {
        panic!("{streamed:?}")
    };
    let finish = chunks
        .iter()
        .find_map(|c| c["choices"][0]["finish_reason"].as_str());
    assert_eq!(finish, Some("length"));
    // An endless non-streamed body is read up to the upstream body limit, then refused.
    let b = assert_error(&plain, 502, "flood, non-streamed");
    assert_eq!(b["error"]["code"], "upstream_error", "{b}");
    keeps_serving_and_leaves_no_run_running(t, &faulty).await;
}

#[actix_web::test]
async fn rate_limits_and_server_errors_are_retried_within_the_wait_budget_then_answered_with_their_class(
) {
    let (t, faulty) = spawn_faulty(LLM).await;
    // Without Retry-After, three attempts with a short backoff; a Retry-After that would
    // overrun the 1 s wait budget ends the turn at once instead of sleeping past it.
    for (fault, status, kind, attempts) in [
        (Fault::Status(429, None), 429, "rate_limit_error", 3),
        (Fault::Status(429, Some(1)), 429, "rate_limit_error", 1),
        (Fault::Status(500, None), 502, "", 3),
        (Fault::Status(503, Some(1)), 502, "", 1),
    ] {
        let before = faulty.requests();
        let [plain, streamed] = both(&t, &faulty, fault, secs(4)).await;
        let b = assert_error(&plain, status, &format!("{fault:?}"));
        if !kind.is_empty() {
            assert_eq!(b["error"]["type"], kind, "{b}");
        }
        assert!(
            !b.to_string().contains("upstream says"),
            "the upstream's words stay in the log: {b}"
        );
        assert_stream_error(&streamed, &format!("{fault:?}"));
        assert_eq!(faulty.requests() - before, 2 * attempts, "{fault:?}");
    }
    keeps_serving_and_leaves_no_run_running(t, &faulty).await;
}

#[actix_web::test]
async fn a_retry_after_inside_the_wait_budget_is_honoured() {
    let (t, faulty) = spawn_faulty("idleTimeoutSeconds: 5").await;
    faulty.set(Fault::Status(503, Some(1)));
    let (seen, took) = chat(&t, false, "retry-after").await;
    assert_error(&seen, 502, "503 with Retry-After: 1");
    assert_eq!(faulty.requests(), 3);
    assert!(
        took >= secs(2) && took < secs(5),
        "two waits of 1 s: {took:?}"
    );
    keeps_serving_and_leaves_no_run_running(t, &faulty).await;
}

#[actix_web::test]
async fn a_body_framed_by_closing_the_connection_is_read_and_a_truncated_one_is_an_error() {
    let (t, faulty) = spawn_faulty(LLM).await;
    let [plain, streamed] = both(&t, &faulty, Fault::CloseFramed, secs(4)).await;
    for seen in [&plain, &streamed] {
        assert_eq!(answer_text(seen), "fine", "{seen:?}");
    }
    let [plain, streamed] = both(&t, &faulty, Fault::CloseFramedTruncated, secs(4)).await;
    assert_error(&plain, 502, "close-framed, truncated");
    assert_stream_error(&streamed, "close-framed, truncated");
    keeps_serving_and_leaves_no_run_running(t, &faulty).await;
}

#[actix_web::test]
async fn responses_end_each_fault_with_a_failed_response_and_keep_serving() {
    let (t, faulty) = spawn_faulty(LLM).await;
    for fault in [
        Fault::HangBeforeHead,
        Fault::ResetMidStream,
        Fault::InvalidJsonData,
        Fault::Status(500, None),
    ] {
        faulty.set(fault);
        let started = Instant::now();
        let (s, _, b) = t
            .post_json("/v1/responses", json!({"model": "openclaw", "input": "hi"}))
            .await;
        assert!(started.elapsed() < secs(4), "{fault:?}");
        assert!(s.as_u16() >= 400, "{fault:?}: {s} {b}");
        assert!(b["error"]["message"].as_str().is_some(), "{fault:?}: {b}");
    }
    faulty.set(Fault::Ok);
    let (s, _, b) = t
        .post_json("/v1/responses", json!({"model": "openclaw", "input": "hi"}))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["status"], "completed", "{b}");
    keeps_serving_and_leaves_no_run_running(t, &faulty).await;
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}
