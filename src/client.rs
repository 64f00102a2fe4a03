//! The CLI's side of talking to a running gateway over HTTP (`clawgate agent`, `clawgate status`).

use crate::cli::{AgentCmd, Remote, StatusCmd};
use crate::config::{self, Overrides};
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

/// Where and how to call the gateway.
pub(crate) struct Target {
    /// `http(s)://host:port`.
    pub(crate) base: String,
    /// `Authorization` header value.
    pub(crate) auth: Option<String>,
}

/// Finds the gateway URL and credentials (flags, environment, config, saved token).
pub(crate) fn resolve(r: &Remote) -> Result<Target, String> {
    let ov = Overrides {
        state_dir: r.paths.state_dir.clone(),
        ..Default::default()
    };
    let cfg = config::load(r.paths.config.as_deref(), &ov).ok();
    let base = match &r.url {
        Some(u) => u
            .replacen("ws://", "http://", 1)
            .replacen("wss://", "https://", 1)
            .trim_end_matches('/')
            .to_string(),
        None => format!(
            "http://127.0.0.1:{}",
            cfg.as_ref().map(|c| c.port).unwrap_or(config::DEFAULT_PORT)
        ),
    };
    let state_dir = cfg
        .as_ref()
        .map(|c| c.state_dir.clone())
        .unwrap_or_else(config::default_state_dir);
    let token = r
        .token
        .clone()
        .or_else(|| {
            cfg.as_ref()
                .and_then(|c| c.auth.token.as_ref().map(|t| t.expose().to_string()))
        })
        .or_else(|| {
            std::fs::read_to_string(state_dir.join("gateway.token"))
                .ok()
                .map(|t| t.trim().to_string())
        })
        .filter(|t| !t.is_empty());
    let password = r.password.clone().or_else(|| {
        cfg.as_ref()
            .and_then(|c| c.auth.password.as_ref().map(|p| p.expose().to_string()))
    });
    Ok(Target {
        base,
        auth: token.or(password).map(|s| format!("Bearer {s}")),
    })
}

fn client(timeout: Duration) -> awc::Client {
    awc::Client::builder().timeout(timeout).finish()
}

pub(crate) fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("clawgate: {msg}");
    ExitCode::FAILURE
}

/// The error message inside a gateway error body, or the raw body.
fn error_message(status: u16, body: &[u8]) -> String {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let msg = v
        .pointer("/error/message")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    format!("gateway answered HTTP {status}: {msg}")
}

/// Tells the user (stderr) where the reply was delivered; a failed delivery fails the command.
fn report_delivery(d: &Value) -> ExitCode {
    match d["ok"].as_bool() {
        None => ExitCode::SUCCESS,
        Some(true) => {
            eprintln!(
                "delivered to {} {}",
                d["channel"].as_str().unwrap_or("?"),
                d["to"].as_str().unwrap_or("")
            );
            ExitCode::SUCCESS
        }
        Some(false) => fail(format!(
            "the reply was not delivered: {}",
            d["error"].as_str().unwrap_or("unknown error")
        )),
    }
}

/// `clawgate status`.
pub fn run_status(cmd: StatusCmd) -> ExitCode {
    let t = match resolve(&cmd.remote) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    actix_web::rt::System::new().block_on(async move {
        let mut req = client(Duration::from_secs(10)).get(format!("{}/status", t.base));
        if let Some(a) = &t.auth {
            req = req.insert_header(("authorization", a.as_str()));
        }
        let mut resp = match req.send().await {
            Ok(r) => r,
            Err(e) => return fail(format!("cannot reach the gateway at {}: {e}", t.base)),
        };
        let body = resp.body().await.unwrap_or_default();
        if !resp.status().is_success() {
            return fail(error_message(resp.status().as_u16(), &body));
        }
        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if cmd.remote.json {
            println!("{v}");
        } else {
            println!(
                "clawgate {} — {}",
                v["version"].as_str().unwrap_or("?"),
                v["status"].as_str().unwrap_or("?")
            );
            println!(
                "  listening   {}:{} (auth {})",
                v["gateway"]["bind"].as_str().unwrap_or("?"),
                v["gateway"]["port"],
                v["gateway"]["auth"].as_str().unwrap_or("?")
            );
            println!("  uptime      {} s", v["uptime"]);
            println!(
                "  sessions    {} stored, {} live",
                v["sessions"]["total"], v["sessions"]["active"]
            );
            println!("  runs        {} active", v["runs"]["active"]);
            println!(
                "  model       {}",
                v["models"]["default"]
                    .as_str()
                    .unwrap_or("(none configured)")
            );
        }
        ExitCode::SUCCESS
    })
}

