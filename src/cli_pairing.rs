//! `clawgate pairing list [channel] | approve [channel] <code> [--notify] | deny [channel]
//! <code>` (OpenClaw's `openclaw pairing …`): calls the running gateway's `pairing.list` /
//! `pairing.approve` / `pairing.reject` over the WebSocket RPC and prints text (or the
//! payload with `--json`). Without a channel, the one configured channel is meant.

use crate::cli::Remote;
use clap::Subcommand;
use serde_json::{json, Value};
use std::process::ExitCode;

/// `clawgate pairing` sub-commands.
#[derive(Debug, Subcommand)]
pub enum PairingCmd {
    /// Pending DM pairing requests.
    List {
        /// Channel id (`telegram`, …); all channels when left out.
        channel_pos: Option<String>,
        /// Channel id (as the positional argument).
        #[arg(long)]
        channel: Option<String>,
        /// Account id, for multi-account channels.
        #[arg(long)]
        account: Option<String>,
        /// Gateway connection.
        #[command(flatten)]
        remote: Remote,
    },
    /// Approve a pending code: the sender may talk to the bot from now on.
    Approve {
        /// `[channel] <code>`.
        #[arg(num_args = 1..=2, required = true)]
        args: Vec<String>,
        /// Channel id (instead of the positional one).
        #[arg(long)]
        channel: Option<String>,
        /// Account id, for multi-account channels.
        #[arg(long)]
        account: Option<String>,
        /// Tell the sender they were approved, in the same chat.
        #[arg(long)]
        notify: bool,
        /// Gateway connection.
        #[command(flatten)]
        remote: Remote,
    },
    /// Reject a pending code (the sender stays unknown).
    #[command(alias = "reject")]
    Deny {
        /// `[channel] <code>`.
        #[arg(num_args = 1..=2, required = true)]
        args: Vec<String>,
        /// Channel id (instead of the positional one).
        #[arg(long)]
        channel: Option<String>,
        /// Account id, for multi-account channels.
        #[arg(long)]
        account: Option<String>,
        /// Gateway connection.
        #[command(flatten)]
        remote: Remote,
    },
}

fn render(v: &Value) {
    if let Some(list) = v["requests"].as_array() {
        if list.is_empty() {
            println!("no pending pairing requests");
        }
        for r in list {
            let who = r["username"]
                .as_str()
                .map(|u| format!(" (@{u})"))
                .unwrap_or_default();
            println!(
                "{}  {}:{}  {}{}",
                r["code"].as_str().unwrap_or("?"),
                r["channel"].as_str().unwrap_or("?"),
                r["accountId"].as_str().unwrap_or("?"),
                r["id"].as_str().unwrap_or("?"),
                who
            );
        }
        return;
    }
    for (verb, key) in [("approved", "approved"), ("rejected", "rejected")] {
        if let Some(r) = v.get(key) {
            println!(
                "{verb} {} sender {}",
                r["channel"].as_str().unwrap_or("?"),
                r["id"].as_str().unwrap_or("?")
            );
        }
    }
}

/// `[channel] <code>` and `--channel`: the channel (if any) and the code.
fn channel_and_code(args: Vec<String>, flag: Option<String>) -> (Option<String>, String) {
    match <[String; 2]>::try_from(args) {
        Ok([c, code]) => (Some(c), code),
        Err(v) => (flag, v.into_iter().next().unwrap_or_default()),
    }
}

/// Runs a `clawgate pairing` command.
pub fn run(cmd: PairingCmd) -> ExitCode {
    let (remote, method, params) = match cmd {
        PairingCmd::List {
            channel_pos,
            channel,
            account,
            remote,
        } => (
            remote,
            "pairing.list",
            json!({"channel": channel_pos.or(channel), "accountId": account}),
        ),
        PairingCmd::Approve {
            args,
            channel,
            account,
            notify,
            remote,
        } => {
            let (channel, code) = channel_and_code(args, channel);
            (
                remote,
                "pairing.approve",
                json!({"channel": channel, "code": code, "accountId": account, "notify": notify}),
            )
        }
        PairingCmd::Deny {
            args,
            channel,
            account,
            remote,
        } => {
            let (channel, code) = channel_and_code(args, channel);
            (
                remote,
                "pairing.reject",
                json!({"channel": channel, "code": code, "accountId": account}),
            )
        }
    };
    crate::client_ops::call_and_print(&remote, method, params, render)
}
