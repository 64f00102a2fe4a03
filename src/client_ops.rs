//! What the operator commands of [`crate::cli_ops`] do: the config-file edits and token
//! rotation work on local files; the rest call one WebSocket RPC method of the running
//! gateway (the same methods any operator client uses) and print its answer as text, or as
//! JSON with `--json`.

use crate::cli::{Paths, Remote};
use crate::cli_ops::{AuthCmd, GatewayCallCmd, HealthCmd, LogsCmd, SessionsCmd};
use crate::client::fail;
use crate::config::{self, edit, Overrides};
use serde_json::{json, Value};
use std::process::ExitCode;
use std::time::Duration;

fn overrides(paths: &Paths) -> Overrides {
    Overrides {
        state_dir: paths.state_dir.clone(),
        ..Default::default()
    }
}

fn state_dir(paths: &Paths) -> std::path::PathBuf {
    paths
        .state_dir
        .clone()
        .unwrap_or_else(config::default_state_dir)
}

/// Calls `method` on the gateway `remote` names.
async fn rpc(remote: &Remote, method: &str, params: Value) -> Result<Value, String> {
    let target = crate::client::resolve(remote)?;
    let secret = target
        .auth
        .as_deref()
        .map(|a| a.trim_start_matches("Bearer ").to_string());
    crate::client_rpc::call(&target.base, secret.as_deref(), method, params).await
}

