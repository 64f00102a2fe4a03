//! Rows of the API-key tables: keys (hash and policy, never the secret), usage counters by
//! key, end user and day, and the append-only audit log.

use serde::{Deserialize, Serialize};

/// A stored API key: its id, the hash of its secret and its policy (JSON owned by
/// [`crate::keys`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRow {
    /// The public id (the `<id>` of `cgk_<id>_<secret>`).
    pub id: String,
    /// SHA-256 of the id and the secret (hex).
    pub hash: String,
    /// The key's policy as JSON.
    pub policy: String,
    /// When it was created (ms since epoch).
    pub created_at: i64,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
}

/// Usage to add to one key's (and end user's) counters of one day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsageDelta {
    /// Key id.
    pub key_id: String,
    /// End user (`""` for none).
    pub user: String,
    /// UTC day, `YYYY-MM-DD`.
    pub day: String,
    /// Requests admitted.
    pub requests: u64,
    /// Turns run.
    pub turns: u64,
    /// Turns or requests that failed.
    pub errors: u64,
    /// Input tokens.
    pub tokens_in: u64,
    /// Output tokens.
    pub tokens_out: u64,
}

/// One row of usage: a key, an end user and a day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageRow {
    /// Key id.
    pub key_id: String,
    /// End user (`""` for none).
    pub user: String,
    /// UTC day, `YYYY-MM-DD`.
    pub day: String,
    /// Requests admitted.
    pub requests: u64,
    /// Turns run.
    pub turns: u64,
    /// Turns or requests that failed.
    pub errors: u64,
    /// Input tokens.
    pub tokens_in: u64,
    /// Output tokens.
    pub tokens_out: u64,
}

/// Which usage rows to read.
#[derive(Debug, Clone, Default)]
pub struct UsageQuery {
    /// Only this key.
    pub key_id: Option<String>,
    /// Only this end user.
    pub user: Option<String>,
    /// First day (inclusive, `YYYY-MM-DD`).
    pub since: Option<String>,
    /// Last day (inclusive).
    pub until: Option<String>,
}

/// One audit-log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// Sequence number (assigned by the store).
    #[serde(default)]
    pub seq: i64,
    /// When (ms since epoch).
    pub ts: i64,
    /// Who: `owner` (the gateway credential), `key:<id>`, or `cli`.
    pub actor: String,
    /// What: `key.created`, `key.revoked`, `key.rotated`, `config.changed`, `request.denied`.
    pub action: String,
    /// What it was done to (a key id, a path).
    pub target: String,
    /// Details (JSON text, never a secret).
    pub detail: String,
}
