//! The operator commands as a user types them, against the real binary: `config
//! get|set|unset`, `auth generate-token`, `agent --local` with no gateway, and against a running
//! gateway `agent --deliver`, `health`, `gateway call`, `sessions …`, `logs`; `completions`.

#[path = "support/fake_http.rs"]
#[allow(dead_code)]
mod fake_http;
#[path = "support/form_body.rs"]
mod form_body;
#[path = "support/proc.rs"]
mod proc;

use clawgate_bench::mock::MockUpstream;
use fake_http::FakeHttp;
use proc::*;
use serde_json::{json, Value};

fn in_dir(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let mut all: Vec<&str> = args.to_vec();
    let d = dir.to_str().unwrap();
    all.extend(["--state-dir", d]);
    run_cmd(&all)
}

#[test]
fn config_get_set_and_unset_edit_the_file_and_an_invalid_change_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (code, out, err) = in_dir(d, &["config", "set", "gateway.port", "19999"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("set gateway.port"), "{out}");
    let (code, out, _) = in_dir(d, &["config", "get", "gateway.port"]);
    assert_eq!((code, out.as_str()), (Some(0), "19999\n"));
    let (code, _, _) = in_dir(
        d,
        &["config", "set", "hooks", "{enabled: true, token: 'h00k'}"],
    );
    assert_eq!(code, Some(0));
    let (_, out, _) = in_dir(d, &["config", "get", "hooks", "--json"]);
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap(),
        json!({"enabled": true, "token": "h00k"})
    );

    let before = std::fs::read_to_string(d.join("clawgate.json5")).unwrap();
    let (code, _, err) = in_dir(d, &["config", "set", "gateway.bindd", "lan"]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("gateway.bindd"),
        "the error names the key: {err}"
    );
    let after = std::fs::read_to_string(d.join("clawgate.json5")).unwrap();
    assert_eq!(before, after, "an invalid change leaves the file as it was");

    let (code, _, _) = in_dir(d, &["config", "unset", "gateway.port"]);
    assert_eq!(code, Some(0));
    let (code, _, err) = in_dir(d, &["config", "get", "gateway.port"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("not set"), "{err}");
}

#[test]
fn auth_generate_token_rotates_the_saved_token_and_config_get_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("gateway.token"), "old-token\n").unwrap();
    let (code, out, err) = in_dir(d, &["auth", "generate-token"]);
    assert_eq!(code, Some(0), "{err}");
    let token = out.trim().to_string();
    assert_eq!(token.len(), 48);
    assert_ne!(token, "old-token");
    let saved = std::fs::read_to_string(d.join("gateway.token")).unwrap();
    assert_eq!(saved.trim(), token);
    // The seed's `config get gateway.auth.token` shows the token in use.
    let (code, out, _) = in_dir(d, &["config", "get", "gateway.auth.token"]);
    assert_eq!((code, out.trim()), (Some(0), token.as_str()));

    // A token kept in the config file is rotated there.
    std::fs::write(
        d.join("clawgate.json5"),
        "{ gateway: { auth: { token: 'in-config' } } }",
    )
    .unwrap();
    let (code, out, _) = in_dir(d, &["auth", "generate-token", "--json"]);
    assert_eq!(code, Some(0));
    let v: Value = serde_json::from_str(&out).unwrap();
    let (_, got, _) = in_dir(d, &["config", "get", "gateway.auth.token"]);
    assert_eq!(got.trim(), v["token"].as_str().unwrap());
}

#[actix_web::test]
async fn agent_local_answers_with_no_gateway_running() {
    let upstream = MockUpstream::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = format!(
        r#"{{ models: {{ providers: {{ mock: {{ baseUrl: "{}", models: [{{ id: "m" }}] }} }} }} }}"#,
        upstream.base_url()
    );
    std::fs::write(dir.path().join("clawgate.json5"), cfg).unwrap();
    let d = dir.path().to_path_buf();
    let (code, out, err) = actix_web::rt::task::spawn_blocking(move || {
        // Seed 004, verbatim but for the binary name.
        in_dir(
            &d,
            &[
                "agent",
                "--local",
                "--agent",
                "main",
                "--message",
                "检查系统状态",
                "--json",
            ],
        )
    })
    .await
    .unwrap();
    assert_eq!(code, Some(0), "{err}");
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["response"], "Hello from the mock model.");
    assert_eq!(v["sessionKey"], "agent:main:main");
    let reqs = upstream.requests();
    assert_eq!(reqs.len(), 1);
    assert!(reqs[0].body.to_string().contains("检查系统状态"));
    assert!(
        !dir.path().join("gateway.token").exists(),
        "a local turn needs no gateway token"
    );
}

