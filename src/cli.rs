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
    /// Run one agent turn through a running gateway and print the reply.
    Agent(AgentCmd),
    /// Show a running gateway's status.
    Status(StatusCmd),
    /// Send messages through a running gateway's chat channels.
    #[command(subcommand)]
    Message(MessageCmd),
    /// Manage cron jobs on a running gateway.
    #[command(subcommand)]
    Cron(crate::cli_cron::CronCmd),
    /// Gateway credentials.
    #[command(subcommand)]
    Auth(crate::cli_ops::AuthCmd),
    /// Sessions of a running gateway.
    #[command(subcommand)]
    Sessions(crate::cli_ops::SessionsCmd),
    /// A running gateway's health (WS `health`).
    Health(crate::cli_ops::HealthCmd),
    /// A running gateway's recent log lines (WS `logs.tail`).
    Logs(crate::cli_ops::LogsCmd),
    /// Check the config, state dir, port, gateway credentials, providers, channels and exec
    /// settings; exit 1 when a check fails.
    Doctor(crate::cli_doctor::DoctorCmd),
    /// Print a shell completion script.
    Completions(crate::cli_ops::CompletionsCmd),
    /// List and check skills (local: reads the config and the skill folders).
    #[command(subcommand)]
    Skills(crate::cli_skills::SkillsCmd),
    /// Inspect, reindex and search agent memory on a running gateway.
    #[command(subcommand)]
    Memory(crate::cli_memory::MemoryCmd),
    /// Approve or inspect DM pairing requests on a running gateway.
    #[command(subcommand)]
    Pairing(crate::cli_pairing::PairingCmd),
    /// Audit the configuration and state directory for risky settings.
    #[command(subcommand)]
    Security(crate::cli_audit::SecurityCmd),
    /// Scoped API keys for app backends on a running gateway.
    #[command(subcommand)]
    Keys(crate::cli_keys::KeysCmd),
    /// API-key usage by day, key and end user on a running gateway.
    Usage(crate::cli_keys::UsageCmd),
    /// Storage backends: copy the SQLite store into PostgreSQL (local; gateway stopped).
    #[command(subcommand)]
    Storage(crate::cli_storage::StorageCmd),
}

/// `clawgate message …`.
#[derive(Debug, Subcommand)]
pub enum MessageCmd {
    /// Send a text message to a chat (WS RPC `send` on the running gateway).
    Send(MessageSendCmd),
}

/// `clawgate message send`.
#[derive(Debug, Args)]
pub struct MessageSendCmd {
    /// Channel: telegram | slack | discord | webhook, or a configured account id
    /// (required when more than one channel is configured).
    #[arg(long)]
    pub channel: Option<String>,
    /// Account id within the channel (default: the channel's default account).
    #[arg(long)]
    pub account: Option<String>,
    /// Target chat: a chat/channel id (`123`, `channel:C123`, `user:456`, `@channel`).
    #[arg(long, short = 't')]
    pub target: String,
    /// The text to send (the caption when attachments go along; optional with `--media`).
    #[arg(long, short = 'm', default_value = "")]
    pub message: String,
    /// Attachment: a local file (read here, at most 20 MiB, images 6 MiB) or an http(s) URL
    /// (fetched by the gateway through its SSRF guard). Repeat for several.
    #[arg(long, value_name = "PATH|URL")]
    pub media: Vec<String>,
    /// Telegram inline keyboard: JSON rows of `{"text", "callback_data"|"url"}`.
    #[arg(long, value_name = "JSON")]
    pub buttons: Option<String>,
    /// A card: Slack Block Kit blocks or Discord embeds (JSON); other channels refuse it.
    #[arg(long, value_name = "JSON")]
    pub card: Option<String>,
    /// Send GIFs and videos as animations (Telegram `sendAnimation`).
    #[arg(long)]
    pub gif_playback: bool,
    /// Message id to reply to (quote).
    #[arg(long)]
    pub reply_to: Option<String>,
    /// Thread / topic id (Telegram forum topic, Slack `thread_ts`).
    #[arg(long)]
    pub thread_id: Option<String>,
    /// Send without a notification (Telegram, Discord).
    #[arg(long)]
    pub silent: bool,
    /// Print what would be sent and exit without contacting the gateway.
    #[arg(long)]
    pub dry_run: bool,
    /// Gateway connection.
    #[command(flatten)]
    pub remote: Remote,
}

