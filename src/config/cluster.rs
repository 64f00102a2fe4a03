//! `cluster.*`: how this gateway takes part in a group of nodes sharing one PostgreSQL store
//! (see `docs/scale-out.md`).
//!
//! - Without `cluster.bus` a node still shares a PostgreSQL store safely for cron (each tick
//!   claimed once) and channel accounts (each run under a lease); `nodeId` and the lease
//!   lifetime apply. With SQLite nothing here changes behaviour.
//! - With `cluster.bus.url` (NATS) the node also joins the bus: sessions are owned by one node
//!   at a time, turns are forwarded to the owner and run events fan out ([`BusConfig`]);
//!   this needs `storage.backend: "postgres"`.

use serde::Deserialize;
use std::path::Path;
use std::time::Duration;

/// Lease lifetime when neither `cluster.leaseTtlMs` nor `cluster.leaseTtlSeconds` is set.
pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(10);

/// `cluster` as written in the file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawCluster {
    /// The message bus.
    pub bus: Option<RawBus>,
    /// This node's id (default: a UUID generated once and kept in `<state>/node-id`).
    pub node_id: Option<String>,
    /// How long a lease lasts without renewal, in milliseconds (renewed every third).
    pub lease_ttl_ms: Option<u64>,
    /// The same in seconds (give one of the two).
    pub lease_ttl_seconds: Option<u64>,
}

/// `cluster.bus`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawBus {
    /// `nats://host:port`.
    pub url: Option<String>,
}

/// The validated `cluster` section (always present; defaults without one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterConfig {
    /// `cluster.nodeId` when set (see [`node_id`] for the default).
    pub node_id: Option<String>,
    /// Lease lifetime (channel accounts, and sessions on the bus).
    pub lease_ttl: Duration,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            node_id: None,
            lease_ttl: DEFAULT_LEASE_TTL,
        }
    }
}

/// The bus part of `cluster`, when configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusConfig {
    /// NATS URL (`nats://…`).
    pub bus_url: String,
    /// The configured node id (`None`: the one kept in `<stateDir>/node-id`).
    pub node_id: Option<String>,
    /// Session lease lifetime; leases are renewed every third of it.
    pub lease_ttl: Duration,
}

/// Validates `cluster` (the bus needs the PostgreSQL store): the key and message of the first
/// problem on error.
pub fn build(
    raw: Option<&RawCluster>,
    storage: &super::StorageConfig,
) -> Result<(ClusterConfig, Option<BusConfig>), (String, String)> {
    let Some(raw) = raw else {
        return Ok((ClusterConfig::default(), None));
    };
    let node_id = match raw.node_id.as_deref().map(str::trim) {
        None => None,
        Some(id) if valid_id(id) => Some(id.to_string()),
        Some(_) => {
            return Err((
                "cluster.nodeId".into(),
                "must be 1–64 characters of letters, digits, `_` or `-`".into(),
            ))
        }
    };
    let lease_ttl = match (raw.lease_ttl_ms, raw.lease_ttl_seconds) {
        (Some(_), Some(_)) => {
            return Err((
                "cluster.leaseTtlMs".into(),
                "give leaseTtlMs or leaseTtlSeconds, not both".into(),
            ))
        }
        (Some(ms), None) if (300..=3_600_000).contains(&ms) => Duration::from_millis(ms),
        (Some(_), None) => {
            return Err((
                "cluster.leaseTtlMs".into(),
                "must be between 300 and 3600000".into(),
            ))
        }
        (None, Some(s)) if (1..=3600).contains(&s) => Duration::from_secs(s),
        (None, Some(_)) => {
            return Err((
                "cluster.leaseTtlSeconds".into(),
                "must be between 1 and 3600".into(),
            ))
        }
        (None, None) => DEFAULT_LEASE_TTL,
    };
    let cluster = ClusterConfig {
        node_id: node_id.clone(),
        lease_ttl,
    };
    let Some(bus) = &raw.bus else {
        return Ok((cluster, None));
    };
    if !matches!(storage, super::StorageConfig::Postgres { .. }) {
        return Err((
            "cluster.bus".into(),
            "needs storage.backend \"postgres\" (every node shares one database)".into(),
        ));
    }
    let url = bus.url.as_deref().map(str::trim).unwrap_or_default();
    if !url.starts_with("nats://") {
        return Err((
            "cluster.bus.url".into(),
            "is required: a nats://host:port URL".into(),
        ));
    }
    let bus = BusConfig {
        bus_url: url.to_string(),
        node_id,
        lease_ttl,
    };
    Ok((cluster, Some(bus)))
}

