//! `clawgate cron …`: clap structs only (the commands run in [`crate::cron::command`]).

use crate::cli::Remote;
use clap::{Args, Subcommand};

/// `clawgate cron` sub-commands.
#[derive(Debug, Subcommand)]
pub enum CronCmd {
    /// Add a job.
    Add(Box<CronAddArgs>),
    /// Change a job.
    Edit(Box<CronEditArgs>),
    /// List jobs.
    List {
        /// Include disabled jobs.
        #[arg(long)]
        all: bool,
        /// Gateway connection.
        #[command(flatten)]
        remote: Remote,
    },
    /// Scheduler status.
    Status {
        /// Gateway connection.
        #[command(flatten)]
        remote: Remote,
    },
    /// Run a job now.
    Run {
        /// Job id.
        id: String,
        /// Only if it is due.
        #[arg(long)]
        due: bool,
        /// Gateway connection.
        #[command(flatten)]
        remote: Remote,
    },
    /// Show the run log.
    Runs {
        /// Job id (default: every job).
        #[arg(long)]
        id: Option<String>,
        /// Entries to show.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Gateway connection.
        #[command(flatten)]
        remote: Remote,
    },
    /// Remove a job.
    #[command(alias = "rm")]
    Remove {
        /// Job id.
        id: String,
        /// Gateway connection.
        #[command(flatten)]
        remote: Remote,
    },
}

/// Schedule, target, payload and delivery flags shared by `add` and `edit`.
#[derive(Debug, Args, Default)]
pub struct CronJobFlags {
    /// Job name.
    #[arg(long)]
    pub name: Option<String>,
    /// Description.
    #[arg(long)]
    pub description: Option<String>,
    /// Run once at an ISO time, or after a duration (`20m`, `1h30m`).
    #[arg(long, conflicts_with_all = ["every", "cron"])]
    pub at: Option<String>,
    /// Run every duration (`30m`, `1h`, or ms).
    #[arg(long, conflicts_with = "cron")]
    pub every: Option<String>,
    /// Cron expression (5 or 6 fields).
    #[arg(long)]
    pub cron: Option<String>,
    /// IANA time zone of `--cron`.
    #[arg(long)]
    pub tz: Option<String>,
    /// No top-of-hour stagger.
    #[arg(long)]
    pub exact: bool,
    /// Fixed stagger after each slot (`30s`).
    #[arg(long)]
    pub stagger: Option<String>,
    /// `main`, `isolated` or `session:<key>`.
    #[arg(long)]
    pub session: Option<String>,
    /// Agent turn message.
    #[arg(long, short = 'm', conflicts_with = "system_event")]
    pub message: Option<String>,
    /// System event text (main session).
    #[arg(long)]
    pub system_event: Option<String>,
    /// `now` or `next-heartbeat`.
    #[arg(long)]
    pub wake: Option<String>,
    /// Delete a one-shot job after it succeeds (the default for `--at`).
    #[arg(long, conflicts_with = "keep_after_run")]
    pub delete_after_run: bool,
    /// Keep a one-shot job after it runs.
    #[arg(long)]
    pub keep_after_run: bool,
    /// Announce the result to a channel.
    #[arg(long, conflicts_with = "no_deliver")]
    pub announce: bool,
    /// Do not deliver the result.
    #[arg(long)]
    pub no_deliver: bool,
    /// Announce channel (`last`, `slack`, `telegram`, …).
    #[arg(long)]
    pub channel: Option<String>,
    /// Announce target.
    #[arg(long)]
    pub to: Option<String>,
    /// Downgrade an undeliverable announce instead of failing.
    #[arg(long)]
    pub best_effort_deliver: bool,
    /// Backend model (`provider/model`).
    #[arg(long)]
    pub model: Option<String>,
    /// Thinking level.
    #[arg(long)]
    pub thinking: Option<String>,
    /// Agent turn timeout in seconds (0 = none).
    #[arg(long)]
    pub timeout_seconds: Option<f64>,
    /// Agent id.
    #[arg(long)]
    pub agent: Option<String>,
}

/// `clawgate cron add`.
#[derive(Debug, Args)]
pub struct CronAddArgs {
    /// Job definition.
    #[command(flatten)]
    pub job: CronJobFlags,
    /// Create it disabled.
    #[arg(long)]
    pub disabled: bool,
    /// Gateway connection.
    #[command(flatten)]
    pub remote: Remote,
}

/// `clawgate cron edit <id>`.
#[derive(Debug, Args)]
pub struct CronEditArgs {
    /// Job id.
    pub id: String,
    /// Changes.
    #[command(flatten)]
    pub job: CronJobFlags,
    /// Enable the job.
    #[arg(long, conflicts_with = "disable")]
    pub enable: bool,
    /// Disable the job.
    #[arg(long)]
    pub disable: bool,
    /// Remove the agent override.
    #[arg(long)]
    pub clear_agent: bool,
    /// Gateway connection.
    #[command(flatten)]
    pub remote: Remote,
}
