//! Issue #12: every CLI example of the seed documents 001 and 004
//! (`tests/fixtures/seed_cli_examples.sh`, verbatim but for the binary name) runs through
//! `bash` with the real `clawgate` binary on `PATH` and the gateway's URL, token and state dir
//! in the environment, against a real gateway process whose Telegram, Slack, Discord and
//! WhatsApp channels point at local fakes and whose model is the mock upstream. Each example is checked
//! for what its user observes: the exit code, the output, and the message in the chat.

#[path = "support/fake_discord.rs"]
#[allow(dead_code)]
mod fake_discord;
#[path = "support/fake_http.rs"]
#[allow(dead_code)]
mod fake_http;
#[path = "support/fake_slack.rs"]
mod fake_slack;
#[path = "support/fake_telegram.rs"]
#[allow(dead_code)]
mod fake_telegram;
#[path = "support/fake_whatsapp.rs"]
#[allow(dead_code)]
mod fake_whatsapp;
#[path = "support/form_body.rs"]
mod form_body;
#[path = "support/proc.rs"]
mod proc;

use clawgate_bench::mock::MockUpstream;
use fake_discord::FakeDiscord;
use fake_http::FakeHttp;
use fake_telegram::FakeTelegram;
use proc::{free_port, start, BIN};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

const FIXTURE: &str = include_str!("fixtures/seed_cli_examples.sh");
const TOKEN: &str = "seed-cli-gateway-token-0123456789abcdef";
const REPLY: &str = "Hello from the mock model.";
/// A small but real PNG header plus payload bytes, for the seed's `/tmp/screenshot.png`.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRpixels";

/// One fixture block: where the seed has it (`004:144`) and its text.
struct Example {
    source: String,
    text: String,
}

/// The fixture's blocks, in order (the leading file comment is not a block).
fn examples() -> Vec<Example> {
    FIXTURE
        .split("\n\n")
        .filter_map(|block| {
            let (head, text) = block.trim().split_once('\n')?;
            let source = head.strip_prefix("## ")?.trim().to_string();
            Some(Example {
                source,
                text: text.to_string(),
            })
        })
        .collect()
}

/// `line` without a trailing `# comment` (a `#` after whitespace, outside quotes).
fn strip_comment(line: &str) -> &str {
    let (mut quote, mut prev_space) = (None, true);
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '#') if prev_space => return line[..i].trim_end(),
            _ => {}
        }
        prev_space = c.is_whitespace();
    }
    line
}

/// The script bash runs for a block: the seed's option-listing lines (an indented `--flag`
/// after a line that does not end in `\`) continue the command above them.
fn as_bash(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let continues = line.trim_start().starts_with("--") && line.starts_with(' ');
        if let Some(last) = out.last_mut().filter(|_| continues) {
            if !last.trim_end().ends_with('\\') {
                *last = format!("{} \\", strip_comment(last));
            }
        }
        out.push(line.to_string());
    }
    out.join("\n")
}

