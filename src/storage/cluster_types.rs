//! Row types of the cluster tables: node membership and session ownership.

/// A gateway node that renewed its membership recently.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeRow {
    /// The node's id.
    pub node_id: String,
    /// What the node says about itself (JSON: version, host, started).
    pub info: String,
    /// When its membership lapses unless renewed (ms since epoch, the store's clock).
    pub expires_at: i64,
    /// Session leases it holds.
    pub sessions: i64,
}
