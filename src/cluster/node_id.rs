//! The node's identity: `cluster.nodeId` when configured, otherwise a uuid generated once and
//! kept in `<stateDir>/node-id` (read by every part of the gateway that needs it).

use std::path::Path;

/// The file under the state dir holding the generated node id.
pub const FILE: &str = "node-id";

/// `configured`, or the id kept in `<state_dir>/node-id` (created on first use).
pub fn resolve(configured: Option<&str>, state_dir: &Path) -> std::io::Result<String> {
    if let Some(id) = configured {
        return Ok(id.to_string());
    }
    let path = state_dir.join(FILE);
    if let Ok(s) = std::fs::read_to_string(&path) {
        let id = s.trim();
        if !id.is_empty() {
            return Ok(id.to_string());
        }
    }
    std::fs::create_dir_all(state_dir)?;
    let id = uuid::Uuid::new_v4().to_string();
    let tmp = state_dir.join(format!("{FILE}.tmp"));
    std::fs::write(&tmp, format!("{id}\n"))?;
    std::fs::rename(&tmp, &path)?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_generated_id_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let a = super::resolve(None, dir.path()).unwrap();
        assert_eq!(super::resolve(None, dir.path()).unwrap(), a);
        assert_eq!(super::resolve(Some("n1"), dir.path()).unwrap(), "n1");
    }
}
