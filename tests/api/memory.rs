//! Memory end to end over a fixture workspace of English and Chinese notes
//! (`tests/fixtures/memory`): keyword and hybrid search through `/api/v1/memory/search`, a
//! local fake embeddings provider (and the gateway failing closed once it stops), notes
//! written through `POST /api/v1/memory`, files edited on disk and reindexed by the watcher,
//! the `memory_search` / `memory_get` tools, and seed 001/004's examples.

use crate::helpers::*;
use clawgate_bench::embeddings::FakeEmbeddings;
use clawgate_bench::mock::{MockUpstream, Reply};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Copies the fixture into `ws`; `memory/DAY-<n>-slug.md` becomes today minus n days.
fn copy_fixture(from: &Path, ws: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(ws.join(&name)).unwrap();
            copy_fixture(&entry.path(), &ws.join(&name));
            continue;
        }
        let name = match name.strip_prefix("DAY-") {
            Some(rest) => {
                let (n, slug) = rest.split_once('-').unwrap();
                let day =
                    chrono::Local::now().date_naive() - chrono::Duration::days(n.parse().unwrap());
                format!("{}-{slug}", day.format("%Y-%m-%d"))
            }
            None => name,
        };
        std::fs::copy(entry.path(), ws.join(name)).unwrap();
    }
}

fn dated(days_ago: i64, slug: &str) -> String {
    let day = chrono::Local::now().date_naive() - chrono::Duration::days(days_ago);
    format!("memory/{}-{slug}.md", day.format("%Y-%m-%d"))
}

