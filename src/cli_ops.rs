//! clap structs of the operator commands beyond `agent`, `message` and `cron`: `config
//! get|set|unset`, `auth generate-token`, `gateway call`, `health`, `sessions …`, `logs`,
//! `completions`. They run in [`crate::client_ops`].

use crate::cli::{Paths, Remote};
use clap::{Args, Subcommand};

/// `clawgate auth …`.
#[derive(Debug, Subcommand)]
pub enum AuthCmd {
    /// Generate a new gateway token, save it where the token lives (the config file's
    /// `gateway.auth.token`, else `<state dir>/gateway.token`) and print it once.
    GenerateToken {
        /// Paths.
        #[command(flatten)]
        paths: Paths,
        /// Print `{"token": …, "savedTo": …}`.
        #[arg(long)]
        json: bool,
    },
}

/// `clawgate gateway call <method>`.
#[derive(Debug, Args, Clone)]
pub struct GatewayCallCmd {
    /// The WebSocket RPC method (`health`, `sessions.list`, `cron.status`, …).
    pub method: String,
    /// Parameters as a JSON (or JSON5) object.
    #[arg(long, default_value = "{}")]
    pub params: String,
    /// Gateway connection.
    #[command(flatten)]
    pub remote: Remote,
}

/// `clawgate sessions …`.
#[derive(Debug, Subcommand)]
pub enum SessionsCmd {
    /// List sessions, most recently active first.
    #[command(alias = "ls")]
    List {
        /// Only this agent's sessions.
        #[arg(long)]
        agent: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Gateway connection.
        #[command(flatten)]
        remote: Remote,
    },
    /// Show a session's transcript.
    History {
        /// Session key (`main`, `agent:main:…`).
        key: String,
        /// At most this many messages (the latest).
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Gateway connection.
        #[command(flatten)]
        remote: Remote,
    },
    /// Start a session over with an empty transcript.
    Reset {
        /// Session key.
        key: String,
        /// Gateway connection.
        #[command(flatten)]
        remote: Remote,
    },
    /// Delete a session and its transcript.
    #[command(alias = "rm")]
    Delete {
        /// Session key.
        key: String,
        /// Gateway connection.
        #[command(flatten)]
        remote: Remote,
    },
}

/// `clawgate health`.
#[derive(Debug, Args)]
pub struct HealthCmd {
    /// Gateway connection.
    #[command(flatten)]
    pub remote: Remote,
}

/// `clawgate logs`.
#[derive(Debug, Args)]
pub struct LogsCmd {
    /// Lines to show.
    #[arg(long, short = 'n', default_value_t = 100)]
    pub limit: u32,
    /// Keep printing new lines until interrupted.
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// Gateway connection.
    #[command(flatten)]
    pub remote: Remote,
}

/// `clawgate completions <shell>`.
#[derive(Debug, Args)]
pub struct CompletionsCmd {
    /// bash | zsh | fish | elvish | powershell
    pub shell: clap_complete::Shell,
}
