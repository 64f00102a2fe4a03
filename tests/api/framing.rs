//! An upstream that frames its responses by closing the connection streams correctly through
//! every streaming endpoint (and non-streamed chat).

use crate::close_delimited::{CloseDelimitedUpstream, WORDS};
use crate::helpers::*;
use clawgate_bench::mock::MockUpstream;
use serde_json::{json, Value};

async fn spawn_close_delimited(version: &'static str) -> (TestGateway, CloseDelimitedUpstream) {
    let upstream = CloseDelimitedUpstream::start(version).await;
    let cfg = format!(
        r#"{{ gateway: {{ auth: {{ mode: "token", token: "{TOKEN}" }}, http: {{ endpoints: {{ responses: {{ enabled: true }} }} }} }},
  models: {{ providers: {{ plain: {{ baseUrl: "{}", api: "openai-completions", models: [{{ id: "m" }}] }} }} }},
  agents: {{ defaults: {{ model: {{ primary: "plain/m" }} }} }} }}"#,
        upstream.base_url()
    );
    let unused = MockUpstream::start().await.unwrap();
    let t = start_gateway(unused, tempfile::tempdir().unwrap(), &cfg).await;
    (t, upstream)
}

fn payloads(text: &str) -> Vec<Value> {
    text.split("\n\n")
        .filter_map(|f| f.lines().find_map(|l| l.strip_prefix("data: ")))
        .filter(|d| *d != "[DONE]")
        .map(|d| serde_json::from_str(d).unwrap())
        .collect()
}

async fn stream(t: &TestGateway, path: &str, body: Value) -> String {
    let mut r = t.post(path).send_json(&body).await.unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.body().limit(16 << 20).await.unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[actix_web::test]
async fn a_close_delimited_upstream_streams_through_every_endpoint() {
    for version in ["HTTP/1.1", "HTTP/1.0"] {
        every_endpoint(version).await;
    }
}

async fn every_endpoint(version: &'static str) {
    let (t, upstream) = spawn_close_delimited(version).await;
    let expected = WORDS.concat();

    let chat = stream(
        &t,
        "/v1/chat/completions",
        json!({"stream":true,"messages":[{"role":"user","content":"hi"}]}),
    )
    .await;
    let text: String = payloads(&chat)
        .iter()
        .filter_map(|c| {
            c["choices"][0]["delta"]["content"]
                .as_str()
                .map(str::to_string)
        })
        .collect();
    assert_eq!(text, expected, "{chat}");
    assert!(chat.ends_with("data: [DONE]\n\n"));

    let resp = stream(
        &t,
        "/v1/responses",
        json!({"model":"openclaw","input":"hi","stream":true}),
    )
    .await;
    let events = payloads(&resp);
    let last = events.last().unwrap();
    assert_eq!(last["type"], "response.completed", "{resp}");
    assert_eq!(
        last["response"]["output"][0]["content"][0]["text"],
        expected.as_str()
    );

    let run = stream(&t, "/v1/agent/run/stream", json!({"message":"hi"})).await;
    let deltas: String = payloads(&run)
        .iter()
        .filter_map(|d| d["delta"].as_str().map(str::to_string))
        .collect();
    assert_eq!(deltas, expected, "{run}");
    assert!(run.contains("event: done\n"), "{run}");

    let (s, b) = t
        .chat(json!({"messages":[{"role":"user","content":"hi"}]}))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["choices"][0]["message"]["content"], expected.as_str());
    assert_eq!(upstream.bodies().len(), 4, "one upstream call per request");
}
