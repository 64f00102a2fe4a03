//! Binary-level tests: the real `clawgate` process, killed with SIGKILL and restarted.

use clawgate_bench::mock::MockUpstream;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::Command;
use std::time::{Duration, Instant};

#[path = "support/proc.rs"]
mod proc;
use proc::*;

#[actix_web::test]
async fn no_config_starts_with_a_generated_token_printed_once() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut p = start(dir.path(), port, &[]).await;
    let mut line = String::new();
    let mut out = BufReader::new(p.0.stdout.take().unwrap());
    out.read_line(&mut line).unwrap();
    assert!(line.contains("Generated a gateway token"), "{line}");
    let mut token = String::new();
    out.read_line(&mut token).unwrap();
    let token = token.trim().to_string();
    assert_eq!(token.len(), 48);
    let saved = std::fs::read_to_string(dir.path().join("gateway.token")).unwrap();
    assert_eq!(saved.trim(), token);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("gateway.token"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let c = awc::Client::default();
    let url = format!("http://127.0.0.1:{port}/v1/models");
    assert_eq!(c.get(&url).send().await.unwrap().status(), 401);
    assert_eq!(
        c.get(&url)
            .insert_header(("authorization", format!("Bearer {token}")))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // No provider: a clear 503, not a hang.
    let mut r = c
        .post(format!("http://127.0.0.1:{port}/v1/chat/completions"))
        .insert_header(("authorization", format!("Bearer {token}")))
        .send_json(&json!({"messages":[{"role":"user","content":"hi"}]}))
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["error"]["code"], "provider_not_configured");
    drop(p);
    // A restart reuses the saved token and prints nothing.
    let mut p = start(dir.path(), port, &[]).await;
    drop(p.0.stdout.take());
    assert_eq!(
        c.get(&url)
            .insert_header(("authorization", format!("Bearer {token}")))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[actix_web::test]
async fn kill_9_loses_no_acknowledged_message() {
    let upstream = MockUpstream::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("clawgate.json5");
    std::fs::write(
        &cfg,
        format!(r#"{{ gateway: {{ auth: {{ token: "t0k" }} }}, models: {{ providers: {{ mock: {{ baseUrl: "{}", models: [{{ id: "m" }}] }} }} }} }}"#, upstream.base_url()),
    )
    .unwrap();
    let port = free_port();
    let c = awc::Client::default();
    let chat = |text: &'static str| {
        c.post(format!("http://127.0.0.1:{port}/v1/chat/completions"))
            .insert_header(("authorization", "Bearer t0k"))
            .send_json(&json!({"user":"durable","messages":[{"role":"user","content":text}]}))
    };
    let p = start(dir.path(), port, &[]).await;
    for text in ["first", "second", "third"] {
        assert_eq!(chat(text).await.unwrap().status(), 200);
    }
    let pid = p.0.id() as i32;
    // SIGKILL: no chance to flush or shut down.
    assert_eq!(
        Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .unwrap()
            .code(),
        Some(0)
    );
    drop(p);
    let _p = start(dir.path(), port, &[]).await;
    assert_eq!(chat("fourth").await.unwrap().status(), 200);
    let last = upstream.requests().last().unwrap().body.clone();
    let texts: Vec<&str> = last["messages"]
        .as_array()
        .unwrap()
        .iter()
        .skip(1)
        .map(|m| m["content"].as_str().unwrap_or(""))
        .collect();
    let hello = "Hello from the mock model.";
    assert_eq!(
        texts,
        ["first", hello, "second", hello, "third", hello, "fourth"]
    );
}

#[test]
fn config_validate_names_the_bad_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.json5");
    std::fs::write(&good, "{ gateway: { port: 19999 } }").unwrap();
    let out = Command::new(BIN)
        .args(["config", "validate", "--config"])
        .arg(&good)
        .output()
        .unwrap();
    assert!(out.status.success());
    let bad = dir.path().join("bad.json5");
    std::fs::write(&bad, "{\n  gateway: {\n    prot: 1,\n  },\n}\n").unwrap();
    let out = Command::new(BIN)
        .args(["config", "validate", "--config"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("gateway.prot") && err.contains("bad.json5:3"),
        "{err}"
    );
}

#[test]
fn a_public_bind_without_auth_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args([
            "gateway",
            "run",
            "--bind",
            "lan",
            "--auth",
            "none",
            "--port",
            "0",
            "--state-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("refusing to bind"));
}

#[actix_web::test]
async fn sigterm_lets_a_running_turn_finish_then_exits_0() {
    let upstream = MockUpstream::start().await.unwrap();
    upstream.set_default(
        clawgate_bench::mock::Reply::text("slow answer")
            .with_first_byte_delay(Duration::from_millis(800)),
    );
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("clawgate.json5");
    std::fs::write(&cfg, format!(r#"{{ gateway: {{ auth: {{ token: "t0k" }} }}, models: {{ providers: {{ mock: {{ baseUrl: "{}", models: [{{ id: "m" }}] }} }} }} }}"#, upstream.base_url())).unwrap();
    let port = free_port();
    let mut p = start(dir.path(), port, &[]).await;
    let c = awc::Client::builder()
        .timeout(Duration::from_secs(10))
        .finish();
    let req = c
        .post(format!("http://127.0.0.1:{port}/v1/chat/completions"))
        .insert_header(("authorization", "Bearer t0k"))
        .send_json(&json!({"user":"late","messages":[{"role":"user","content":"hi"}]}));
    let killer = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        Command::new("kill")
            .args(["-TERM", &p.0.id().to_string()])
            .status()
            .unwrap();
    };
    let (resp, _) = futures_util::join!(req, killer);
    let mut resp = resp.expect("in-flight turn answered");
    assert_eq!(resp.status(), 200);
    let b: Value = resp.json().await.unwrap();
    assert_eq!(b["choices"][0]["message"]["content"], "slow answer");
    assert_eq!(p.exit_code().await, Some(0));
}

#[actix_web::test]
async fn the_agent_and_status_commands_talk_to_a_running_gateway() {
    let upstream = MockUpstream::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("clawgate.json5");
    std::fs::write(&cfg, format!(r#"{{ gateway: {{ auth: {{ token: "t0k" }} }}, models: {{ providers: {{ mock: {{ baseUrl: "{}", models: [{{ id: "m" }}] }} }} }} }}"#, upstream.base_url())).unwrap();
    let port = free_port();
    let _p = start(dir.path(), port, &[]).await;
    let url = format!("http://127.0.0.1:{port}");
    let (code, out, err) = actix_web::rt::task::spawn_blocking({
        let url = url.clone();
        move || run_cmd(&["agent", "-m", "hi", "--url", &url, "--token", "t0k"])
    })
    .await
    .unwrap();
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "Hello from the mock model.\n");
    let (code, out, _) = actix_web::rt::task::spawn_blocking({
        let url = url.clone();
        move || {
            run_cmd(&[
                "agent", "-m", "again", "--agent", "main", "--url", &url, "--token", "t0k",
                "--json",
            ])
        }
    })
    .await
    .unwrap();
    assert_eq!(code, Some(0));
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["sessionKey"], "agent:main:main");
    assert_eq!(v["response"], "Hello from the mock model.");
    let (code, out, _) = actix_web::rt::task::spawn_blocking({
        let url = url.clone();
        move || run_cmd(&["status", "--url", &url, "--token", "t0k"])
    })
    .await
    .unwrap();
    assert_eq!(code, Some(0));
    assert!(
        out.contains("2 stored") || out.contains("1 stored"),
        "{out}"
    );
    let (code, _, err) = actix_web::rt::task::spawn_blocking(move || {
        run_cmd(&["status", "--url", &url, "--token", "wrong"])
    })
    .await
    .unwrap();
    assert_eq!(code, Some(1));
    assert!(err.contains("401"), "{err}");
}

#[actix_web::test]
async fn the_cron_command_manages_jobs_on_a_running_gateway() {
    let upstream = MockUpstream::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("clawgate.json5");
    std::fs::write(&cfg, format!(r#"{{ gateway: {{ auth: {{ token: "t0k" }} }}, models: {{ providers: {{ mock: {{ baseUrl: "{}", models: [{{ id: "m" }}] }} }} }} }}"#, upstream.base_url())).unwrap();
    let port = free_port();
    let _p = start(dir.path(), port, &[]).await;
    let url = format!("http://127.0.0.1:{port}");
    let cli = |args: Vec<String>| {
        let url = url.clone();
        actix_web::rt::task::spawn_blocking(move || {
            let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
            all.extend(["--url", &url, "--token", "t0k"]);
            run_cmd(&all)
        })
    };
    let args = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();

    let (code, out, err) = cli(args(
        "cron add --name Brief --every 1h --session isolated --message hello --no-deliver --json",
    ))
    .await
    .unwrap();
    assert_eq!(code, Some(0), "{err}");
    let job: Value = serde_json::from_str(out.trim()).unwrap();
    let id = job["id"].as_str().unwrap().to_string();
    assert_eq!(
        job["schedule"],
        json!({"kind": "every", "everyMs": 3_600_000})
    );
    assert_eq!(job["delivery"]["mode"], "none");

    let (code, out, _) = cli(args("cron list")).await.unwrap();
    assert_eq!(code, Some(0));
    assert!(
        out.contains(&id) && out.contains("Brief") && out.contains("every 3600000 ms"),
        "{out}"
    );

    let (code, out, _) = cli(args(&format!("cron edit {id} --disable --json")))
        .await
        .unwrap();
    assert_eq!(code, Some(0));
    assert_eq!(
        serde_json::from_str::<Value>(out.trim()).unwrap()["enabled"],
        false
    );
    let (_, out, _) = cli(args("cron list")).await.unwrap();
    assert_eq!(out.trim(), "no cron jobs");
    let (_, out, _) = cli(args("cron list --all --json")).await.unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(out.trim()).unwrap()["total"],
        1
    );

    let (code, out, _) = cli(args(&format!("cron run {id} --json"))).await.unwrap();
    assert_eq!(code, Some(0));
    let run: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(
        (run["ok"].as_bool(), run["enqueued"].as_bool()),
        (Some(true), Some(true))
    );
    let mut entries = Value::Null;
    for _ in 0..100 {
        let (_, out, _) = cli(args(&format!("cron runs --id {id} --json")))
            .await
            .unwrap();
        entries = serde_json::from_str::<Value>(out.trim()).unwrap()["entries"].clone();
        if entries.as_array().is_some_and(|e| !e.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(entries[0]["status"], "ok", "{entries}");
    assert_eq!(entries[0]["summary"], "Hello from the mock model.");

    let (code, out, _) = cli(args("cron status")).await.unwrap();
    assert_eq!(code, Some(0));
    assert!(out.starts_with("cron enabled — 1 job(s)"), "{out}");
    let (code, out, _) = cli(args(&format!("cron remove {id}"))).await.unwrap();
    assert_eq!((code, out.trim()), (Some(0), "removed"));

    let (code, _, err) = cli(args("cron add --name x --message y")).await.unwrap();
    assert_eq!(code, Some(1));
    assert!(err.contains("--at, --every or --cron"), "{err}");
    let (code, _, err) = actix_web::rt::task::spawn_blocking(move || {
        run_cmd(&["cron", "list", "--url", &url, "--token", "wrong"])
    })
    .await
    .unwrap();
    assert_eq!(code, Some(1));
    assert!(
        err.contains("unauthorized") || err.contains("Unauthorized") || err.contains("token"),
        "{err}"
    );
}

#[test]
fn a_hook_mapping_with_a_js_transform_is_refused_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("clawgate.json5");
    std::fs::write(
        &cfg,
        r#"{ hooks: { enabled: true, token: "hook-secret", mappings: [{ match: { path: "x" }, transform: { module: "x.js" } }] } }"#,
    )
    .unwrap();
    let (code, _, err) = run_cmd(&["config", "validate", "--config", cfg.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(err.contains("hooks.mappings[0].transform"), "{err}");
    assert!(err.contains("cannot run in clawgate"), "{err}");
    std::fs::write(
        &cfg,
        r#"{ gateway: { auth: { token: "same" } }, hooks: { enabled: true, token: "same" } }"#,
    )
    .unwrap();
    let (code, _, err) = run_cmd(&["config", "validate", "--config", cfg.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("hooks.token must not match gateway auth token"),
        "{err}"
    );
}

#[test]
fn the_skills_commands_read_the_skill_folders_without_a_gateway() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("clawgate.json5"),
        "{ skills: { load: { includeUserDir: false } } }",
    )
    .unwrap();
    let root = dir.path().join("workspace/skills");
    for (name, text) in [
        ("weather", "---\nname: weather\ndescription: 查询天气预报\nversion: 1.0.0\n---\nUse {baseDir}/wttr.sh\n"),
        ("needs-bin", "---\nname: needs-bin\ndescription: d\nmetadata: {\"openclaw\": {\"requires\": {\"bins\": [\"clawgate-no-such-binary\"]}}}\n---\n"),
        ("broken", "---\nname: broken\n---\n"),
    ] {
        std::fs::create_dir_all(root.join(name)).unwrap();
        std::fs::write(root.join(name).join("SKILL.md"), text).unwrap();
    }
    let state = dir.path().to_string_lossy().to_string();
    let (code, out, err) = run_cmd(&["skills", "list", "--json", "--state-dir", &state]);
    assert_eq!(code, Some(0), "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let names: Vec<&str> = v["skills"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["needs-bin", "weather"]);
    assert_eq!(
        v["skills"][0]["missing"]["bins"],
        json!(["clawgate-no-such-binary"])
    );
    assert_eq!(v["errors"][0]["line"], 2);

    let (code, out, _) = run_cmd(&["skills", "check", "--state-dir", &state]);
    assert_eq!(code, Some(0));
    assert!(
        out.starts_with("2 skills: 1 ready, 0 disabled, 1 missing requirements, 1 malformed"),
        "{out}"
    );
    assert!(out.contains("needs-bin") && out.contains("missing bins: clawgate-no-such-binary"));
    assert!(
        out.contains("broken/SKILL.md:2: `description` is required"),
        "{out}"
    );

    let (code, out, _) = run_cmd(&["skills", "info", "weather", "--state-dir", &state]);
    assert_eq!(code, Some(0));
    let base = root.join("weather");
    assert!(
        out.contains(&format!("Use {}/wttr.sh", base.display())),
        "{out}"
    );
    assert!(out.contains("version: 1.0.0"), "{out}");
    let (code, _, err) = run_cmd(&["skills", "info", "nope", "--state-dir", &state]);
    assert_eq!(code, Some(1));
    assert!(err.contains("no skill named nope"), "{err}");
}

#[actix_web::test]
async fn a_first_start_creates_the_state_directory_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("fresh/state");
    let port = free_port();
    let _p = start(&state, port, &[]).await;
    for d in [&state, &dir.path().join("fresh")] {
        let mode = std::fs::metadata(d).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{} is {mode:o}", d.display());
    }
    let mode = std::fs::metadata(state.join("gateway.token"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
}

#[actix_web::test]
async fn sigterm_past_the_grace_ends_running_and_queued_streams_with_an_error_then_exits_0() {
    let upstream = MockUpstream::start().await.unwrap();
    upstream.set_default(clawgate_bench::mock::Reply::Hang {
        duration: Duration::from_secs(60),
    });
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("clawgate.json5");
    std::fs::write(&cfg, format!(r#"{{ gateway: {{ auth: {{ token: "t0k" }}, shutdownGraceSeconds: 1 }}, models: {{ providers: {{ mock: {{ baseUrl: "{}", models: [{{ id: "m" }}] }} }} }} }}"#, upstream.base_url())).unwrap();
    let port = free_port();
    let mut p = start(dir.path(), port, &[]).await;
    let c = awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish();
    let stream = |text: &str| {
        c.post(format!("http://127.0.0.1:{port}/v1/chat/completions"))
            .insert_header(("authorization", "Bearer t0k"))
            .insert_header(("x-openclaw-session-key", "busy"))
            .send_json(&json!({"stream":true,"messages":[{"role":"user","content":text}]}))
    };
    // The first turn runs (the upstream holds it); the second waits behind it on the session.
    let mut running = stream("first").await.unwrap();
    let mut queued = stream("second").await.unwrap();
    assert_eq!(
        (running.status().as_u16(), queued.status().as_u16()),
        (200, 200)
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while upstream.request_count() == 0 {
        assert!(
            Instant::now() < deadline,
            "the first turn never reached the upstream"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Command::new("kill")
        .args(["-TERM", &p.0.id().to_string()])
        .status()
        .unwrap();
    for (name, resp) in [("running", &mut running), ("queued", &mut queued)] {
        let body = resp.body().limit(1 << 20).await.expect(name);
        let body = String::from_utf8_lossy(&body);
        let data: Vec<&str> = body
            .lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .collect();
        assert_eq!(data.last(), Some(&"[DONE]"), "{name}: {body}");
        let end: Value = serde_json::from_str(data[data.len() - 2]).unwrap();
        assert!(
            end.get("error").is_some() || end["choices"][0]["finish_reason"].as_str().is_some(),
            "{name} ends with an error or a finish, not a cut: {end}"
        );
    }
    assert_eq!(p.exit_code().await, Some(0));
    // Every run's final state was recorded before exit: opening the store finds no row left
    // `running` (it would count and mark them `interrupted`).
    let (_, left_running) = clawgate::storage::open(dir.path()).unwrap();
    assert_eq!(left_running, 0, "runs left `running` after shutdown");
}