#[actix_web::test]
async fn operator_commands_talk_to_a_running_gateway_and_agent_deliver_reaches_the_channel() {
    let upstream = MockUpstream::start().await.unwrap();
    let callback = FakeHttp::start(|_, _| (200, json!({"ok": true, "messageId": "m-1"}))).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = format!(
        r#"{{ gateway: {{ auth: {{ token: "t0k" }} }},
             models: {{ providers: {{ mock: {{ baseUrl: "{}", models: [{{ id: "m" }}] }} }} }},
             channels: {{ webhook: {{ secret: "s3cret", callbackUrl: "{}/reply", allowPrivateNetwork: true }} }} }}"#,
        upstream.base_url(),
        callback.url()
    );
    std::fs::write(dir.path().join("clawgate.json5"), cfg).unwrap();
    let port = free_port();
    let _p = start(dir.path(), port, &[]).await;
    let url = format!("http://127.0.0.1:{port}");
    let cli = |args: &[&str]| {
        let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        all.extend(["--url".into(), url.clone(), "--token".into(), "t0k".into()]);
        actix_web::rt::task::spawn_blocking(move || {
            let refs: Vec<&str> = all.iter().map(String::as_str).collect();
            run_cmd(&refs)
        })
    };

    let (code, out, err) = cli(&[
        "agent",
        "--message",
        "生成周报",
        "--deliver",
        "--reply-channel",
        "webhook",
        "--reply-to",
        "ops-room",
    ])
    .await
    .unwrap();
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "Hello from the mock model.\n");
    assert!(err.contains("delivered to webhook"), "{err}");
    let sent = callback.wait_for("/reply", 1).await;
    assert_eq!(
        sent[0].body["text"], "Hello from the mock model.",
        "{:?}",
        sent[0].body
    );
    assert_eq!(sent[0].body["to"], "ops-room", "{:?}", sent[0].body);

    let (code, out, err) = cli(&["health", "--json"]).await.unwrap();
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["ok"], true);
    let (code, out, err) = cli(&[
        "gateway",
        "call",
        "sessions.list",
        "--params",
        r#"{"limit": 5}"#,
    ])
    .await
    .unwrap();
    assert_eq!(code, Some(0), "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["sessions"][0]["key"], "agent:main:main", "{v}");
    let (code, out, _) = cli(&["sessions", "list"]).await.unwrap();
    assert_eq!(code, Some(0));
    assert!(out.starts_with("agent:main:main"), "{out}");
    let (code, out, _) = cli(&["sessions", "history", "main"]).await.unwrap();
    assert_eq!(code, Some(0));
    assert!(
        out.contains("[user] 生成周报") && out.contains("[assistant] Hello"),
        "{out}"
    );
    let (code, _, err) = cli(&["sessions", "reset", "main"]).await.unwrap();
    assert_eq!(code, Some(0), "{err}");
    let (_, out, _) = cli(&["sessions", "history", "main"]).await.unwrap();
    assert!(
        !out.contains("生成周报"),
        "reset cleared the transcript: {out}"
    );
    let (code, _, err) = cli(&["sessions", "delete", "main"]).await.unwrap();
    assert_eq!(code, Some(1));
    assert!(err.contains("Cannot delete the main session"), "{err}");
    let (code, _, _) = cli(&["agent", "-m", "x", "--session-id", "side"])
        .await
        .unwrap();
    assert_eq!(code, Some(0));
    let (code, out, _) = cli(&["sessions", "delete", "side"]).await.unwrap();
    assert_eq!((code, out.trim()), (Some(0), "deleted"));
    // --verbose shows the tool calls as they happen.
    upstream.push(clawgate_bench::mock::Reply::tool_call(
        "session_status",
        "{}",
    ));
    let (code, out, err) = cli(&["agent", "-m", "status?", "--verbose"]).await.unwrap();
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("→ session_status") && err.contains("← session_status"),
        "{err}"
    );
    assert_eq!(out, "Hello from the mock model.\n");
    let (code, out, err) = cli(&["logs", "-n", "20"]).await.unwrap();
    assert_eq!(code, Some(0), "{err}");
    let _ = out;
    let (code, _, err) = cli(&["gateway", "call", "no.such.method"]).await.unwrap();
    assert_eq!(code, Some(1));
    assert!(
        err.contains("no.such.method") || err.contains("unknown method"),
        "{err}"
    );

    // A delivery that cannot happen fails the command and says why.
    let (code, _, err) = cli(&[
        "agent",
        "-m",
        "again",
        "--deliver",
        "--reply-channel",
        "telegram",
        "--reply-to",
        "@x",
    ])
    .await
    .unwrap();
    assert_eq!(code, Some(1));
    assert!(err.contains("not delivered"), "{err}");
}