/// Node ids name NATS subjects (`clawgate.node.<id>.turn`): no dots or spaces.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
}

/// This node's id: `configured`, else the one kept in `<state_dir>/node-id` (a UUID written
/// there the first time).
pub fn resolve_node_id(configured: Option<&str>, state_dir: &Path) -> std::io::Result<String> {
    if let Some(id) = configured {
        return Ok(id.to_string());
    }
    let file = state_dir.join("node-id");
    match std::fs::read_to_string(&file) {
        Ok(s) if valid_id(s.trim()) => return Ok(s.trim().to_string()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let id = uuid::Uuid::new_v4().to_string();
    super::create_private_dir(state_dir)?;
    let tmp = state_dir.join("node-id.tmp");
    std::fs::write(&tmp, format!("{id}\n"))?;
    std::fs::rename(&tmp, &file)?;
    Ok(id)
}

/// This node's id for `cluster` (see [`resolve_node_id`]).
pub fn node_id(cluster: &ClusterConfig, state_dir: &Path) -> std::io::Result<String> {
    resolve_node_id(cluster.node_id.as_deref(), state_dir)
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
    fn defaults_and_validation() {
        let sq = StorageConfig::Sqlite;
        assert_eq!(build(None, &sq), Ok((ClusterConfig::default(), None)));
        let r = RawCluster {
            node_id: Some("node-2".into()),
            lease_ttl_seconds: Some(3),
            ..Default::default()
        };
        let (c, bus) = build(Some(&r), &sq).unwrap();
        assert_eq!(c.node_id.as_deref(), Some("node-2"));
        assert_eq!(c.lease_ttl, Duration::from_secs(3));
        assert_eq!(bus, None);
        let bad = RawCluster {
            node_id: Some("a b".into()),
            ..Default::default()
        };
        assert_eq!(build(Some(&bad), &sq).unwrap_err().0, "cluster.nodeId");
        let bad = RawCluster {
            lease_ttl_seconds: Some(0),
            ..Default::default()
        };
        assert_eq!(
            build(Some(&bad), &sq).unwrap_err().0,
            "cluster.leaseTtlSeconds"
        );
        let both = RawCluster {
            lease_ttl_seconds: Some(2),
            lease_ttl_ms: Some(2000),
            ..Default::default()
        };
        assert_eq!(build(Some(&both), &sq).unwrap_err().0, "cluster.leaseTtlMs");
    }

    #[test]
    fn the_bus_needs_postgres_and_a_nats_url() {
        let pg = StorageConfig::Postgres {
            url: "postgres://h/db".into(),
        };
        let sq = StorageConfig::Sqlite;
        assert_eq!(
            build(Some(&raw("nats://127.0.0.1:4222")), &sq)
                .unwrap_err()
                .0,
            "cluster.bus"
        );
        assert_eq!(
            build(Some(&raw("redis://x")), &pg).unwrap_err().0,
            "cluster.bus.url"
        );
        let (_, bus) = build(Some(&raw("nats://127.0.0.1:4222")), &pg).unwrap();
        let bus = bus.unwrap();
        assert_eq!(bus.lease_ttl, DEFAULT_LEASE_TTL);
        assert_eq!(bus.node_id, None);
    }

    #[test]
    fn the_default_node_id_is_generated_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let c = ClusterConfig::default();
        let a = node_id(&c, dir.path()).unwrap();
        assert_eq!(node_id(&c, dir.path()).unwrap(), a);
        assert!(uuid::Uuid::parse_str(&a).is_ok());
        assert_eq!(resolve_node_id(Some("n1"), dir.path()).unwrap(), "n1");
    }
}