/// How to reach a running gateway.
#[derive(Debug, Args, Clone, Default)]
pub struct Remote {
    /// Paths (to find the port and token of the local gateway).
    #[command(flatten)]
    pub paths: Paths,
    /// Gateway URL (`http(s)://` or `ws(s)://`); default `http://127.0.0.1:<port>`.
    #[arg(long, env = "OPENCLAW_GATEWAY_URL")]
    pub url: Option<String>,
    /// Gateway token (default: `OPENCLAW_GATEWAY_TOKEN`, the config, or `<state dir>/gateway.token`).
    #[arg(long, env = "OPENCLAW_GATEWAY_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Gateway password (password mode).
    #[arg(long, env = "OPENCLAW_GATEWAY_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `clawgate agent`.
#[derive(Debug, Args)]
pub struct AgentCmd {
    /// The message for the agent.
    #[arg(long, short = 'm')]
    pub message: String,
    /// Agent id (default: the default agent).
    #[arg(long)]
    pub agent: Option<String>,
    /// Session key (default: the agent's main session).
    #[arg(long = "session-id", alias = "session-key")]
    pub session: Option<String>,
    /// Thinking level: off | minimal | low | medium | high.
    #[arg(long)]
    pub thinking: Option<String>,
    /// Backend model override (`provider/model`).
    #[arg(long)]
    pub model: Option<String>,
    /// Run timeout in seconds.
    #[arg(long)]
    pub timeout: Option<u64>,
    /// A chat peer (E.164 phone number, chat id): the session is that peer's, and the
    /// default delivery target.
    #[arg(long)]
    pub to: Option<String>,
    /// Send the agent's reply to a chat channel as well (`--channel`/`--reply-channel`,
    /// `--reply-to`/`--to`).
    #[arg(long)]
    pub deliver: bool,
    /// Channel of `--to` and of the delivery (telegram | slack | discord | webhook | …).
    #[arg(long)]
    pub channel: Option<String>,
    /// Delivery target (overrides `--to`).
    #[arg(long)]
    pub reply_to: Option<String>,
    /// Delivery channel (overrides `--channel`).
    #[arg(long)]
    pub reply_channel: Option<String>,
    /// Delivery account within the channel.
    #[arg(long)]
    pub account: Option<String>,
    /// Run the turn in this process on the local config and state dir (no gateway needed).
    #[arg(long)]
    pub local: bool,
    /// Show tool calls and their results (on stderr) as they happen.
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Gateway connection.
    #[command(flatten)]
    pub remote: Remote,
}

/// `clawgate status`.
#[derive(Debug, Args)]
pub struct StatusCmd {
    /// Gateway connection.
    #[command(flatten)]
    pub remote: Remote,
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
    /// Call one WebSocket RPC method on a running gateway and print its JSON answer.
    Call(crate::cli_ops::GatewayCallCmd),
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
    /// Print the value at a dotted path of the config file (`gateway.auth.token`,
    /// `agents.list[0].model`); exit 1 when it is not set.
    Get {
        /// Dotted path.
        path: String,
        /// Paths.
        #[command(flatten)]
        paths: Paths,
        /// Print the value as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Set the value at a dotted path (parsed as JSON5, else taken as text); the whole file
    /// is validated before it is replaced.
    Set {
        /// Dotted path.
        path: String,
        /// The value.
        value: String,
        /// Paths.
        #[command(flatten)]
        paths: Paths,
    },
    /// Remove the value at a dotted path.
    Unset {
        /// Dotted path.
        path: String,
        /// Paths.
        #[command(flatten)]
        paths: Paths,
    },
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
