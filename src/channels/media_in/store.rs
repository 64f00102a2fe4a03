//! Stores an inbound file under `<state>/media/inbound/<channel>/<uuid>.<ext>` (0600, the
//! directory 0700) with `<uuid>.json` beside it: channel, account, kind, MIME type, declared
//! name, size, duration, and when it arrived.

use super::MediaRef;
use crate::config::ChannelAccount;
use serde_json::json;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// A file extension for a MIME type (`bin` when unknown).
fn extension(mime: &str, filename: Option<&str>) -> String {
    let known = match mime {
        "audio/ogg" => "ogg",
        "audio/mpeg" => "mp3",
        "audio/mp4" => "m4a",
        "audio/wav" => "wav",
        "video/mp4" => "mp4",
        "video/webm" => "webm",
        "video/quicktime" => "mov",
        "application/pdf" => "pdf",
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "image/gif" => "gif",
        "text/plain" => "txt",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_string();
    }
    filename
        .and_then(|f| f.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase())
        .filter(|e| !e.is_empty() && e.len() <= 8 && e.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or_else(|| "bin".into())
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    opts.open(path)?.write_all(bytes)
}

/// Writes the file and its metadata; returns the file's path.
pub(super) fn save(
    state_dir: &Path,
    cfg: &ChannelAccount,
    m: &MediaRef,
    mime: &str,
    bytes: &[u8],
) -> std::io::Result<PathBuf> {
    let dir = state_dir
        .join("media")
        .join("inbound")
        .join(cfg.kind.as_str());
    std::fs::create_dir_all(&dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
    }
    let id = uuid::Uuid::now_v7().simple().to_string();
    let path = dir.join(format!("{id}.{}", extension(mime, m.filename.as_deref())));
    write_private(&path, bytes)?;
    let meta = json!({
        "channel": cfg.kind.as_str(), "account": cfg.id, "kind": m.kind.label(), "mime": mime,
        "filename": m.filename, "bytes": bytes.len(), "seconds": m.seconds,
        "receivedAt": crate::storage::now_ms(), "path": path,
    });
    write_private(
        &dir.join(format!("{id}.json")),
        serde_json::to_string_pretty(&meta)
            .unwrap_or_default()
            .as_bytes(),
    )?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_come_from_the_type_then_the_name() {
        assert_eq!(extension("audio/ogg", None), "ogg");
        assert_eq!(
            extension("application/x-thing", Some("report.DOCX")),
            "docx"
        );
        assert_eq!(
            extension("application/x-thing", Some("../../etc/x/..")),
            "bin"
        );
        assert_eq!(extension("application/x-thing", None), "bin");
    }
}
