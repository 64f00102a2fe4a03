//! Test harness: a real gateway on 127.0.0.1:0 with a temp state dir, pointed at a real
//! scripted upstream (`clawgate_bench::mock`), plus small HTTP helpers.

use awc::http::StatusCode;
use clawgate::config::{self, Overrides};
use clawgate::startup::{Gateway, RunningGateway};
use clawgate_bench::mock::MockUpstream;
use serde_json::Value;
use std::time::Duration;

pub const TOKEN: &str = "test-token-123";

pub struct TestGateway {
    pub base: String,
    pub upstream: MockUpstream,
    pub gw: Option<RunningGateway>,
    pub dir: tempfile::TempDir,
}

/// Starts a gateway whose config is `extra` (JSON5 merged by hand into the template below).
pub async fn spawn_with(api: &str, gateway_extra: &str, top_extra: &str) -> TestGateway {
    let upstream = MockUpstream::start().await.expect("mock upstream");
    let dir = tempfile::tempdir().unwrap();
    spawn_in(upstream, dir, api, gateway_extra, top_extra).await
}

pub async fn spawn() -> TestGateway {
    spawn_with("openai-completions", "", "").await
}

pub async fn spawn_in(
    upstream: MockUpstream,
    dir: tempfile::TempDir,
    api: &str,
    gateway_extra: &str,
    top_extra: &str,
) -> TestGateway {
    let cfg_text = format!(
        r#"{{
  gateway: {{ auth: {{ mode: "token", token: "{TOKEN}" }}, {gateway_extra} }},
  models: {{ providers: {{ mock: {{ baseUrl: "{}", apiKey: "sk-upstream-secret", api: "{api}", models: [{{ id: "mock-model" }}, {{ id: "vision-model", input: ["text", "image"] }}] }} }} }},
  agents: {{ defaults: {{ model: {{ primary: "mock/mock-model" }} }}, list: [{{ id: "main", default: true }}, {{ id: "beta" }}] }},
  {top_extra}
}}"#,
        upstream.base_url()
    );
    start_gateway(upstream, dir, &cfg_text).await
}

pub async fn start_gateway(
    upstream: MockUpstream,
    dir: tempfile::TempDir,
    cfg_text: &str,
) -> TestGateway {
    let path = dir.path().join("clawgate.json5");
    std::fs::write(&path, cfg_text).unwrap();
    let cfg = config::load(
        Some(&path),
        &Overrides {
            port: Some(0),
            state_dir: Some(dir.path().to_path_buf()),
            ..Default::default()
        },
    )
    .expect("config");
    let gw = Gateway::build(cfg).await.expect("gateway").spawn();
    let base = format!("http://127.0.0.1:{}", gw.state.port);
    TestGateway {
        base,
        upstream,
        gw: Some(gw),
        dir,
    }
}

impl TestGateway {
    pub fn client(&self) -> awc::Client {
        awc::Client::builder()
            .timeout(Duration::from_secs(20))
            .finish()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn post(&self, path: &str) -> awc::ClientRequest {
        self.client()
            .post(self.url(path))
            .insert_header(("authorization", format!("Bearer {TOKEN}")))
            .insert_header(("content-type", "application/json"))
    }

    pub fn get(&self, path: &str) -> awc::ClientRequest {
        self.client()
            .get(self.url(path))
            .insert_header(("authorization", format!("Bearer {TOKEN}")))
    }

    /// POST JSON, return status, headers and parsed body.
    pub async fn post_json(
        &self,
        path: &str,
        body: Value,
    ) -> (StatusCode, awc::http::header::HeaderMap, Value) {
        let mut resp = self.post(path).send_json(&body).await.expect("send");
        let bytes = resp.body().limit(64 * 1024 * 1024).await.expect("body");
        let v = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
        (resp.status(), resp.headers().clone(), v)
    }

    pub async fn chat(&self, body: Value) -> (StatusCode, Value) {
        let (s, _, v) = self.post_json("/v1/chat/completions", body).await;
        (s, v)
    }

    /// Stops the gateway (keeps the state dir and upstream) and returns the parts.
    pub async fn stop(mut self) -> (MockUpstream, tempfile::TempDir) {
        if let Some(gw) = self.gw.take() {
            gw.stop().await;
        }
        (self.upstream, self.dir)
    }

    pub fn store(&self) -> &clawgate::storage::Store {
        self.gw.as_ref().unwrap().state.app.store()
    }
}

/// Reads an SSE body fully and returns the `data:` payloads in order.
pub async fn read_sse_data(
    resp: &mut awc::ClientResponse<
        impl futures_util::Stream<Item = Result<bytes::Bytes, awc::error::PayloadError>> + Unpin,
    >,
) -> Vec<String> {
    let bytes = resp.body().limit(64 * 1024 * 1024).await.expect("sse body");
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    text.split("\n\n")
        .filter_map(|frame| {
            frame
                .lines()
                .find_map(|l| l.strip_prefix("data: "))
                .map(str::to_string)
        })
        .collect()
}

/// Waits until `f` is true (polling), up to 5 s.
pub async fn eventually<F: FnMut() -> bool>(mut f: F) -> bool {
    for _ in 0..100 {
        if f() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// The text of the last user message the upstream received (OpenAI shape).
pub fn last_user_text(body: &Value) -> String {
    body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|m| m["role"] == "user")
        .map(|m| m["content"].as_str().unwrap_or("").to_string())
        .unwrap_or_default()
}

/// The text of the last tool result the model was sent in `req` (OpenAI shape).
pub fn last_tool_text(req: &clawgate_bench::mock::RecordedRequest) -> String {
    let msgs = req.body["messages"].as_array().expect("messages");
    let m = msgs
        .iter()
        .rev()
        .find(|m| m["role"] == "tool")
        .expect("a tool result");
    m["content"].as_str().unwrap_or_default().to_string()
}

/// The last tool result the model was sent in `req`, parsed as JSON.
pub fn last_tool_json(req: &clawgate_bench::mock::RecordedRequest) -> Value {
    serde_json::from_str(&last_tool_text(req)).expect("JSON tool result")
}

/// Names of the tools offered to the model in `req`.
pub fn offered_tools(req: &clawgate_bench::mock::RecordedRequest) -> Vec<String> {
    req.body["tools"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|t| {
                    t["function"]["name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string()
                })
                .collect()
        })
        .unwrap_or_default()
}
