//! The cron job as OpenClaw shapes it (`CronJob`, camelCase JSON): schedule, target,
//! payload, delivery and runtime state. Jobs are stored as this JSON.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// When a job runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Schedule {
    /// Once, at an ISO 8601 instant.
    At {
        /// The instant (UTC when it has no offset).
        at: String,
    },
    /// Every `everyMs`, counted from `anchorMs` (default: creation).
    Every {
        /// Interval.
        #[serde(rename = "everyMs")]
        every_ms: u64,
        /// Anchor.
        #[serde(rename = "anchorMs", default, skip_serializing_if = "Option::is_none")]
        anchor_ms: Option<i64>,
    },
    /// A 5- or 6-field cron expression in a time zone.
    Cron {
        /// Expression.
        expr: String,
        /// IANA time zone (default: the host's).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tz: Option<String>,
        /// Fixed offset after each slot (default: a deterministic 0–5 min for top-of-hour
        /// expressions, 0 otherwise).
        #[serde(rename = "staggerMs", default, skip_serializing_if = "Option::is_none")]
        stagger_ms: Option<u64>,
    },
}

/// What a job does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum Payload {
    /// Queue text as a system event on the main session.
    #[serde(rename = "systemEvent")]
    SystemEvent {
        /// The text.
        text: String,
    },
    /// Run an agent turn.
    #[serde(rename = "agentTurn", rename_all = "camelCase")]
    AgentTurn {
        /// The message.
        message: String,
        /// Backend model override.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        model: Option<String>,
        /// Thinking level.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        thinking: Option<String>,
        /// Timeout (≤ 0: none; absent: 60 min).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout_seconds: Option<f64>,
        /// Skip the untrusted-content wrapper (kept for OpenClaw parity).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        allow_unsafe_external_content: Option<bool>,
        /// OpenClaw options accepted and kept, not interpreted by clawgate.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        light_context: Option<bool>,
        /// See `light_context`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tools_allow: Option<Vec<String>>,
        /// See `light_context`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fallbacks: Option<Vec<String>>,
    },
}

/// Where the result goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// `none` | `announce` | `webhook`.
    pub mode: String,
    /// Channel for `announce` (`last` default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Channel target, or the URL for `webhook`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Downgrade an undeliverable announce to "not delivered" without failing the job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_effort: Option<bool>,
}

/// Runtime state (kept with the job).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobState {
    /// Next due time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_run_at_ms: Option<i64>,
    /// Set while a run is in progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running_at_ms: Option<i64>,
    /// Start of the last run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_run_at_ms: Option<i64>,
    /// `ok` | `error` | `skipped`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_run_status: Option<String>,
    /// Same as `lastRunStatus` (OpenClaw keeps both).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_status: Option<String>,
    /// Last error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Last run's duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_duration_ms: Option<i64>,
    /// Failures in a row (drives the backoff).
    #[serde(default)]
    pub consecutive_errors: u32,
    /// Retries used by a one-shot job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_attempts: Option<u32>,
    /// `delivered` | `not-delivered` | `unknown` | `not-requested`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_delivery_status: Option<String>,
    /// Last delivery error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_delivery_error: Option<String>,
    /// Whether the last result was delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_delivered: Option<bool>,
}

/// A cron job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CronJob {
    /// Id (uuid).
    pub id: String,
    /// Agent (default agent when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Session the job was created from (kept, informational).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_key: Option<String>,
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Enabled.
    pub enabled: bool,
    /// Delete after a successful run (default for `at` jobs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_after_run: Option<bool>,
    /// Created (ms).
    pub created_at_ms: i64,
    /// Updated (ms).
    pub updated_at_ms: i64,
    /// Schedule.
    pub schedule: Schedule,
    /// `main` | `isolated` | `session:<key>`.
    pub session_target: String,
    /// `now` | `next-heartbeat`.
    pub wake_mode: String,
    /// Payload.
    pub payload: Payload,
    /// Delivery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
    /// Runtime state.
    #[serde(default)]
    pub state: JobState,
}

impl CronJob {
    /// The job as JSON.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// Whether it runs once.
    pub fn is_one_shot(&self) -> bool {
        matches!(self.schedule, Schedule::At { .. })
    }
}
