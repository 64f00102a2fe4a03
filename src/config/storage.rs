//! `storage.*`: which backend keeps sessions, transcripts, runs, cron, responses, kv and the
//! memory index. The embedded SQLite store under the state dir is the default; `postgres`
//! keeps them in a PostgreSQL database (see `docs/scale-out.md`). The state dir is used for
//! everything else either way.

use serde::Deserialize;

/// `storage` as written in the file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawStorage {
    /// `sqlite` (default) or `postgres`.
    pub backend: Option<String>,
    /// `postgres://user:password@host:port/dbname` (required for `postgres`).
    pub url: Option<String>,
}

/// The chosen backend.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum StorageConfig {
    /// `<stateDir>/clawgate.sqlite`.
    #[default]
    Sqlite,
    /// A PostgreSQL database.
    Postgres {
        /// Connection URL; may hold a password, so it is never printed (see `Debug`).
        url: String,
    },
}

impl std::fmt::Debug for StorageConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StorageConfig::Sqlite => f.write_str("Sqlite"),
            StorageConfig::Postgres { .. } => f.write_str("Postgres { url: <redacted> }"),
        }
    }
}

/// Validates `storage`: the key and message of the first problem on error.
pub fn build(raw: Option<&RawStorage>) -> Result<StorageConfig, (String, String)> {
    let Some(raw) = raw else {
        return Ok(StorageConfig::Sqlite);
    };
    match raw.backend.as_deref().unwrap_or("sqlite") {
        "sqlite" => {
            if raw.url.is_some() {
                return Err((
                    "storage.url".into(),
                    "is only used with storage.backend \"postgres\"".into(),
                ));
            }
            Ok(StorageConfig::Sqlite)
        }
        "postgres" => {
            let url = raw.url.as_deref().map(str::trim).unwrap_or_default();
            if url.is_empty() {
                return Err((
                    "storage.url".into(),
                    "is required with storage.backend \"postgres\" (postgres://user:password@host:port/dbname)".into(),
                ));
            }
            if !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
                return Err((
                    "storage.url".into(),
                    "must be a postgres:// or postgresql:// URL".into(),
                ));
            }
            Ok(StorageConfig::Postgres {
                url: url.to_string(),
            })
        }
        _ => Err((
            "storage.backend".into(),
            "must be \"sqlite\" or \"postgres\"".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(backend: Option<&str>, url: Option<&str>) -> RawStorage {
        RawStorage {
            backend: backend.map(str::to_string),
            url: url.map(str::to_string),
        }
    }

    #[test]
    fn backend_and_url_are_validated() {
        assert_eq!(build(None), Ok(StorageConfig::Sqlite));
        assert_eq!(build(Some(&raw(None, None))), Ok(StorageConfig::Sqlite));
        let pg = build(Some(&raw(Some("postgres"), Some("postgres://u:pw@h/db")))).unwrap();
        assert_eq!(
            pg,
            StorageConfig::Postgres {
                url: "postgres://u:pw@h/db".into()
            }
        );
        assert!(
            !format!("{pg:?}").contains("pw"),
            "the URL is never printed"
        );
        assert_eq!(
            build(Some(&raw(Some("postgres"), None))).unwrap_err().0,
            "storage.url"
        );
        assert_eq!(
            build(Some(&raw(Some("postgres"), Some("mysql://x"))))
                .unwrap_err()
                .0,
            "storage.url"
        );
        assert_eq!(
            build(Some(&raw(Some("redis"), None))).unwrap_err().0,
            "storage.backend"
        );
        assert_eq!(
            build(Some(&raw(Some("sqlite"), Some("postgres://x/y"))))
                .unwrap_err()
                .0,
            "storage.url"
        );
    }
}
