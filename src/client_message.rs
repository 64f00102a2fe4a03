//! `clawgate message send`: one code path — the WebSocket RPC `send` method of the running
//! gateway (simple dialect, authenticated on the upgrade), so the gateway's connectors,
//! chunking and idempotency apply exactly as for any other caller. Attachments, buttons and
//! cards are added by [`crate::client_media`].

use crate::cli::MessageSendCmd;
use crate::client::{fail, resolve};
use crate::client_media::add_rich_params;
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{json, Value};
use std::process::ExitCode;
use std::time::Duration;

/// How long to wait for the gateway's answer.
const SEND_TIMEOUT: Duration = Duration::from_secs(60);

/// The `send` parameters for a command line (local `--media` files are read and inlined).
pub fn send_params(cmd: &MessageSendCmd, idempotency_key: &str) -> Result<Value, String> {
    let mut params = json!({
        "channel": cmd.channel, "accountId": cmd.account, "to": cmd.target,
        "message": cmd.message, "replyTo": cmd.reply_to, "threadId": cmd.thread_id,
        "silent": cmd.silent, "idempotencyKey": idempotency_key,
    });
    if cmd.message.trim().is_empty() && cmd.media.is_empty() && cmd.card.is_none() {
        return Err(
            "--message is required (it may be left out only with --media or --card)".into(),
        );
    }
    if let Some(map) = params.as_object_mut() {
        add_rich_params(
            map,
            &cmd.media,
            cmd.buttons.as_deref(),
            cmd.card.as_deref(),
            cmd.gif_playback,
        )?;
    }
    Ok(params)
}

/// Runs `clawgate message send`.
pub fn run_send(cmd: MessageSendCmd) -> ExitCode {
    let params = match send_params(&cmd, &uuid::Uuid::now_v7().to_string()) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    if cmd.dry_run {
        let mut plan = params.clone();
        plan["dryRun"] = json!(true);
        if let Some(o) = plan.as_object_mut() {
            o.remove("idempotencyKey");
            // The plan names the files, not their bytes.
            if let Some(Value::Array(files)) = o.get_mut("media") {
                for f in files {
                    if let Some(f) = f.as_object_mut() {
                        f.remove("data");
                    }
                }
            }
        }
        if cmd.remote.json {
            println!("{plan}");
        } else {
            println!(
                "[dry run] would send to {} via {}: {}",
                cmd.target,
                cmd.channel
                    .as_deref()
                    .unwrap_or("(the only configured channel)"),
                cmd.message
            );
        }
        return ExitCode::SUCCESS;
    }
    let t = match resolve(&cmd.remote) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    let ws_url = t
        .base
        .replacen("http://", "ws://", 1)
        .replacen("https://", "wss://", 1);
    let json_out = cmd.remote.json;
    actix_web::rt::System::new().block_on(async move {
        let answer = tokio::time::timeout(SEND_TIMEOUT, call(&ws_url, t.auth.as_deref(), params))
            .await
            .unwrap_or_else(|_| Err("timed out waiting for the gateway".into()));
        match answer {
            Ok(result) => {
                if json_out {
                    println!("{result}");
                } else if result["status"] == "queued" {
                    println!(
                        "Queued for {} to {} (outbox id {}): the channel did not accept it yet; it is retried until sent or given up",
                        result["channel"].as_str().unwrap_or("?"),
                        result["to"].as_str().unwrap_or("?"),
                        result["id"].as_str().unwrap_or("?"),
                    );
                } else {
                    let ids = result["messageIds"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(Value::as_str)
                                .collect::<Vec<_>>()
                                .join(", ")
                        })
                        .unwrap_or_default();
                    println!(
                        "Sent via {} to {} (message id {ids})",
                        result["channel"].as_str().unwrap_or("?"),
                        result["to"].as_str().unwrap_or("?"),
                    );
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        }
    })
}

/// One simple-dialect call: connect, send `{"id":1,"method":"send",…}`, wait for id 1.
async fn call(url: &str, auth: Option<&str>, params: Value) -> Result<Value, String> {
    let mut req = awc::Client::builder()
        .timeout(SEND_TIMEOUT)
        .finish()
        .ws(url)
        .max_frame_size(16 * 1024 * 1024);
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let (_, mut conn) = req
        .connect()
        .await
        .map_err(|e| format!("cannot reach the gateway at {url}: {e}"))?;
    let frame = json!({"id": 1, "method": "send", "params": params}).to_string();
    conn.send(awc::ws::Message::Text(frame.into()))
        .await
        .map_err(|e| format!("cannot send the request: {e}"))?;
    while let Some(item) = conn.next().await {
        let text = match item.map_err(|e| format!("connection error: {e}"))? {
            awc::ws::Frame::Text(b) => b,
            awc::ws::Frame::Close(r) => {
                let why = r.and_then(|r| r.description).unwrap_or_default();
                return Err(format!("the gateway closed the connection {why}"));
            }
            _ => continue,
        };
        let v: Value = serde_json::from_slice(&text).unwrap_or(Value::Null);
        if v.get("id") != Some(&json!(1)) {
            continue;
        }
        let _ = conn.close().await;
        if let Some(e) = v.get("error") {
            return Err(e["message"].as_str().unwrap_or("send failed").to_string());
        }
        return Ok(v.get("result").cloned().unwrap_or(Value::Null));
    }
    Err("the gateway closed the connection without an answer".into())
}