/// Runs `script` with bash: `clawgate` on `PATH`, gateway and state dir from the environment.
async fn run(dir: &Path, port: u16, script: String) -> (Option<i32>, String, String) {
    let bin_dir = Path::new(BIN).parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let dir = dir.to_path_buf();
    actix_web::rt::task::spawn_blocking(move || {
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(&script)
            .env("PATH", path)
            .env("OPENCLAW_GATEWAY_URL", format!("http://127.0.0.1:{port}"))
            .env("OPENCLAW_GATEWAY_TOKEN", TOKEN)
            .env("CLAWGATE_STATE_DIR", &dir)
            .env_remove("OPENCLAW_GATEWAY_PASSWORD")
            .env_remove("CLAWGATE_CONFIG")
            .env_remove("OPENAI_API_KEY")
            .env_remove("ANTHROPIC_API_KEY")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .unwrap()
}

/// The Discord REST fake: DM channels and channel messages.
async fn fake_discord_rest() -> FakeHttp {
    FakeHttp::start(|path, body| {
        if path.ends_with("/users/@me/channels") {
            (
                200,
                json!({"id": format!("dm-{}", body["recipient_id"].as_str().unwrap_or(""))}),
            )
        } else if path.ends_with("/messages") {
            (
                200,
                json!({"id": "900", "channel_id": path.split('/').nth(2)}),
            )
        } else {
            (404, json!({"message": "Unknown", "code": 0}))
        }
    })
    .await
}

/// Polls the gateway's `GET /status` until every chat channel reports `connected` (the gateway
/// is another process), up to 10 s.
async fn channels_connected(port: u16) -> Value {
    let c = awc::Client::default();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let v: Value = match c
            .get(format!("http://127.0.0.1:{port}/status"))
            .insert_header(("authorization", format!("Bearer {TOKEN}")))
            .send()
            .await
        {
            Ok(mut r) => r.json().await.unwrap_or(Value::Null),
            Err(_) => Value::Null,
        };
        let up = ["telegram", "slack", "discord", "whatsapp"]
            .iter()
            .all(|id| v["channels"][id] == "connected");
        if up || std::time::Instant::now() >= deadline {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The last upstream request whose body mentions `text`.
fn upstream_asked(upstream: &MockUpstream, text: &str) -> Value {
    upstream
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.body.to_string().contains(text))
        .map(|r| r.body)
        .unwrap_or(Value::Null)
}

#[actix_web::test]
async fn every_cli_example_of_seeds_001_and_004_runs_verbatim() {
    let upstream = MockUpstream::start().await.unwrap();
    let telegram = FakeTelegram::start().await;
    let slack = fake_slack::start().await;
    let discord = FakeDiscord::start().await;
    let discord_rest = fake_discord_rest().await;
    let whatsapp = fake_whatsapp::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = format!(
        r#"{{ gateway: {{ auth: {{ token: "{TOKEN}" }} }},
          models: {{ providers: {{ mock: {{ baseUrl: "{}", models: [{{ id: "m" }}] }} }} }},
          agents: {{ list: [{{ id: "main", default: true }}, {{ id: "ops" }}] }},
          channels: {{
            telegram: {{ botToken: "{}", apiRoot: "{}", dmPolicy: "allowlist", allowFrom: ["42"] }},
            slack: {{ botToken: "xoxb-test-token", signingSecret: "slack-signing-secret", apiRoot: "{}" }},
            discord: {{ token: "discord-bot-token", apiRoot: "{}", gatewayUrl: "{}" }},
            {} }} }}"#,
        upstream.base_url(),
        fake_telegram::BOT_TOKEN,
        telegram.api_root(),
        slack.url(),
        discord_rest.url(),
        discord.gateway_url(),
        fake_whatsapp::config(&whatsapp.url(), ""),
    );
    std::fs::write(dir.path().join("clawgate.json5"), cfg).unwrap();
    std::fs::write("/tmp/screenshot.png", PNG).unwrap();
    let _ = std::fs::remove_file("/tmp/report-result.json");
    let port = free_port();
    let _gateway = start(dir.path(), port, &[]).await;
    let status = channels_connected(port).await;
    for id in ["telegram", "slack", "discord", "whatsapp"] {
        assert_eq!(status["channels"][id], "connected", "{status}");
    }

    let all = examples();
    assert_eq!(all.len(), 17, "every seed example is in the fixture");
    let mut job_id = String::new();
    let mut cron_jobs = 0;
    for ex in all {
        let script = as_bash(&ex.text).replace("<jobId>", &job_id);
        let (code, out, err) = run(dir.path(), port, script.clone()).await;
        let ctx = format!(
            "{}:\n{script}\n--- exit {code:?}\n--- stdout\n{out}--- stderr\n{err}",
            ex.source
        );
        let saved = std::fs::read_to_string("/tmp/report-result.json").unwrap_or_default();
        assert_eq!(code, Some(0), "{ctx}\n--- /tmp/report-result.json\n{saved}");
        match ex.source.as_str() {
            "001:35" => assert_eq!(out.trim(), TOKEN, "{ctx}"),
            "004:77" => {
                assert_eq!(out, format!("{REPLY}\n"), "{ctx}");
                assert!(upstream_asked(&upstream, "总结今天的日志").is_object());
            }
            "004:80" => {
                let sent = slack.wait_for("/chat.postMessage", 1).await;
                let last = &sent.last().expect("Slack got the reply").body;
                assert_eq!(last["channel"], "#reports", "{ctx}\n{last}");
                assert_eq!(last["text"], REPLY, "{ctx}\n{last}");
            }
            "004:84" => {
                let v: Value = serde_json::from_str(out.trim()).expect(&ctx);
                assert_eq!(v["response"], REPLY, "{ctx}");
                assert_eq!(v["sessionKey"], "agent:main:main", "{ctx}");
            }
            "004:87" => {
                assert_eq!(out, format!("{REPLY}\n"), "{ctx}");
                let asked = upstream_asked(&upstream, "分析这个复杂问题");
                assert_eq!(asked["reasoning_effort"], "high", "{ctx}\n{asked}");
            }
            "004:119" => {
                let sent = whatsapp.wait_for("/messages", 1).await;
                let last = &sent.last().expect("WhatsApp got the message").body;
                assert_eq!(last["to"], "15551234567", "{ctx}\n{last}");
                assert_eq!(last["text"]["body"], "部署完成", "{ctx}\n{last}");
            }
            "004:122" => {
                let sent = telegram.wait_sent(1).await;
                let photo = sent.iter().find(|m| m["method"] == "sendPhoto");
                let photo = photo.expect(&ctx);
                assert_eq!(photo["chat_id"], "@mygroup", "{photo}");
                assert_eq!(photo["caption"], "监控截图", "{photo}");
                assert_eq!(photo["photo"]["filename"], "screenshot.png", "{photo}");
            }
            "004:126" => {
                let sent = slack.wait_for("/chat.postMessage", 2).await;
                let last = &sent.last().unwrap().body;
                assert_eq!(last["channel"], "C1234567890", "{ctx}\n{last}");
                assert_eq!(last["text"], "构建失败告警", "{ctx}\n{last}");
            }
            "004:130" => {
                let sent = discord_rest.wait_for("/messages", 1).await;
                let last = sent.last().expect(&ctx);
                assert_eq!(last.path, "/channels/1234567890/messages", "{ctx}");
                assert_eq!(last.body["content"], "新版本已发布", "{ctx}");
            }
            "004:144" | "004:634" => {
                cron_jobs += 1;
                job_id = out.split_whitespace().next().unwrap_or("").to_string();
                assert!(out.contains("cron \"0 7 * * *\""), "{ctx}");
                assert!(out.contains("isolated"), "{ctx}");
            }
            "004:154" => {
                assert!(
                    out.starts_with(&job_id) && out.contains("任务名称"),
                    "{ctx}"
                );
            }
            "004:157" => {
                assert!(out.starts_with("started run"), "{ctx}");
                // The run announces its result to the job's Slack target.
                let sent = slack.wait_for("/chat.postMessage", 3).await;
                let last = &sent.last().unwrap().body;
                assert_eq!(last["channel"], "C1234", "{ctx}\n{last}");
                assert_eq!(last["text"], REPLY, "{ctx}\n{last}");
            }
            "004:160" => assert_eq!(out.trim(), "removed", "{ctx}"),
            "004:163" => {
                assert!(out.starts_with("cron enabled — 0 job(s)"), "{ctx}");
            }
            "004:570" => {
                let saved = std::fs::read_to_string("/tmp/report-result.json").expect(&ctx);
                let v: Value = serde_json::from_str(&saved).expect(&saved);
                assert_eq!(v["response"], REPLY, "{saved}");
                assert!(
                    v["sessionKey"]
                        .as_str()
                        .unwrap_or("")
                        .starts_with("agent:ops:"),
                    "{saved}"
                );
                let sent = telegram.wait_sent(2).await;
                let last = sent.last().unwrap();
                assert_eq!(last["chat_id"], "@admin_group", "{ctx}\n{last}");
                assert_eq!(last["text"], REPLY, "{ctx}\n{last}");
                let asked = upstream_asked(&upstream, "生成今日系统状态报告");
                assert_eq!(asked["reasoning_effort"], "low", "{asked}");
            }
            "001:38" => {
                let token = out.trim();
                assert_eq!(token.len(), 48, "{ctx}");
                assert_ne!(token, TOKEN);
                let (code, shown, _) = run(
                    dir.path(),
                    port,
                    "clawgate config get gateway.auth.token".into(),
                )
                .await;
                assert_eq!((code, shown.trim()), (Some(0), token));
            }
            other => panic!("no check for the example at {other}"),
        }
    }
    assert_eq!(cron_jobs, 2);
    let _ = std::fs::remove_file("/tmp/report-result.json");
}

#[test]
fn option_listing_lines_continue_the_command_and_lose_their_comments() {
    let script =
        as_bash("# c\nclawgate cron add \\\n  --cron \"0 7 * * *\"   # x\n  --to \"a#b\"  # y");
    assert_eq!(
        script,
        "# c\nclawgate cron add \\\n  --cron \"0 7 * * *\" \\\n  --to \"a#b\"  # y"
    );
}
