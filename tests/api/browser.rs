//! Browser control end to end with a real Chromium (`CHROMIUM_PATH`, else `chromium`,
//! `chromium-browser` or `google-chrome` on `PATH`; missing is a failure, not a skip): fixture
//! pages from a local site, seed 003's curl examples, snapshots with refs, clicking and
//! typing, screenshots decoded as PNG, the SSRF policy inside the page, the WebSocket
//! methods, the agent loop driving the `browser` tool, and the browser's lifecycle (stopped
//! with the gateway, after idling, and cleaned up after a `kill -9`).

use crate::fake_site::{FakeSite, Page};
use crate::helpers::*;
use crate::ws_client::{WsClient, ALL};
use base64::Engine as _;
use clawgate_bench::mock::Reply;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// The Chromium the tests drive.
pub fn chromium() -> String {
    if let Ok(p) = std::env::var("CHROMIUM_PATH") {
        if !p.is_empty() {
            return p;
        }
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::split_paths(&path) {
            if dir.join(name).is_file() {
                return dir.join(name).display().to_string();
            }
        }
    }
    panic!("no Chromium: set CHROMIUM_PATH or install chromium (scripts/ensure-chromium.sh)");
}

fn browser_cfg(extra: &str) -> String {
    format!(
        r#"browser: {{ enabled: true, executablePath: "{}", ssrfPolicy: {{ allowedHosts: ["127.0.0.1"] }}, {extra} }},
           tools: {{ alsoAllow: ["browser"] }}"#,
        chromium()
    )
}

const INDEX: &str = r#"<html><head><title>Fixture page</title></head><body>
<h1 id="title">Browser fixture</h1>
<button id="go" onclick="document.getElementById('out').textContent = 'clicked: ' + document.getElementById('name').value">Press me</button>
<p id="out">not yet</p>
<form><label for="name">Your name</label> <input id="name">
<select id="color"><option value="r">Red</option><option value="g">Green</option></select></form>
<a href="/two.html">second page</a>
</body></html>"#;

const TWO: &str = "<html><head><title>Two</title></head><body><p>Second page</p></body></html>";

/// A page on an allowed host that tries to reach private addresses.
fn leak_page(private_port: u16) -> String {
    format!(
        r#"<html><head><title>Leak</title></head><body><p id="s">loading</p>
<img src="http://169.254.169.254/latest/meta-data/iam.png">
<img src="http://127.0.0.2:{private_port}/secret.png">
<script>
fetch('http://10.0.0.1/internal').then(() => 'reached', () => 'refused')
  .then(r => {{ document.getElementById('s').textContent = 'fetch ' + r; }});
</script></body></html>"#
    )
}

/// The ref of the snapshot line that contains `needle`.
fn ref_of(snapshot: &str, needle: &str) -> String {
    let line = snapshot
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no `{needle}` in:\n{snapshot}"));
    let i = line.find("[ref=").expect("ref") + 5;
    line[i..line[i..].find(']').unwrap() + i].to_string()
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let reader = decoder.read_info().expect("a valid PNG");
    let info = reader.info();
    (info.width, info.height)
}

/// Runs one block of `tests/fixtures/seed_browser_examples.sh` with curl (on a blocking
/// thread: the embedded gateway's actors share this test's thread); status, content type, body.
async fn seed_example(t: &TestGateway, name: &str, page: &str) -> (u16, String, Vec<u8>) {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/seed_browser_examples.sh"),
    )
    .unwrap();
    let block: String = text
        .split("### ")
        .find(|b| b.starts_with(name))
        .unwrap_or_else(|| panic!("no example {name}"))
        .lines()
        .skip(1)
        .collect::<Vec<_>>()
        .join("\n");
    let cmd = block
        .replace("http://localhost:18789", &t.base)
        .replace("https://example.com", page);
    let out_file = t.dir.path().join(format!("{name}.out"));
    let script = format!(
        "curl -sS -o '{}' -w '%{{http_code}} %{{content_type}}' {}",
        out_file.display(),
        cmd.trim().strip_prefix("curl ").unwrap()
    );
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("bash")
            .args(["-c", &script])
            .env("TOKEN", TOKEN)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta = String::from_utf8_lossy(&out.stdout).to_string();
    let (code, ctype) = meta.split_once(' ').unwrap();
    (
        code.parse().unwrap(),
        ctype.to_string(),
        std::fs::read(out_file).unwrap(),
    )
}