/// Runs one RPC on the gateway `remote` names and prints its answer with `render` (or as
/// JSON with `--json`); the exit code of a CLI command.
pub(crate) fn call_and_print(
    remote: &Remote,
    method: &str,
    params: Value,
    render: impl FnOnce(&Value),
) -> ExitCode {
    let json_out = remote.json;
    actix_web::rt::System::new().block_on(async move {
        match rpc(remote, method, params).await {
            Ok(v) if json_out => {
                println!("{v}");
                ExitCode::SUCCESS
            }
            Ok(v) => {
                render(&v);
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        }
    })
}

/// `clawgate config get <path>`: the file's value, or for `gateway.auth.token` the token the
/// gateway generated and saved in the state dir.
pub fn config_get(path: &str, paths: &Paths, json_out: bool) -> ExitCode {
    let file = edit::file_path(paths.config.as_deref(), &state_dir(paths));
    let root = match edit::read(&file) {
        Ok(v) => v,
        Err(e) => return fail(e),
    };
    let value = match edit::get(&root, path) {
        Ok(v) => v.cloned(),
        Err(e) => return fail(e),
    };
    let value = value.or_else(|| {
        (path == "gateway.auth.token")
            .then(|| std::fs::read_to_string(state_dir(paths).join("gateway.token")).ok())
            .flatten()
            .map(|t| Value::String(t.trim().to_string()))
            .filter(|t| t.as_str().is_some_and(|s| !s.is_empty()))
    });
    match value {
        None => fail(format!("{path} is not set in {}", file.display())),
        Some(v) if json_out => {
            println!("{v}");
            ExitCode::SUCCESS
        }
        Some(Value::String(s)) => {
            println!("{s}");
            ExitCode::SUCCESS
        }
        Some(v) => {
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            ExitCode::SUCCESS
        }
    }
}

/// `clawgate config set <path> <value>` / `unset <path>` (`value: None`).
pub fn config_set(path: &str, value: Option<&str>, paths: &Paths) -> ExitCode {
    let file = edit::file_path(paths.config.as_deref(), &state_dir(paths));
    let mut root = match edit::read(&file) {
        Ok(v) => v,
        Err(e) => return fail(e),
    };
    let changed = match value {
        Some(v) => edit::set(&mut root, path, edit::parse_value(v)).map(|()| true),
        None => edit::unset(&mut root, path),
    };
    match changed {
        Err(e) => return fail(e),
        Ok(false) => {
            println!("{path} was not set");
            return ExitCode::SUCCESS;
        }
        Ok(true) => {}
    }
    if let Err(e) = edit::write(&file, &root, &overrides(paths)) {
        return fail(e);
    }
    match value {
        Some(_) => println!("set {path} in {}", file.display()),
        None => println!("removed {path} from {}", file.display()),
    }
    ExitCode::SUCCESS
}

/// `clawgate auth generate-token`.
pub fn auth(cmd: AuthCmd) -> ExitCode {
    let AuthCmd::GenerateToken { paths, json } = cmd;
    let token = match crate::auth::generate_token() {
        Ok(t) => t,
        Err(e) => return fail(format!("cannot generate a token: {e}")),
    };
    let dir = state_dir(&paths);
    let file = edit::file_path(paths.config.as_deref(), &dir);
    let mut root = match edit::read(&file) {
        Ok(v) => v,
        Err(e) => return fail(e),
    };
    let in_config = edit::get(&root, "gateway.auth.token").is_ok_and(|v| v.is_some());
    let saved_to = if in_config {
        if let Err(e) = edit::set(&mut root, "gateway.auth.token", json!(token))
            .and_then(|()| edit::write(&file, &root, &overrides(&paths)))
        {
            return fail(e);
        }
        file
    } else {
        let path = dir.join("gateway.token");
        if let Err(e) = crate::startup::write_private(&path, &token) {
            return fail(format!("cannot save the token to {}: {e}", path.display()));
        }
        path
    };
    if json {
        println!("{}", json!({"token": token, "savedTo": saved_to}));
    } else {
        println!("{token}");
        eprintln!(
            "saved to {}; a running gateway picks it up now (WebSocket clients using the old token are disconnected)",
            saved_to.display()
        );
    }
    ExitCode::SUCCESS
}

/// `clawgate gateway call <method> [--params JSON]`.
pub fn gateway_call(cmd: GatewayCallCmd) -> ExitCode {
    let params: Value = match json5::from_str(&cmd.params) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => return fail("--params must be a JSON object"),
        Err(e) => return fail(format!("--params is not JSON: {e}")),
    };
    let method = cmd.method.clone();
    actix_web::rt::System::new().block_on(async move {
        match rpc(&cmd.remote, &method, params).await {
            Ok(v) => {
                println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        }
    })
}

/// `clawgate health`.
pub fn health(cmd: HealthCmd) -> ExitCode {
    call_and_print(&cmd.remote, "health", json!({}), |v| {
        let ok = if v["ok"] == true { "ok" } else { "NOT OK" };
        println!("gateway {ok} ({} ms)", v["durationMs"]);
        println!(
            "  default agent  {}",
            v["defaultAgentId"].as_str().unwrap_or("?")
        );
        println!("  sessions       {}", v["sessions"]["count"]);
    })
}

/// `clawgate sessions …`.
pub fn sessions(cmd: SessionsCmd) -> ExitCode {
    match cmd {
        SessionsCmd::List {
            agent,
            limit,
            remote,
        } => {
            let mut params = json!({"limit": limit});
            if let Some(a) = agent {
                params["agentId"] = json!(a);
            }
            call_and_print(&remote, "sessions.list", params, |v| {
                let rows = v["sessions"].as_array().cloned().unwrap_or_default();
                if rows.is_empty() {
                    println!("no sessions");
                }
                for r in rows {
                    println!(
                        "{}  {}  {} tokens",
                        r["key"].as_str().unwrap_or("?"),
                        r["updatedAt"],
                        r["totalTokens"].as_u64().unwrap_or(0)
                    );
                }
            })
        }
        SessionsCmd::History { key, limit, remote } => call_and_print(
            &remote,
            "chat.history",
            json!({"sessionKey": key, "limit": limit}),
            |v| {
                for m in v["messages"].as_array().cloned().unwrap_or_default() {
                    let text = match &m["content"] {
                        Value::String(s) => s.clone(),
                        Value::Array(parts) => parts
                            .iter()
                            .filter_map(|p| p["text"].as_str())
                            .collect::<Vec<_>>()
                            .join(""),
                        _ => String::new(),
                    };
                    println!("[{}] {text}", m["role"].as_str().unwrap_or("?"));
                }
            },
        ),
        SessionsCmd::Reset { key, remote } => {
            call_and_print(&remote, "sessions.reset", json!({"key": key}), |v| {
                println!("reset {}", v["key"].as_str().unwrap_or("session"));
            })
        }
        SessionsCmd::Delete { key, remote } => {
            call_and_print(&remote, "sessions.delete", json!({"key": key}), |v| {
                let what = if v["deleted"] == true {
                    "deleted"
                } else {
                    "no such session"
                };
                println!("{what}");
            })
        }
    }
}

/// `clawgate logs [--follow]`: `logs.tail`, then with `--follow` the lines after its cursor
/// once a second until interrupted.
pub fn logs(cmd: LogsCmd) -> ExitCode {
    actix_web::rt::System::new().block_on(async move {
        let mut params = json!({"limit": cmd.limit});
        loop {
            let v = match rpc(&cmd.remote, "logs.tail", params.clone()).await {
                Ok(v) => v,
                Err(e) => return fail(e),
            };
            for line in v["lines"].as_array().cloned().unwrap_or_default() {
                match line {
                    Value::String(s) if !cmd.remote.json => {
                        println!("{}", crate::ws::log_records::pretty(&s))
                    }
                    other => println!("{other}"),
                }
            }
            if !cmd.follow {
                return ExitCode::SUCCESS;
            }
            params = json!({"cursor": v["cursor"], "limit": 5000});
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
}

/// `clawgate completions <shell>`.
pub fn completions(shell: clap_complete::Shell) -> ExitCode {
    use clap::CommandFactory;
    let mut cmd = crate::cli::Cli::command();
    clap_complete::generate(shell, &mut cmd, "clawgate", &mut std::io::stdout());
    ExitCode::SUCCESS
}
