//! `clawgate memory status [--deep] | index [--force] | search <query>`: calls the running
//! gateway's `memory.status` / `memory.index` / `memory.search` over the WebSocket RPC and
//! prints text (or the RPC payload with `--json`).

use crate::cli::Remote;
use clap::Subcommand;
use serde_json::{json, Value};
use std::process::ExitCode;

/// `clawgate memory` sub-commands.
#[derive(Debug, Subcommand)]
pub enum MemoryCmd {
    /// Index status: files, chunks, vectors, provider, mode, staleness.
    Status {
        /// Also ask the embeddings provider for one vector.
        #[arg(long)]
        deep: bool,
        /// Agent id (default: the default agent).
        #[arg(long)]
        agent: Option<String>,
        /// Gateway connection.
        #[command(flatten)]
        remote: Remote,
    },
    /// Reindex changed files (`--force`: rebuild, accepting a new provider/model/chunking).
    Index {
        /// Rebuild from scratch.
        #[arg(long)]
        force: bool,
        /// Agent id (default: the default agent).
        #[arg(long)]
        agent: Option<String>,
        /// Gateway connection.
        #[command(flatten)]
        remote: Remote,
    },
    /// Search memory.
    Search {
        /// The query.
        query: String,
        /// Results wanted.
        #[arg(long)]
        max_results: Option<u32>,
        /// Lowest score kept (0..1).
        #[arg(long)]
        min_score: Option<f64>,
        /// Agent id (default: the default agent).
        #[arg(long)]
        agent: Option<String>,
        /// Gateway connection.
        #[command(flatten)]
        remote: Remote,
    },
}

fn render(method: &str, v: &Value) {
    match method {
        "memory.search" => {
            let results = v["results"].as_array().cloned().unwrap_or_default();
            println!(
                "mode: {} (provider {}), {} result(s)",
                v["mode"].as_str().unwrap_or("?"),
                v["provider"].as_str().unwrap_or("none"),
                results.len()
            );
            if let Some(w) = v["warning"].as_str() {
                println!("warning: {w}");
            }
            for r in results {
                let snippet: String = r["snippet"]
                    .as_str()
                    .unwrap_or_default()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .chars()
                    .take(160)
                    .collect();
                println!(
                    "{:.3}  {}:{}-{}  {}",
                    r["score"].as_f64().unwrap_or(0.0),
                    r["path"].as_str().unwrap_or("?"),
                    r["startLine"],
                    r["endLine"],
                    snippet
                );
            }
        }
        "memory.index" => {
            let r = &v["report"];
            println!(
                "agent {}: {} indexed, {} unchanged, {} removed, {} embedded{}",
                v["agentId"].as_str().unwrap_or("?"),
                r["indexed"],
                r["unchanged"],
                r["removed"],
                r["embedded"],
                if r["forced"] == true {
                    " (rebuilt)"
                } else {
                    ""
                }
            );
        }
        _ => {
            for (k, val) in v.as_object().into_iter().flatten() {
                if !val.is_null() {
                    println!("{k}: {val}");
                }
            }
        }
    }
}

/// Runs a `clawgate memory` command.
pub fn run(cmd: MemoryCmd) -> ExitCode {
    let (remote, method, mut params, agent) = match cmd {
        MemoryCmd::Status {
            deep,
            agent,
            remote,
        } => (remote, "memory.status", json!({"deep": deep}), agent),
        MemoryCmd::Index {
            force,
            agent,
            remote,
        } => (remote, "memory.index", json!({"force": force}), agent),
        MemoryCmd::Search {
            query,
            max_results,
            min_score,
            agent,
            remote,
        } => (
            remote,
            "memory.search",
            json!({"query": query, "maxResults": max_results, "minScore": min_score}),
            agent,
        ),
    };
    if let Some(a) = agent {
        params["agentId"] = json!(a);
    }
    crate::client_ops::call_and_print(&remote, method, params, |v| render(method, v))
}
