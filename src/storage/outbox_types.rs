//! Rows of the durable channel outbox ([`super::OutboxStore`]): one platform-sized message
//! written before it is sent, kept while it waits for a retry, deleted once the platform
//! accepted it, and kept as `failed` when it was given up.

/// Where an outbox row stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxState {
    /// Not yet accepted by the platform: sent (again) when `next_at` is due.
    Pending,
    /// Given up (a permanent error, or retried past the account's bound).
    Failed,
}

impl OutboxState {
    /// The stored word (`pending` | `failed`).
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Failed => "failed",
        }
    }

    /// Parses the stored word (anything unknown is `failed`: never re-sent).
    pub fn parse(s: &str) -> OutboxState {
        if s == "pending" {
            OutboxState::Pending
        } else {
            OutboxState::Failed
        }
    }
}

/// One outbound message in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    /// Row id (also the platform idempotency key where one exists).
    pub id: String,
    /// Gateway-wide order: rows of one chat are sent by ascending `seq`.
    pub seq: i64,
    /// Registry key of the account that sends it (`telegram:default`).
    pub account: String,
    /// The ordering key within the account (target and thread).
    pub chat: String,
    /// The message (JSON; the outbox's own payload format).
    pub payload: String,
    /// Pending or failed.
    pub state: OutboxState,
    /// Attempts made so far.
    pub attempts: u32,
    /// When the next attempt is due (ms); for a failed row, when it was given up.
    pub next_at: i64,
    /// When the row was written (ms); the give-up bound counts from here.
    pub created_at: i64,
    /// The last attempt's error (free of secrets).
    pub last_error: Option<String>,
}