async fn get_json(t: &TestGateway, path: &str) -> (u16, Value) {
    let mut r = t.get(path).send().await.unwrap();
    let body = r.body().limit(64 << 20).await.unwrap();
    (
        r.status().as_u16(),
        serde_json::from_slice(&body).unwrap_or(Value::Null),
    )
}

async fn post(t: &TestGateway, path: &str, body: Value) -> (u16, Value) {
    let (s, _, v) = t.post_json(path, body).await;
    (s.as_u16(), v)
}

/// Whether `pid` is gone (no process, or a zombie no longer running).
fn dead(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, r)| r.split_whitespace().next())
            .is_some_and(|s| s == "Z" || s == "X"),
    }
}

/// Polls the process table (another process: no signal to wait on) up to 10 s.
async fn wait_dead(pid: i32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if dead(pid) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

fn recorded_pid(dir: &std::path::Path) -> i32 {
    let text = std::fs::read_to_string(dir.join("browser/default/chromium.pid")).expect("pid file");
    text.split_whitespace().next().unwrap().parse().unwrap()
}

#[actix_web::test]
async fn a_real_browser_is_driven_over_http_websocket_and_the_agent_tool() {
    let private = std::net::TcpListener::bind("127.0.0.2:0").expect("bind 127.0.0.2");
    let private_port = private.local_addr().unwrap().port();
    let leak = leak_page(private_port);
    let site = FakeSite::start(vec![
        ("/index.html", Page::html(INDEX)),
        ("/two.html", Page::html(TWO)),
        ("/leak.html", Page::html(&leak)),
    ])
    .await;
    let t = spawn_with("openai-completions", "", &browser_cfg("")).await;

    // Seed 003's three examples, in the seed's order.
    let (code, ctype, body) =
        seed_example(&t, "003-browser-status", &site.url("/index.html")).await;
    assert_eq!(code, 200);
    assert!(ctype.starts_with("application/json"));
    let status: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status["enabled"], true);
    assert_eq!(status["profiles"][0]["profile"], "default");
    let (code, ctype, body) =
        seed_example(&t, "003-browser-screenshot", &site.url("/index.html")).await;
    assert_eq!(
        (code, ctype.as_str()),
        (200, "image/png"),
        "{}",
        String::from_utf8_lossy(&body)
    );
    assert_eq!(png_size(&body), (1280, 720));
    let (code, _, body) = seed_example(&t, "003-browser-navigate", &site.url("/index.html")).await;
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&body));
    let nav: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(nav["success"], true);
    assert_eq!(nav["url"], site.url("/index.html"));
    assert_eq!(nav["title"], "Fixture page");
    let (_, status) = get_json(&t, "/v1/browser/status").await;
    assert_eq!(status["running"], true);
    assert!(status["version"].as_str().unwrap().contains("Chrome"));
    let pid = status["profiles"][0]["pid"].as_i64().unwrap() as i32;
    assert_eq!(pid, recorded_pid(t.dir.path()));

    // Snapshot refs; typing, then clicking a button that changes the page.
    let (s, snap) = get_json(&t, "/v1/browser/snapshot").await;
    assert_eq!(s, 200, "{snap}");
    let text = snap["snapshot"].as_str().unwrap();
    assert!(text.contains("heading \"Browser fixture\""), "{text}");
    let button = ref_of(text, "button \"Press me\"");
    let name = ref_of(text, "textbox \"Your name\"");
    let color = ref_of(text, "combobox");
    let (s, v) = post(
        &t,
        "/v1/browser/act",
        json!({"kind": "type", "ref": name, "text": "Ada"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = post(
        &t,
        "/v1/browser/act",
        json!({"kind": "select", "ref": color, "values": ["Green"]}),
    )
    .await;
    assert_eq!((s, &v["selected"]), (200, &json!(["g"])), "{v}");
    let (s, v) = post(
        &t,
        "/v1/browser/act",
        json!({"kind": "click", "ref": button}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = post(
        &t,
        "/v1/browser/act",
        json!({"kind": "wait", "text": "clicked: Ada", "timeoutMs": 5000}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (_, snap) = get_json(&t, "/v1/browser/snapshot").await;
    let text = snap["snapshot"].as_str().unwrap();
    assert!(text.contains("text: clicked: Ada"), "{text}");
    assert!(text.contains("value=\"Ada\""), "{text}");
    // Fill by selector, then read it back through a bounded wait.
    let (s, v) = post(
        &t,
        "/v1/browser/act",
        json!({"kind": "fill", "fields": [{"selector": "#name", "value": "Grace"}]}),
    )
    .await;
    assert_eq!((s, &v["filled"]), (200, &json!(1)), "{v}");
    let (_, snap) = get_json(&t, "/v1/browser/snapshot").await;
    assert!(snap["snapshot"]
        .as_str()
        .unwrap()
        .contains("value=\"Grace\""));
    // A wait that cannot succeed ends at its bound.
    let started = Instant::now();
    let (s, v) = post(
        &t,
        "/v1/browser/act",
        json!({"kind": "wait", "selector": "#never", "timeoutMs": 300}),
    )
    .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["error"]["code"], "conflict", "{v}");
    assert!(started.elapsed() < Duration::from_secs(5));

    // Screenshots: element by selector, JPEG, JSON with base64.
    let mut r = t
        .post("/v1/browser/screenshot")
        .send_json(&json!({"selector": "#title"}))
        .await
        .unwrap();
    let bytes = r.body().limit(64 << 20).await.unwrap();
    let (w, h) = png_size(&bytes);
    assert!(w > 0 && w <= 1280 && h > 0 && h < 200, "{w}x{h}");
    let mut r = t
        .post("/v1/browser/screenshot")
        .send_json(&json!({"type": "jpeg"}))
        .await
        .unwrap();
    assert_eq!(r.headers().get("content-type").unwrap(), "image/jpeg");
    assert_eq!(&r.body().limit(64 << 20).await.unwrap()[..2], &[0xFF, 0xD8]);
    let (s, v) = post(
        &t,
        "/v1/browser/screenshot",
        json!({"format": "base64", "fullPage": true}),
    )
    .await;
    assert_eq!(s, 200);
    let png = base64::engine::general_purpose::STANDARD
        .decode(v["data"].as_str().unwrap())
        .unwrap();
    assert_eq!(png_size(&png).0, 1280);

    // Navigation invalidates refs, and says so.
    let (s, _) = post(
        &t,
        "/v1/browser/navigate",
        json!({"url": site.url("/two.html")}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, v) = post(
        &t,
        "/v1/browser/act",
        json!({"kind": "click", "ref": button}),
    )
    .await;
    assert_eq!(s, 409, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("navigated since the snapshot"),
        "{v}"
    );

    // Refused navigations.
    for url in [
        "file:///etc/passwd",
        "chrome://version",
        "data:text/html,hi",
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.1/",
    ] {
        let (s, v) = post(&t, "/v1/browser/navigate", json!({"url": url})).await;
        assert_eq!(s, 403, "{url}: {v}");
        assert_eq!(v["error"]["code"], "forbidden");
    }
    let (s, v) = post(
        &t,
        "/v1/browser/act",
        json!({"kind": "evaluate", "fn": "() => document.cookie"}),
    )
    .await;
    assert_eq!(s, 403, "{v}");

    // A page on an allowed host cannot reach private addresses: every request is checked.
    let (s, _) = post(
        &t,
        "/v1/browser/navigate",
        json!({"url": site.url("/leak.html")}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, v) = post(
        &t,
        "/v1/browser/act",
        json!({"kind": "wait", "text": "fetch refused", "timeoutMs": 10000}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (_, status) = get_json(&t, "/v1/browser/status").await;
    let blocked: Vec<String> = status["profiles"][0]["blockedRequests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["url"].as_str().unwrap().to_string())
        .collect();
    for host in ["169.254.169.254", "127.0.0.2", "10.0.0.1"] {
        assert!(
            blocked.iter().any(|u| u.contains(host)),
            "{host} not blocked: {blocked:?}"
        );
    }
    private.set_nonblocking(true).unwrap();
    assert_eq!(
        private.accept().map(|_| ()).unwrap_err().kind(),
        std::io::ErrorKind::WouldBlock,
        "the private address was contacted"
    );

    // WebSocket: OpenClaw frames and the seed's simple dialect.
    let (mut ws, _) = WsClient::operator(&t, ALL).await;
    let res = ws
        .call("browser.navigate", json!({"url": site.url("/index.html")}))
        .await;
    assert_eq!(res["ok"], true, "{res}");
    let res = ws
        .call(
            "browser.screenshot",
            json!({"selector": "body", "fullPage": true}),
        )
        .await;
    assert_eq!(res["payload"]["mimeType"], "image/png", "{res}");
    let png = base64::engine::general_purpose::STANDARD
        .decode(res["payload"]["data"].as_str().unwrap())
        .unwrap();
    assert_eq!(png_size(&png), (1280, 720));
    let res = ws.call("browser.status", json!({})).await;
    assert_eq!(res["payload"]["running"], true);
    let mut simple = WsClient::open(&t, &format!("/?token={TOKEN}"), &[]).await;
    assert_eq!(simple.recv_json().await["event"], "connect.challenge");
    let connected = simple.recv_json().await;
    assert_eq!(connected["type"], "connected", "{connected}");
    assert_eq!(
        connected["data"]["capabilities"],
        json!(["chat", "channels", "browser"])
    );
    simple
        .send(json!({"method": "browser.screenshot", "params": {"selector": "#title"}, "id": 7}))
        .await;
    let (answer, _) = simple.until(|v| v["id"] == 7).await;
    assert_eq!(answer["result"]["mimeType"], "image/png", "{answer}");

    // The agent loop drives the tool: tool.call / tool.result events, untrusted page text.
    t.upstream.push(Reply::tool_call(
        "browser",
        &json!({"action": "navigate", "url": site.url("/index.html")}).to_string(),
    ));
    t.upstream.push(Reply::tool_call(
        "browser",
        &json!({"action": "snapshot"}).to_string(),
    ));
    t.upstream.push(Reply::text("I see a button."));
    let before = t.upstream.request_count();
    let mut r = t
        .post("/v1/agent/run/stream")
        .send_json(&json!({"message": "Open the fixture page", "sessionKey": "browse"}))
        .await
        .unwrap();
    let body = String::from_utf8(r.body().limit(8 << 20).await.unwrap().to_vec()).unwrap();
    let events: Vec<(String, Value)> = body
        .split("\n\n")
        .filter_map(|f| {
            let ev = f.lines().find_map(|l| l.strip_prefix("event: "))?;
            let data = f.lines().find_map(|l| l.strip_prefix("data: "))?;
            Some((ev.to_string(), serde_json::from_str(data).ok()?))
        })
        .collect();
    let calls: Vec<&Value> = events
        .iter()
        .filter(|(e, _)| e == "tool.call")
        .map(|(_, d)| d)
        .collect();
    let results: Vec<&Value> = events
        .iter()
        .filter(|(e, _)| e == "tool.result")
        .map(|(_, d)| d)
        .collect();
    assert_eq!(calls.len(), 2, "{body}");
    assert_eq!(calls[0]["tool"], "browser");
    let params = match &calls[0]["params"] {
        Value::String(s) => serde_json::from_str(s).unwrap(),
        v => v.clone(),
    };
    assert_eq!(params["action"], "navigate", "{body}");
    assert_eq!(results.len(), 2, "{body}");
    assert_eq!(results[0]["isError"], false, "{body}");
    let reqs = t.upstream.requests();
    assert!(offered_tools(&reqs[before]).contains(&"browser".to_string()));
    let seen = last_tool_text(&reqs[before + 2]);
    assert!(seen.contains("EXTERNAL_UNTRUSTED_CONTENT"), "{seen}");
    assert!(seen.contains("Press me"), "{seen}");

    // Stopping the gateway kills the browser and reaps it (no zombie left).
    let pid = recorded_pid(t.dir.path());
    let (_up, dir) = t.stop().await;
    assert!(wait_dead(pid).await, "chromium {pid} outlived the gateway");
    assert!(
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_err(),
        "chromium {pid} left a zombie"
    );
    assert!(!dir.path().join("browser/default/chromium.pid").exists());
    assert!(
        no_browsers_left(dir.path()).await,
        "{:?}",
        browsers_of(dir.path())
    );
}

#[actix_web::test]
async fn a_disabled_browser_answers_503_and_never_starts() {
    let t = spawn().await;
    let (s, v) = get_json(&t, "/v1/browser/status").await;
    assert_eq!((s, &v["enabled"]), (200, &json!(false)));
    for (path, body) in [
        (
            "/v1/browser/navigate",
            json!({"url": "https://example.com", "profile": "default"}),
        ),
        (
            "/v1/browser/screenshot",
            json!({"selector": "body", "fullPage": true}),
        ),
        ("/v1/browser/act", json!({"kind": "click", "ref": "e1"})),
    ] {
        let (s, v) = post(&t, path, body).await;
        assert_eq!(s, 503, "{path}: {v}");
        assert_eq!(v["error"]["code"], "service_unavailable");
        assert!(
            v["error"]["message"].as_str().unwrap().contains("disabled"),
            "{v}"
        );
    }
    assert!(!t.dir.path().join("browser/default/chromium.pid").exists());
}

#[actix_web::test]
async fn an_idle_browser_is_stopped() {
    let site = FakeSite::start(vec![("/index.html", Page::html(INDEX))]).await;
    let t = spawn_with(
        "openai-completions",
        "",
        &browser_cfg("idleTimeoutSeconds: 1"),
    )
    .await;
    let (s, v) = post(
        &t,
        "/v1/browser/navigate",
        json!({"url": site.url("/index.html")}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    // Polls the process table (the browser is another process) up to 10 s.
    let deadline = Instant::now() + Duration::from_secs(10);
    let pid_file = t.dir.path().join("browser/default/chromium.pid");
    while (!browsers_of(t.dir.path()).is_empty() || pid_file.exists()) && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        browsers_of(t.dir.path()),
        Vec::<i32>::new(),
        "the idle browser was not stopped"
    );
    let (_, status) = get_json(&t, "/v1/browser/status").await;
    assert_eq!(status["running"], false, "{status}");
    assert!(!pid_file.exists());
    // The next call starts a new one.
    let (s, v) = post(
        &t,
        "/v1/browser/navigate",
        json!({"url": site.url("/index.html")}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    // A browser that dies is started again by the next call.
    let pid = recorded_pid(t.dir.path());
    let killed = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert!(wait_dead(pid).await);
    let (s, v) = post(
        &t,
        "/v1/browser/navigate",
        json!({"url": site.url("/index.html")}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["title"], "Fixture page");
    let (_up, dir) = t.stop().await;
    assert!(
        no_browsers_left(dir.path()).await,
        "{:?}",
        browsers_of(dir.path())
    );
}

/// Polls the process table up to 10 s until no process of `dir`'s browsers runs.
async fn no_browsers_left(dir: &std::path::Path) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if browsers_of(dir).is_empty() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// Running Chromium processes (not zombies) whose command line names a folder under `dir`.
fn browsers_of(dir: &std::path::Path) -> Vec<i32> {
    let needle = dir.display().to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse::<i32>().ok())
        .filter(|pid| !dead(*pid))
        .filter(|pid| {
            let c = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let c = String::from_utf8_lossy(&c);
            c.contains(&needle) && c.contains("chrom")
        })
        .collect()
}

#[actix_web::test]
async fn a_browser_never_outlives_a_killed_gateway() {
    let site = FakeSite::start(vec![("/index.html", Page::html(INDEX))]).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("clawgate.json5");
    std::fs::write(
        &cfg,
        format!(
            "{{ gateway: {{ auth: {{ token: \"{TOKEN}\" }} }}, {} }}",
            browser_cfg("")
        ),
    )
    .unwrap();
    let port = crate::proc::free_port();
    let cfg_arg = cfg.display().to_string();
    let mut gw = crate::proc::start(dir.path(), port, &["--config", &cfg_arg]).await;
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish();
    let mut r = client
        .post(format!("http://127.0.0.1:{port}/v1/browser/navigate"))
        .insert_header(("authorization", format!("Bearer {TOKEN}")))
        .send_json(&json!({"url": site.url("/index.html")}))
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{:?}", r.body().await);
    let pid = recorded_pid(dir.path());
    assert!(!dead(pid));
    gw.0.kill().unwrap(); // SIGKILL: no shutdown code runs.
    gw.0.wait().unwrap();
    let _next = crate::proc::start(dir.path(), port, &["--config", &cfg_arg]).await;
    assert!(
        wait_dead(pid).await,
        "chromium {pid} survived the gateway's kill -9"
    );
    assert!(
        no_browsers_left(dir.path()).await,
        "{:?}",
        browsers_of(dir.path())
    );
    assert!(!dir.path().join("browser/default/chromium.pid").exists());
}