/// The `/v1/agent/run` body for `cmd` (also what `--local` builds its turn from).
pub(crate) fn request_body(cmd: &AgentCmd) -> Value {
    json!({
        "message": cmd.message,
        "agentId": cmd.agent,
        "sessionKey": cmd.session,
        "to": cmd.to,
        "deliver": cmd.deliver,
        "channel": cmd.channel,
        "replyTo": cmd.reply_to,
        "replyChannel": cmd.reply_channel,
        "accountId": cmd.account,
        "options": {"thinking": cmd.thinking, "model": cmd.model, "timeoutSeconds": cmd.timeout},
    })
}

/// `clawgate agent`: streams the reply to stdout (or prints one JSON object with `--json`).
pub fn run_agent(cmd: AgentCmd) -> ExitCode {
    let t = match resolve(&cmd.remote) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    if cmd.local {
        return crate::client_local::run(cmd);
    }
    let body = request_body(&cmd);
    let verbose = cmd.verbose;
    let wait = Duration::from_secs(cmd.timeout.unwrap_or(600) + 30);
    let json_out = cmd.remote.json;
    actix_web::rt::System::new().block_on(async move {
        let path = if json_out {
            "/v1/agent/run"
        } else {
            "/v1/agent/run/stream"
        };
        let mut req = client(wait).post(format!("{}{path}", t.base));
        if let Some(a) = &t.auth {
            req = req.insert_header(("authorization", a.as_str()));
        }
        let mut resp = match req.send_json(&body).await {
            Ok(r) => r,
            Err(e) => return fail(format!("cannot reach the gateway at {}: {e}", t.base)),
        };
        if !resp.status().is_success() {
            let b = resp.body().await.unwrap_or_default();
            return fail(error_message(resp.status().as_u16(), &b));
        }
        if json_out {
            let b = resp
                .body()
                .limit(64 * 1024 * 1024)
                .await
                .unwrap_or_default();
            println!("{}", String::from_utf8_lossy(&b));
            let v: Value = serde_json::from_slice(&b).unwrap_or(Value::Null);
            // Said on stderr as well: a script that sends stdout to a file still sees why.
            return report_delivery(&v["delivery"]);
        }
        let mut decoder = crate::providers::sse::SseDecoder::new();
        let mut events = Vec::new();
        let mut out = std::io::stdout();
        while let Some(chunk) = resp.next().await {
            let Ok(chunk) = chunk else {
                return fail("the stream broke");
            };
            decoder.feed(&chunk, &mut events);
            for ev in events.drain(..) {
                let v: Value = serde_json::from_str(&ev.data).unwrap_or(Value::Null);
                match ev.event.as_str() {
                    "delta" => {
                        let _ = write!(out, "{}", v["delta"].as_str().unwrap_or(""));
                        let _ = out.flush();
                    }
                    "tool.call" if verbose => {
                        eprintln!(
                            "\n→ {} {}",
                            v["tool"].as_str().unwrap_or("?"),
                            v["params"].as_str().unwrap_or("")
                        );
                    }
                    "tool.result" if verbose => {
                        let text = crate::tools::result_text(&v["result"]);
                        let short: String = text.chars().take(300).collect();
                        let mark = if v["isError"] == true { "✗" } else { "←" };
                        eprintln!("{mark} {} {short}", v["tool"].as_str().unwrap_or("?"));
                    }
                    "done" => {
                        let _ = writeln!(out);
                        return report_delivery(&v["delivery"]);
                    }
                    "error" => {
                        return fail(
                            v.pointer("/error/message")
                                .and_then(Value::as_str)
                                .unwrap_or("run failed"),
                        )
                    }
                    _ => {}
                }
            }
        }
        fail("the stream ended without a result")
    })
}