/// A gateway whose default workspace holds the fixture; `memory` is the `memory.search` block.
async fn spawn_memory(memory: &str) -> TestGateway {
    let upstream = MockUpstream::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("workspace");
    std::fs::create_dir_all(&ws).unwrap();
    copy_fixture(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/memory"),
        &ws,
    );
    let top = format!("memory: {{ search: {{ sync: {{ watchDebounceMs: 150 }}, {memory} }} }}");
    spawn_in(upstream, dir, "openai-completions", "", &top).await
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn search(t: &TestGateway, query: &str, extra: &str) -> (u16, Value) {
    let mut resp = t
        .get(&format!(
            "/api/v1/memory/search?query={}{extra}",
            encode(query)
        ))
        .send()
        .await
        .unwrap();
    let body = resp.body().await.unwrap();
    (
        resp.status().as_u16(),
        serde_json::from_slice(&body).unwrap_or(Value::Null),
    )
}

fn paths(v: &Value) -> Vec<String> {
    v["data"]["results"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| r["path"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// (query, expected file) pairs: English, Chinese of 2, 3, 4+ characters, a filename.
fn cases() -> Vec<(&'static str, String)> {
    vec![
        ("project deadline", "memory/projects/alpha.md".into()),
        ("项目截止日期", "memory/projects/alpha.md".into()),
        ("配置", "MEMORY.md".into()),
        ("杭州", dated(5, "trip")),
        ("红烧", "memory/recipes.md".into()),
        ("记忆", "memory/learning.md".into()),
        ("数据库", "memory/projects/alpha.md".into()),
        ("猫粮品牌", "memory/pets.md".into()),
        ("rollback kubernetes", dated(2, "deploy")),
        ("concise replies", "USER.md".into()),
        ("Hangzhou workshop", dated(5, "trip")),
        ("oat milk latte", "USER.md".into()),
        ("recipes", "memory/recipes.md".into()),
        ("乌龙茶", "MEMORY.md".into()),
    ]
}

async fn assert_cases(t: &TestGateway, mode: &str) {
    for (q, want) in cases() {
        let (s, v) = search(t, q, "").await;
        assert_eq!(s, 200, "{q}: {v}");
        assert_eq!(v["data"]["mode"], mode, "{q}: {v}");
        let got = paths(&v);
        assert!(
            got.iter().take(3).any(|p| *p == want),
            "{mode} `{q}`: want {want} in the top 3, got {got:?}"
        );
    }
}

#[actix_web::test]
async fn keyword_search_finds_english_and_chinese_notes() {
    let t = spawn_memory("").await;
    assert_cases(&t, "keyword").await;
    // A good keyword hit clears the default minScore (0.35) on its own.
    let (_, v) = search(&t, "项目截止日期", "").await;
    assert!(
        v["data"]["results"][0]["score"].as_f64().unwrap() > 0.6,
        "{v}"
    );
    assert_eq!(v["data"]["results"][0]["startLine"], 1);
    // Nothing relevant: nothing returned.
    let (_, v) = search(&t, "quantum chromodynamics", "").await;
    assert_eq!(paths(&v), Vec::<String>::new());
    // Bad parameters are the envelope's 400.
    let (s, v) = search(&t, "x", "&limit=0").await;
    assert_eq!((s, v["success"].clone()), (400, json!(false)), "{v}");
}

#[actix_web::test]
async fn hybrid_search_uses_the_embeddings_provider_and_fails_closed_without_it() {
    let emb = FakeEmbeddings::start().await.unwrap();
    let t = spawn_memory(&format!(
        "provider: \"openai-compatible\", model: \"fake-embed\", remote: {{ baseUrl: \"{}\", apiKey: \"sk-emb\" }}",
        emb.base_url()
    ))
    .await;
    assert_cases(&t, "hybrid").await;
    let (_, v) = search(&t, "杭州", "").await;
    assert_eq!(v["data"]["provider"], "openai-compatible");
    assert_eq!(v["data"]["model"], "fake-embed");
    let embedded = emb.inputs();
    assert!(embedded >= 8, "every chunk embedded once: {embedded}");
    // Status shows the vectors.
    let status =
        t.gw.as_ref()
            .unwrap()
            .state
            .app
            .memory_status("main", false)
            .await
            .unwrap();
    assert_eq!(status["mode"], "hybrid");
    assert_eq!(status["vectors"], status["chunks"]);
    emb.stop().await;
    let (s, v) = search(&t, "杭州", "").await;
    assert_eq!(s, 503, "{v}");
    assert_eq!(v["success"], false);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unavailable"),
        "{v}"
    );
    // The tool reports it instead of failing the turn.
    let (s, _, v) = t
        .post_json(
            "/tools/invoke",
            json!({"tool": "memory_search", "args": {"query": "杭州"}}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["result"]["details"]["unavailable"], true, "{v}");
}

#[actix_web::test]
async fn a_note_written_through_the_api_is_found_by_the_next_search() {
    let t = spawn_memory("").await;
    // Seed 001's example, verbatim.
    let (s, _, v) = t
        .post_json(
            "/api/v1/memory",
            json!({"content": "用户偏好简洁的回复风格", "tags": ["用户偏好", "风格"], "type": "long-term"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["success"], true);
    assert!(v["data"]["memoryId"].as_str().unwrap().starts_with("mem_"));
    assert!(v["data"]["createdAt"].as_str().unwrap().ends_with('Z'));
    let long = std::fs::read_to_string(t.dir.path().join("workspace/MEMORY.md")).unwrap();
    assert!(long.contains("用户偏好简洁的回复风格") && long.contains("Tags: 用户偏好, 风格"));
    // A daily note.
    let (s, _, v) = t
        .post_json(
            "/api/v1/memory",
            json!({"content": "Dentist appointment moved to Friday 9am"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (_, v) = search(&t, "dentist appointment", "").await;
    assert_eq!(
        paths(&v).first(),
        Some(&dated(0, "x").replace("-x", "")),
        "{v}"
    );
    let (_, v) = search(&t, "回复风格", "").await;
    assert!(paths(&v).contains(&"MEMORY.md".to_string()), "{v}");
    let (s, _, v) = t.post_json("/api/v1/memory", json!({"tags": []})).await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].clone()),
        (400, json!("invalid_request"))
    );
}

#[actix_web::test]
async fn an_edited_file_is_reindexed_without_a_restart() {
    let t = spawn_memory("").await;
    let (_, v) = search(&t, "zeppelin", "").await;
    assert!(paths(&v).is_empty());
    let file = t.dir.path().join("workspace/memory/pets.md");
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str("\nWe saw a zeppelin over the park on Sunday.\n");
    std::fs::write(&file, text).unwrap();
    std::fs::write(
        t.dir.path().join("workspace/memory/new-note.md"),
        "飞艇在公园上空飞过。\n",
    )
    .unwrap();
    // The watcher is external to the request: poll the search (through the tool, which has
    // no per-minute limit) with a deadline.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let a = tool_paths(&t, "zeppelin").await;
        let b = tool_paths(&t, "飞艇").await;
        if a.first().map(String::as_str) == Some("memory/pets.md")
            && b.first().map(String::as_str) == Some("memory/new-note.md")
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not reindexed: {a:?} {b:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // A deleted file leaves the index.
    std::fs::remove_file(t.dir.path().join("workspace/memory/new-note.md")).unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !tool_paths(&t, "飞艇").await.is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "deleted note still found"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The paths `memory_search` finds, through `/tools/invoke`.
async fn tool_paths(t: &TestGateway, query: &str) -> Vec<String> {
    let (s, _, v) = t
        .post_json(
            "/tools/invoke",
            json!({"tool": "memory_search", "args": {"query": query}}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    paths_of(&v["result"]["details"])
}

#[actix_web::test]
async fn the_model_searches_memory_and_reads_a_file() {
    let t = spawn_memory("").await;
    t.upstream.push(Reply::tool_call(
        "memory_search",
        r#"{"query":"项目截止日期"}"#,
    ));
    t.upstream.push(Reply::tool_call(
        "memory_get",
        r#"{"path":"memory/projects/alpha.md","from":2,"lines":2}"#,
    ));
    t.upstream.push(Reply::text("done"));
    let (s, body) = t
        .chat(json!({"user": "mem", "messages": [{"role": "user", "content": "when is the deadline?"}]}))
        .await;
    assert_eq!(s, 200, "{body}");
    let reqs = t.upstream.requests();
    assert_eq!(reqs.len(), 3);
    let offered: Vec<String> = reqs[0].body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap().to_string())
        .collect();
    assert!(
        offered.contains(&"memory_search".to_string()),
        "{offered:?}"
    );
    let tool_text = |i: usize| {
        reqs[i].body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .find(|m| m["role"] == "tool")
            .unwrap()["content"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let found: Value = serde_json::from_str(&tool_text(1)).unwrap();
    assert_eq!(found["results"][0]["path"], "memory/projects/alpha.md");
    assert_eq!(found["mode"], "keyword");
    assert!(found["results"][0]["snippet"]
        .as_str()
        .unwrap()
        .contains("2027年1月15日"));
    assert_eq!(
        tool_text(2),
        "\nThe project deadline is 2027-01-15; the design review happens one week before."
    );
    // memory_get reads memory files only.
    for path in ["../clawgate.json5", "/etc/passwd", "AGENTS.md"] {
        let (s, _, v) = t
            .post_json(
                "/tools/invoke",
                json!({"tool": "memory_get", "args": {"path": path}}),
            )
            .await;
        assert_eq!(s, 400, "{path}: {v}");
    }
}

/// Sends `GET <target>` with a body, byte for byte (raw UTF-8 in the URL, as curl does).
async fn raw_get(t: &TestGateway, target: &[u8], body: &str) -> (u16, Value) {
    let addr = t.base.trim_start_matches("http://").to_string();
    let mut sock = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut req = b"GET ".to_vec();
    req.extend_from_slice(target);
    req.extend_from_slice(
        format!(
            " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    );
    sock.write_all(&req).await.unwrap();
    let mut resp = Vec::new();
    sock.read_to_end(&mut resp).await.unwrap();
    let text = String::from_utf8_lossy(&resp).into_owned();
    let status = text[9..12].parse().unwrap();
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[actix_web::test]
async fn seed_examples_work_verbatim() {
    let t = spawn_memory("").await;
    // Seed 001: GET with the JSON body of the guide.
    let (s, v) = raw_get(
        &t,
        b"/api/v1/memory/search",
        r#"{
  "query": "OpenClaw 配置",
  "limit": 5,
  "minScore": 0.7
}"#,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["success"], true);
    let first = &v["data"]["results"][0];
    assert!(
        first["content"]
            .as_str()
            .unwrap()
            .contains("OpenClaw 配置文件位于"),
        "{v}"
    );
    assert_eq!(first["source"], "MEMORY.md");
    assert!(first["score"].as_f64().unwrap() >= 0.7);
    // Seed 001's curl: raw UTF-8 in the query string.
    let (s, v) = raw_get(&t, "/api/v1/memory/search?query=配置".as_bytes(), "").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["data"]["results"][0]["source"], "MEMORY.md");
    // Seed 004: /tools/invoke memory_search.
    let (s, _, v) = t
        .post_json(
            "/tools/invoke",
            json!({"tool": "memory_search", "args": {"query": "项目截止日期"}, "sessionKey": "main"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(
        v["result"]["details"]["results"][0]["path"],
        "memory/projects/alpha.md"
    );
}

fn cli(url: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_clawgate"))
        .arg("memory")
        .args(args)
        .args(["--url", url, "--token", TOKEN, "--json"])
        .env_remove("OPENCLAW_GATEWAY_TOKEN")
        .output()
        .unwrap()
}

/// Runs the CLI off the test's runtime (it has its own).
async fn cli_json(url: &str, args: &[&str]) -> Value {
    let (url, args): (String, Vec<String>) =
        (url.into(), args.iter().map(|a| a.to_string()).collect());
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let _ = tx.send(cli(&url, &args));
    });
    let out = rx.await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[actix_web::test]
async fn a_new_embedding_model_pauses_vectors_until_a_forced_reindex() {
    let emb = FakeEmbeddings::start().await.unwrap();
    let block = |model: &str| {
        format!(
            "provider: \"openai-compatible\", model: \"{model}\", remote: {{ baseUrl: \"{}\" }}",
            emb.base_url()
        )
    };
    let t = spawn_memory(&block("m1")).await;
    let v = cli_json(&t.base, &["search", "杭州"]).await;
    assert_eq!(v["mode"], "hybrid", "{v}");
    let first = emb.inputs();
    // Restart with the same settings: nothing is embedded again.
    let (upstream, dir) = t.stop().await;
    let top = format!(
        "memory: {{ search: {{ sync: {{ watchDebounceMs: 150 }}, {} }} }}",
        block("m1")
    );
    let t = spawn_in(upstream, dir, "openai-completions", "", &top).await;
    let v = cli_json(&t.base, &["status"]).await;
    assert_eq!(
        (v["mode"].clone(), v["stale"].clone()),
        (json!("hybrid"), json!(false)),
        "{v}"
    );
    assert_eq!(emb.inputs(), first, "unchanged chunks are not re-embedded");
    // Another model: keyword only, with a warning, until `memory index --force`.
    let (upstream, dir) = t.stop().await;
    let top = top.replace("\"m1\"", "\"m2\"");
    let t = spawn_in(upstream, dir, "openai-completions", "", &top).await;
    let v = cli_json(&t.base, &["search", "杭州"]).await;
    assert_eq!(v["mode"], "keyword", "{v}");
    assert!(v["warning"]
        .as_str()
        .unwrap()
        .contains("memory index --force"));
    assert_eq!(
        paths_of(&v).first().map(String::as_str),
        Some(dated(5, "trip").as_str())
    );
    let v = cli_json(&t.base, &["status", "--deep"]).await;
    assert_eq!(v["stale"], true, "{v}");
    assert_eq!(v["probe"]["ok"], true, "{v}");
    let v = cli_json(&t.base, &["index", "--force"]).await;
    assert_eq!(v["report"]["forced"], true, "{v}");
    assert!(v["report"]["indexed"].as_u64().unwrap() >= 8, "{v}");
    let v = cli_json(&t.base, &["search", "杭州"]).await;
    assert_eq!(
        (v["mode"].clone(), v["model"].clone()),
        (json!("hybrid"), json!("m2")),
        "{v}"
    );
    assert!(v.get("warning").is_none(), "{v}");
}

fn paths_of(v: &Value) -> Vec<String> {
    v["results"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| r["path"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[actix_web::test]
async fn v1_embeddings_serves_the_agents_memory_provider() {
    let emb = FakeEmbeddings::start().await.unwrap();
    let t = spawn_memory(&format!(
        "provider: \"openai-compatible\", model: \"fake-embed\", remote: {{ baseUrl: \"{}\" }}",
        emb.base_url()
    ))
    .await;
    let (s, _, v) = t
        .post_json(
            "/v1/embeddings",
            json!({"model": "openclaw", "input": ["你好", "hello"]}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["object"], "list");
    assert_eq!(v["model"], "fake-embed");
    assert_eq!(v["data"].as_array().unwrap().len(), 2);
    assert_eq!(v["data"][1]["index"], 1);
    assert_eq!(
        v["data"][0]["embedding"].as_array().unwrap().len(),
        clawgate_bench::embeddings::DIMS
    );
    assert!(v["usage"]["prompt_tokens"].as_u64().unwrap() > 0);
    // base64, dimensions, and the real model from x-openclaw-model.
    let mut resp = t
        .post("/v1/embeddings")
        .insert_header(("x-openclaw-model", "other-embed"))
        .send_json(&json!({"model": "openclaw/main", "input": "hello", "encoding_format": "base64", "dimensions": 64}))
        .await
        .unwrap();
    let v: Value = serde_json::from_slice(&resp.body().await.unwrap()).unwrap();
    assert_eq!(resp.status(), 200, "{v}");
    assert_eq!(v["model"], "other-embed");
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(v["data"][0]["embedding"].as_str().unwrap())
        .unwrap();
    assert_eq!(bytes.len(), 64 * 4);
    for (body, param) in [
        (json!({"model": "gpt-4", "input": "x"}), "model"),
        (json!({"model": "openclaw/nobody", "input": "x"}), "model"),
        (json!({"model": "openclaw", "input": []}), "input"),
        (
            json!({"model": "openclaw", "input": "x", "encoding_format": "hex"}),
            "encoding_format",
        ),
    ] {
        let (s, _, v) = t.post_json("/v1/embeddings", body).await;
        assert_eq!(
            (s.as_u16(), v["error"]["param"].clone()),
            (400, json!(param)),
            "{v}"
        );
    }
    emb.stop().await;
    let (s, _, v) = t
        .post_json("/v1/embeddings", json!({"model": "openclaw", "input": "x"}))
        .await;
    assert_eq!(s, 503, "{v}");
    assert_eq!(v["error"]["type"], "api_error");
}

#[actix_web::test]
async fn v1_embeddings_without_a_provider_says_how_to_configure_one() {
    let t = spawn_memory("").await;
    let (s, _, v) = t
        .post_json("/v1/embeddings", json!({"model": "openclaw", "input": "x"}))
        .await;
    assert_eq!(s, 400, "{v}");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("memory.search.provider"));
}

#[actix_web::test]
async fn websocket_memory_methods_follow_their_scopes() {
    use crate::ws_client::WsClient;
    let t = spawn_memory("").await;
    let (mut read, _) = WsClient::operator(&t, &["operator.read"]).await;
    let res = read.call("memory.search", json!({"query": "杭州"})).await;
    assert_eq!(res["ok"], true, "{res}");
    assert_eq!(res["payload"]["results"][0]["path"], dated(5, "trip"));
    assert_eq!(res["payload"]["mode"], "keyword");
    let res = read.call("memory.status", json!({})).await;
    assert_eq!(res["payload"]["files"], 8, "{res}");
    assert_eq!(res["payload"]["provider"], "none");
    let res = read.call("memory.index", json!({})).await;
    assert_eq!(res["error"]["message"], "missing scope: operator.admin");
    let res = read.call("memory.search", json!({})).await;
    assert_eq!(res["error"]["code"], "INVALID_REQUEST");
    let (mut admin, _) = WsClient::operator(&t, &["operator.admin"]).await;
    let res = admin.call("memory.index", json!({"force": true})).await;
    assert_eq!(res["payload"]["report"]["indexed"], 8, "{res}");
}