#[test]
fn completions_print_a_script_for_the_shell() {
    let (code, out, _) = run_cmd(&["completions", "bash"]);
    assert_eq!(code, Some(0));
    assert!(
        out.contains("clawgate") && out.contains("generate-token"),
        "{}",
        &out[..200.min(out.len())]
    );
}

#[test]
fn security_audit_passes_a_careful_setup_and_fails_a_risky_one_naming_each_risk() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700)).unwrap();
    let cfg = d.join("clawgate.json5");
    std::fs::write(
        &cfg,
        r#"{ gateway: { auth: { token: "a-long-random-gateway-token-0123456789" } } }"#,
    )
    .unwrap();
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o600)).unwrap();
    let (code, out, err) = in_dir(d, &["security", "audit"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("no risky settings found"), "{out}");

    // The token generated at first start lives in the state directory, where the config
    // loader cannot compare it with the hook token.
    std::fs::write(
        d.join("gateway.token"),
        "a-long-random-gateway-token-0123456789\n",
    )
    .unwrap();
    std::fs::write(
        &cfg,
        r#"{ gateway: { controlUi: { dangerouslyAllowHostHeaderOriginFallback: true } },
           hooks: { enabled: true, token: "a-long-random-gateway-token-0123456789" },
           tools: { exec: { security: "full", ask: "off" } } }"#,
    )
    .unwrap();
    std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (code, out, err) = in_dir(d, &["security", "audit", "--json"]);
    assert_eq!(
        code,
        Some(1),
        "critical findings fail the audit: {out}{err}"
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["ok"], false);
    let found: Vec<(String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (id, severity) in [
        ("hooks.token.shared", "critical"),
        ("exec.full", "critical"),
        ("state.permissions", "critical"),
        ("controlUi.dangerous", "warn"),
    ] {
        assert!(
            found.contains(&(id.to_string(), severity.to_string())),
            "{id} ({severity}) in {found:?}"
        );
    }
    assert!(
        !out.contains("a-long-random-gateway-token"),
        "the audit never prints a secret"
    );
    std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700)).unwrap();
}

/// Polls `url` with `token` until it answers `want` (the gateway is another process: its
/// file watcher is observed from outside), up to 10 s.
async fn status_becomes(url: &str, token: &str, want: u16) -> bool {
    let c = awc::Client::default();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::time::Instant::now() < deadline {
        let got = c
            .get(url)
            .insert_header(("authorization", format!("Bearer {token}")))
            .send()
            .await
            .map(|r| r.status().as_u16());
        if got.ok() == Some(want) {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}

#[actix_web::test]
async fn a_running_gateway_picks_up_a_generated_token_and_survives_sighup() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("gateway.token"), "old-token-0123456789\n").unwrap();
    let port = free_port();
    let mut p = start(d, port, &[]).await;
    let url = format!("http://127.0.0.1:{port}/status");
    assert!(status_becomes(&url, "old-token-0123456789", 200).await);

    let (code, out, err) = in_dir(d, &["auth", "generate-token"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("picks it up now"), "{err}");
    let token = out.trim().to_string();
    assert!(status_becomes(&url, &token, 200).await, "new token refused");
    assert!(status_becomes(&url, "old-token-0123456789", 401).await);

    // SIGHUP reloads instead of ending the process.
    let pid = p.0.id().to_string();
    let hup = std::process::Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .unwrap();
    assert!(hup.success());
    assert!(status_becomes(&url, &token, 200).await);
    let c = awc::Client::default();
    let r = c
        .get(&url)
        .insert_header(("authorization", format!("Bearer {token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        p.0.try_wait().unwrap().is_none(),
        "the gateway exited on SIGHUP"
    );
}

/// `clawgate doctor --json` on `dir` (off the test's runtime): exit code and the checks by id.
async fn doctor(dir: &std::path::Path) -> (Option<i32>, Value, String) {
    let d = dir.to_path_buf();
    let (code, out, err) =
        actix_web::rt::task::spawn_blocking(move || in_dir(&d, &["doctor", "--json"]))
            .await
            .unwrap();
    let v: Value = serde_json::from_str(out.trim()).unwrap_or(Value::Null);
    (code, v, err)
}

fn by_id<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["id"] == id))
        .unwrap_or(&Value::Null)
}

