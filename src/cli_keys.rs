//! `clawgate keys create|list|revoke|rotate` and `clawgate usage`: the running gateway's
//! `keys.*` WebSocket methods (operator.admin), printed as text or `--json`. A created or
//! rotated key is printed once; the gateway keeps only its hash.

use crate::cli::Remote;
use crate::client_ops::call_and_print;
use clap::{Args, Subcommand};
use serde_json::{json, Value};
use std::process::ExitCode;

/// `clawgate keys …`.
#[derive(Debug, Subcommand)]
pub enum KeysCmd {
    /// Create a key (printed once).
    Create(Box<CreateArgs>),
    /// List keys (never their secrets).
    List {
        /// Gateway connection.
        #[command(flatten)]
        remote: Remote,
    },
    /// Revoke a key: it stops at once, open connections included.
    Revoke {
        /// Key id.
        id: String,
        /// Gateway connection.
        #[command(flatten)]
        remote: Remote,
    },
    /// Give a key a new secret (printed once); the old one stops at once.
    Rotate {
        /// Key id.
        id: String,
        /// Gateway connection.
        #[command(flatten)]
        remote: Remote,
    },
}

/// `clawgate keys create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// A name for people.
    #[arg(long)]
    pub name: String,
    /// The app: its sessions live under `app:<app>:`.
    #[arg(long)]
    pub app: String,
    /// Scopes, comma-separated (`chat,message,sessions:read`).
    #[arg(long, value_delimiter = ',', required = true)]
    pub scopes: Vec<String>,
    /// Agents, comma-separated (`*` = any).
    #[arg(long, value_delimiter = ',', default_value = "main")]
    pub agents: Vec<String>,
    /// Let callers name an end user (`user` / `X-Clawgate-User`).
    #[arg(long)]
    pub end_users: bool,
    /// Browser origins allowed to use it, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub origins: Vec<String>,
    /// Expire after this many days.
    #[arg(long)]
    pub expires_days: Option<u64>,
    /// Requests a minute.
    #[arg(long)]
    pub rpm: Option<u32>,
    /// Turns at once.
    #[arg(long)]
    pub concurrent: Option<u32>,
    /// Tokens a day.
    #[arg(long)]
    pub tokens_per_day: Option<u64>,
    /// Tokens a month.
    #[arg(long)]
    pub tokens_per_month: Option<u64>,
    /// Largest request body in bytes.
    #[arg(long)]
    pub max_body_bytes: Option<u64>,
    /// Gateway connection.
    #[command(flatten)]
    pub remote: Remote,
}

/// `clawgate usage`.
#[derive(Debug, Args)]
pub struct UsageCmd {
    /// Only this key.
    #[arg(long)]
    pub key: Option<String>,
    /// Only this end user.
    #[arg(long)]
    pub user: Option<String>,
    /// First day (`YYYY-MM-DD`).
    #[arg(long)]
    pub since: Option<String>,
    /// Last day (`YYYY-MM-DD`).
    #[arg(long)]
    pub until: Option<String>,
    /// Gateway connection.
    #[command(flatten)]
    pub remote: Remote,
}

fn print_created(v: &Value) {
    let k = &v["apiKey"];
    println!(
        "{}  {} (app {})",
        k["id"].as_str().unwrap_or("?"),
        k["name"].as_str().unwrap_or(""),
        k["app"].as_str().unwrap_or("")
    );
    println!("{}", v["key"].as_str().unwrap_or(""));
    println!("Store this key now: it is not shown again.");
}

/// Runs `clawgate keys …`.
pub fn keys(cmd: KeysCmd) -> ExitCode {
    match cmd {
        KeysCmd::Create(a) => {
            let mut quotas = json!({});
            let mut put = |k: &str, v: Option<Value>| {
                if let Some(v) = v {
                    quotas[k] = v;
                }
            };
            put("requestsPerMinute", a.rpm.map(Value::from));
            put("concurrentTurns", a.concurrent.map(Value::from));
            put("tokensPerDay", a.tokens_per_day.map(Value::from));
            put("tokensPerMonth", a.tokens_per_month.map(Value::from));
            put("maxBodyBytes", a.max_body_bytes.map(Value::from));
            let mut params = json!({"name": a.name, "app": a.app, "scopes": a.scopes,
                "agents": a.agents, "endUsers": a.end_users, "origins": a.origins, "quotas": quotas});
            if let Some(d) = a.expires_days {
                params["expiresAt"] =
                    json!(crate::storage::now_ms() + (d as i64).saturating_mul(86_400_000));
            }
            call_and_print(&a.remote, "keys.create", params, print_created)
        }
        KeysCmd::List { remote } => call_and_print(&remote, "keys.list", json!({}), |v| {
            let keys = v["keys"].as_array().cloned().unwrap_or_default();
            if keys.is_empty() {
                println!("no keys");
            }
            for k in keys {
                println!(
                    "{}  {:8} app={} scopes={} agents={}  {}",
                    k["id"].as_str().unwrap_or("?"),
                    k["status"].as_str().unwrap_or(""),
                    k["app"].as_str().unwrap_or(""),
                    k["scopes"],
                    k["agents"],
                    k["name"].as_str().unwrap_or("")
                );
            }
        }),
        KeysCmd::Revoke { id, remote } => {
            call_and_print(&remote, "keys.revoke", json!({"id": id}), |v| {
                println!("revoked {}", v["id"].as_str().unwrap_or(""));
            })
        }
        KeysCmd::Rotate { id, remote } => {
            call_and_print(&remote, "keys.rotate", json!({"id": id}), print_created)
        }
    }
}

/// Runs `clawgate usage`.
pub fn usage(cmd: UsageCmd) -> ExitCode {
    let params =
        json!({"keyId": cmd.key, "user": cmd.user, "since": cmd.since, "until": cmd.until});
    call_and_print(&cmd.remote, "keys.usage", params, |v| {
        let rows = v["usage"].as_array().cloned().unwrap_or_default();
        if rows.is_empty() {
            println!("no usage");
        }
        println!("day         key           user          turns errors tokens_in tokens_out");
        for r in rows {
            println!(
                "{:11} {:13} {:13} {:5} {:6} {:9} {:10}",
                r["day"].as_str().unwrap_or(""),
                r["keyId"].as_str().unwrap_or(""),
                r["user"].as_str().unwrap_or(""),
                r["turns"],
                r["errors"],
                r["tokensIn"],
                r["tokensOut"]
            );
        }
    })
}
