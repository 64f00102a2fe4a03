//! Row type of the durable channel inbox ([`crate::storage::InboxStore`]).

/// One inbound chat message, persisted before the platform is told it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxRow {
    /// Registry key of the account, `<channel>:<account>`.
    pub account: String,
    /// The platform's id of the message, unique within the account (redeliveries repeat it).
    pub message_id: String,
    /// The normalised message as JSON (owned by the channel layer).
    pub body: String,
    /// When it arrived (ms).
    pub received_at: i64,
    /// Turns started for it so far: 1 when it is first stored (its live turn), one more per
    /// replay after a restart (see [`crate::storage::InboxStore::inbox_attempt`]).
    pub attempts: i64,
}
