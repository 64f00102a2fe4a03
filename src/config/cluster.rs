//! `cluster.*`: how this gateway takes part in a group of nodes sharing one PostgreSQL store
//! (see `docs/scale-out.md`): its node id and how long its leases (channel connector accounts)
//! last without renewal. Without a shared store nothing here changes behaviour.

use serde::Deserialize;
use std::path::Path;
use std::time::Duration;

/// Lease lifetime when `cluster.leaseTtlSeconds` is not set.
pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(15);

/// `cluster` as written in the file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawCluster {
    /// This node's id (default: a UUID generated once and kept in `<state>/node-id`).
    pub node_id: Option<String>,
    /// How long a lease lasts without renewal, in seconds (default 15; renewed every third).
    pub lease_ttl_seconds: Option<u64>,
}

/// The validated `cluster` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterConfig {
    /// `cluster.nodeId` when set (see [`node_id`] for the default).
    pub node_id: Option<String>,
    /// `cluster.leaseTtlSeconds`.
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

/// Validates `cluster`: the key and message of the first problem on error.
pub fn build(raw: Option<&RawCluster>) -> Result<ClusterConfig, (String, String)> {
    let Some(raw) = raw else {
        return Ok(ClusterConfig::default());
    };
    let node_id = match raw.node_id.as_deref().map(str::trim) {
        None => None,
        Some(id) if valid_id(id) => Some(id.to_string()),
        Some(_) => {
            return Err((
                "cluster.nodeId".into(),
                "must be 1–64 characters of letters, digits, `.`, `_` or `-`".into(),
            ))
        }
    };
    let lease_ttl = match raw.lease_ttl_seconds {
        None => DEFAULT_LEASE_TTL,
        Some(s) if (1..=3600).contains(&s) => Duration::from_secs(s),
        Some(_) => {
            return Err((
                "cluster.leaseTtlSeconds".into(),
                "must be between 1 and 3600".into(),
            ))
        }
    };
    Ok(ClusterConfig { node_id, lease_ttl })
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// This node's id: `cluster.nodeId`, else the one kept in `<state_dir>/node-id` (a UUID
/// written there the first time).
pub fn node_id(cluster: &ClusterConfig, state_dir: &Path) -> std::io::Result<String> {
    if let Some(id) = &cluster.node_id {
        return Ok(id.clone());
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
    std::fs::write(&file, format!("{id}\n"))?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_validation() {
        assert_eq!(build(None), Ok(ClusterConfig::default()));
        let raw = RawCluster {
            node_id: Some("node-2".into()),
            lease_ttl_seconds: Some(3),
        };
        let c = build(Some(&raw)).unwrap();
        assert_eq!(c.node_id.as_deref(), Some("node-2"));
        assert_eq!(c.lease_ttl, Duration::from_secs(3));
        let bad = RawCluster {
            node_id: Some("a b".into()),
            lease_ttl_seconds: None,
        };
        assert_eq!(build(Some(&bad)).unwrap_err().0, "cluster.nodeId");
        let bad = RawCluster {
            node_id: None,
            lease_ttl_seconds: Some(0),
        };
        assert_eq!(build(Some(&bad)).unwrap_err().0, "cluster.leaseTtlSeconds");
    }

    #[test]
    fn the_default_node_id_is_generated_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let c = ClusterConfig::default();
        let a = node_id(&c, dir.path()).unwrap();
        assert_eq!(node_id(&c, dir.path()).unwrap(), a);
        assert!(uuid::Uuid::parse_str(&a).is_ok());
        let named = ClusterConfig {
            node_id: Some("n1".into()),
            ..c
        };
        assert_eq!(node_id(&named, dir.path()).unwrap(), "n1");
    }
}
