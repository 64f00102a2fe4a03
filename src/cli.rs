//! Command-line interface: clap structs only. Every flag has an environment twin where it
//! makes sense.

use crate::telemetry::LogFormat;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// clawgate: a light, self-hosted AI-agent gateway compatible with OpenClaw's APIs.
#[derive(Debug, Parser)]
#[command(name = "clawgate", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway daemon (`clawgate gateway` = `clawgate gateway run`).
    Gateway(Box<GatewayCmd>),
    /// Inspect configuration.
    #[command(subcommand)]
    Config(ConfigCmd),
}

/// `clawgate gateway [run]`.
#[derive(Debug, Args)]
pub struct GatewayCmd {
    /// Sub-action (only `run`).
    #[command(subcommand)]
    pub action: Option<GatewayAction>,
    /// Options.
    #[command(flatten)]
    pub opts: GatewayOpts,
}

/// `gateway` sub-actions.
#[derive(Debug, Subcommand)]
pub enum GatewayAction {
    /// Run in the foreground (the default).
    Run(GatewayOpts),
}

/// Where configuration and state live.
#[derive(Debug, Args, Clone, Default)]
pub struct Paths {
    /// Config file (JSON5). Default: `<state dir>/clawgate.json5` when it exists.
    #[arg(long, env = "CLAWGATE_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// State directory (SQLite store, generated token). Default: `~/.clawgate`.
    #[arg(long, env = "CLAWGATE_STATE_DIR", global = true)]
    pub state_dir: Option<PathBuf>,
}

/// Gateway options (override the config file).
#[derive(Debug, Args, Clone, Default)]
pub struct GatewayOpts {
    /// Paths.
    #[command(flatten)]
    pub paths: Paths,
    /// Port (default 18789; also `OPENCLAW_GATEWAY_PORT`).
    #[arg(long)]
    pub port: Option<u16>,
    /// Bind: loopback | lan | custom | auto, or an IP address.
    #[arg(long)]
    pub bind: Option<String>,
    /// Auth mode: none | token | password.
    #[arg(long)]
    pub auth: Option<String>,
    /// Gateway token (overrides config and `OPENCLAW_GATEWAY_TOKEN`).
    #[arg(long)]
    pub token: Option<String>,
    /// Gateway password (overrides config and `OPENCLAW_GATEWAY_PASSWORD`).
    #[arg(long)]
    pub password: Option<String>,
    /// Log format.
    #[arg(long, value_enum, default_value = "text", env = "CLAWGATE_LOG_FORMAT")]
    pub log_format: LogFormat,
}

/// `clawgate config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Check the config file; exit 0 when valid, 1 otherwise.
    Validate {
        /// Paths.
        #[command(flatten)]
        paths: Paths,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}
