//! `Server-Timing` on API responses: `total` everywhere, the turn's `pre`/`provider`/`post`
//! phases on a turn's answer; milliseconds with decimals that add up.

use crate::helpers::*;
use clawgate_bench::mock::Reply;
use serde_json::json;
use std::collections::HashMap;

/// Parses `name;dur=1.234, …` into name → milliseconds.
fn parse(h: &str) -> HashMap<String, f64> {
    h.split(',')
        .map(|entry| {
            let mut parts = entry.trim().split(';');
            let name = parts.next().unwrap().trim().to_string();
            let dur = parts
                .find_map(|p| p.trim().strip_prefix("dur="))
                .unwrap_or_else(|| panic!("no dur in {entry:?}"));
            assert!(dur.contains('.'), "milliseconds with decimals: {dur}");
            (name, dur.parse::<f64>().expect("a number"))
        })
        .collect()
}

fn timing(resp: &awc::ClientResponse<impl Sized>) -> HashMap<String, f64> {
    let h = resp
        .headers()
        .get("server-timing")
        .expect("a Server-Timing header")
        .to_str()
        .unwrap();
    parse(h)
}

fn assert_turn(t: &HashMap<String, f64>) {
    for k in ["pre", "provider", "post", "total"] {
        assert!(t[k] >= 0.0, "{k}: {t:?}");
    }
    assert!(
        t["pre"] + t["provider"] + t["post"] <= t["total"] + 0.01,
        "the phases fit in the total: {t:?}"
    );
}

#[actix_web::test]
async fn turn_answers_carry_the_phases_and_other_answers_the_total() {
    let t = spawn().await;
    t.upstream.set_default(Reply::text("hi there"));

    let resp = t
        .post("/v1/chat/completions")
        .send_json(&json!({"model": "openclaw", "messages": [{"role": "user", "content": "hi"}]}))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_turn(&timing(&resp));

    let resp = t
        .post("/api/v1/message")
        .send_json(&json!({"text": "hi"}))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_turn(&timing(&resp));

    let resp = t
        .post("/v1/agent/run")
        .send_json(&json!({"message": "hi"}))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_turn(&timing(&resp));

    let resp = t.get("/v1/sessions").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let st = timing(&resp);
    assert!(st["total"] >= 0.0);
    assert!(!st.contains_key("pre"), "not a turn: {st:?}");

    // A stream's header goes out before the work it would describe.
    let mut resp = t
        .post("/v1/chat/completions")
        .send_json(&json!({"model": "openclaw", "stream": true, "messages": [{"role": "user", "content": "hi"}]}))
        .await
        .unwrap();
    assert!(resp.headers().get("server-timing").is_none());
    read_sse_data(&mut resp).await;
}