#[actix_web::test]
async fn doctor_passes_a_healthy_setup_with_a_running_gateway() {
    use std::os::unix::fs::PermissionsExt as _;
    let upstream = MockUpstream::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let port = free_port();
    std::fs::write(
        dir.path().join("clawgate.json5"),
        format!(
            r#"{{ gateway: {{ port: {port} }}, models: {{ providers: {{ mock: {{ baseUrl: "{}", apiKey: "sk-secret-1", models: [{{ id: "m" }}] }} }} }} }}"#,
            upstream.base_url()
        ),
    )
    .unwrap();
    let _gw = start(dir.path(), port, &[]).await;

    let (code, report, err) = doctor(dir.path()).await;

    assert_eq!(code, Some(0), "{report} {err}");
    assert_eq!(report["ok"], true);
    for c in report["checks"].as_array().unwrap() {
        assert_eq!(c["status"], "ok", "{c}");
    }
    assert!(by_id(&report, "port")["message"]
        .as_str()
        .unwrap()
        .contains("held by a running gateway"));
    assert!(by_id(&report, "gateway_auth")["message"]
        .as_str()
        .unwrap()
        .contains("accepts the configured credentials"));
    assert!(by_id(&report, "provider:mock")["message"]
        .as_str()
        .unwrap()
        .contains("HTTP 200"));
    assert!(
        !report.to_string().contains("sk-secret-1"),
        "keys are never printed"
    );
    let asked = upstream.requests();
    assert!(
        asked.iter().any(|r| r.path.ends_with("/models")),
        "the models endpoint was probed"
    );

    // A wrong token is a failure.
    let d = dir.path().to_path_buf();
    let (code, out, _) = actix_web::rt::task::spawn_blocking(move || {
        in_dir(&d, &["doctor", "--json", "--token", "not-the-token"])
    })
    .await
    .unwrap();
    let report: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(by_id(&report, "gateway_auth")["status"], "fail");
}

#[actix_web::test]
async fn doctor_fails_an_enabled_channel_without_credentials() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("clawgate.json5"),
        format!(
            "{{ gateway: {{ port: {} }}, channels: {{ telegram: {{ dmPolicy: \"allowlist\", allowFrom: [\"42\"] }} }} }}",
            free_port()
        ),
    )
    .unwrap();

    let (code, report, _) = doctor(dir.path()).await;

    assert_eq!(code, Some(1), "{report}");
    let c = by_id(&report, "channel:telegram:default");
    assert_eq!(c["status"], "fail", "{report}");
    assert!(c["message"].as_str().unwrap().contains("botToken"), "{c}");
}

#[actix_web::test]
async fn doctor_warns_about_an_open_state_dir_and_full_exec() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(
        dir.path().join("clawgate.json5"),
        format!(
            "{{ gateway: {{ port: {} }}, tools: {{ exec: {{ security: \"full\" }} }} }}",
            free_port()
        ),
    )
    .unwrap();

    let (code, report, err) = doctor(dir.path()).await;

    assert_eq!(code, Some(0), "warnings do not fail: {report} {err}");
    let sd = by_id(&report, "state_dir");
    assert_eq!(sd["status"], "warn", "{sd}");
    assert!(sd["message"].as_str().unwrap().contains("0755"), "{sd}");
    assert!(
        sd["hint"].as_str().unwrap().starts_with("chmod 700 "),
        "{sd}"
    );
    assert_eq!(by_id(&report, "exec")["status"], "warn");
    assert_eq!(by_id(&report, "gateway_auth")["status"], "warn");
}

#[actix_web::test]
async fn doctor_fails_on_an_unreachable_provider() {
    let dir = tempfile::tempdir().unwrap();
    let dead = free_port();
    std::fs::write(
        dir.path().join("clawgate.json5"),
        format!(
            r#"{{ gateway: {{ port: {} }}, models: {{ providers: {{ gone: {{ baseUrl: "http://127.0.0.1:{dead}/v1", models: [{{ id: "m" }}] }} }} }} }}"#,
            free_port()
        ),
    )
    .unwrap();

    let (code, report, _) = doctor(dir.path()).await;

    assert_eq!(code, Some(1), "{report}");
    assert_eq!(report["ok"], false);
    let p = by_id(&report, "provider:gone");
    assert_eq!(p["status"], "fail", "{p}");
    assert!(
        p["message"].as_str().unwrap().contains("unreachable"),
        "{p}"
    );
}

#[actix_web::test]
async fn doctor_names_the_line_and_key_of_a_broken_config() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("clawgate.json5"),
        "{\n  gateway: {\n    bindd: \"lan\",\n  },\n}\n",
    )
    .unwrap();

    let (code, report, _) = doctor(dir.path()).await;

    assert_eq!(code, Some(1), "{report}");
    let c = by_id(&report, "config");
    assert_eq!(c["status"], "fail", "{c}");
    let msg = c["message"].as_str().unwrap();
    assert!(
        msg.contains("clawgate.json5:3") && msg.contains("gateway.bindd"),
        "{msg}"
    );
}
