//! `cluster.*`: several gateway nodes sharing one PostgreSQL store and a NATS bus (see
//! `docs/scale-out.md`). Absent means one node exactly as before: no bus, no leases.

use serde::Deserialize;
use std::time::Duration;

/// `cluster` as written in the file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawCluster {
    /// The message bus.
    pub bus: Option<RawBus>,
    /// This node's id (default: a uuid kept in `<stateDir>/node-id`).
    pub node_id: Option<String>,
    /// How long a session lease lasts without renewal, in milliseconds (default 10 000).
    pub lease_ttl_ms: Option<u64>,
}

/// `cluster.bus`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawBus {
    /// `nats://host:port`.
    pub url: Option<String>,
}

/// A validated `cluster` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterConfig {
    /// NATS URL (`nats://…`).
    pub bus_url: String,
    /// The configured node id (`None`: the one kept in `<stateDir>/node-id`).
    pub node_id: Option<String>,
    /// Session lease lifetime; leases are renewed every third of it.
    pub lease_ttl: Duration,
}

/// Default session lease lifetime.
pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(10);

/// Validates `cluster` (which needs the PostgreSQL store): the key and message of the first
/// problem on error.
pub fn build(
    raw: Option<&RawCluster>,
    storage: &super::StorageConfig,
) -> Result<Option<ClusterConfig>, (String, String)> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    if !matches!(storage, super::StorageConfig::Postgres { .. }) {
        return Err((
            "cluster".into(),
            "needs storage.backend \"postgres\" (every node shares one database)".into(),
        ));
    }
    let url = raw
        .bus
        .as_ref()
        .and_then(|b| b.url.as_deref())
        .map(str::trim)
        .unwrap_or_default();
    if !url.starts_with("nats://") {
        return Err((
            "cluster.bus.url".into(),
            "is required: a nats://host:port URL".into(),
        ));
    }
    let node_id = match raw.node_id.as_deref().map(str::trim) {
        None => None,
        Some(id)
            if !id.is_empty()
                && id.len() <= 64
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
        {
            Some(id.to_string())
        }
        Some(_) => {
            return Err((
                "cluster.nodeId".into(),
                "must be 1-64 characters of letters, digits, '-' or '_'".into(),
            ))
        }
    };
    let ttl = raw
        .lease_ttl_ms
        .unwrap_or(DEFAULT_LEASE_TTL.as_millis() as u64);
    if !(300..=600_000).contains(&ttl) {
        return Err((
            "cluster.leaseTtlMs".into(),
            "must be between 300 and 600000".into(),
        ));
    }
    Ok(Some(ClusterConfig {
        bus_url: url.to_string(),
        node_id,
        lease_ttl: Duration::from_millis(ttl),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::StorageConfig;

    fn raw(url: &str) -> RawCluster {
        RawCluster {
            bus: Some(RawBus {
                url: Some(url.into()),
            }),
            ..Default::default()
        }
    }

    #[test]
    fn cluster_needs_postgres_and_a_nats_url() {
        let pg = StorageConfig::Postgres {
            url: "postgres://h/db".into(),
        };
        assert_eq!(build(None, &StorageConfig::Sqlite), Ok(None));
        assert_eq!(
            build(Some(&raw("nats://127.0.0.1:4222")), &StorageConfig::Sqlite)
                .unwrap_err()
                .0,
            "cluster"
        );
        assert_eq!(
            build(Some(&raw("redis://x")), &pg).unwrap_err().0,
            "cluster.bus.url"
        );
        let ok = build(Some(&raw("nats://127.0.0.1:4222")), &pg)
            .unwrap()
            .unwrap();
        assert_eq!(ok.lease_ttl, DEFAULT_LEASE_TTL);
        assert_eq!(ok.node_id, None);
        let mut bad = raw("nats://x:1");
        bad.node_id = Some("a b".into());
        assert_eq!(build(Some(&bad), &pg).unwrap_err().0, "cluster.nodeId");
    }
}
