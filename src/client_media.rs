//! `clawgate message send --media/--buttons/--card`: the client half. Local files are read
//! here, size-checked against the gateway's limits and sent as base64 in the `send` frame;
//! URLs are passed on for the gateway to fetch through its SSRF guard. JSON flags are parsed
//! here so a typo fails before anything is sent.

use crate::channels::media::{check_size, guess_mime};
use crate::ws::frames::MAX_PAYLOAD_BYTES;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Map, Value};
use std::path::Path;

/// Frame space kept for everything but the attachments.
const FRAME_HEADROOM: usize = 64 * 1024;

/// Adds `media`, `mediaUrls`, `buttons`, `card`, `gifPlayback` to `send` parameters.
pub fn add_rich_params(
    params: &mut Map<String, Value>,
    media: &[String],
    buttons: Option<&str>,
    card: Option<&str>,
    gif_playback: bool,
) -> Result<(), String> {
    let (mut files, mut urls) = (Vec::new(), Vec::new());
    let mut encoded = 0usize;
    for m in media {
        let m = m.trim();
        if m.starts_with("http://") || m.starts_with("https://") {
            urls.push(json!(m));
            continue;
        }
        let file = read_file(Path::new(m))?;
        encoded += file["data"].as_str().map_or(0, str::len);
        files.push(file);
    }
    if encoded + FRAME_HEADROOM > MAX_PAYLOAD_BYTES {
        return Err(format!(
            "the attachments are too large to send together ({encoded} bytes as base64; one \
             gateway frame holds {} MiB): send fewer files at once or pass large ones by URL",
            MAX_PAYLOAD_BYTES / (1024 * 1024)
        ));
    }
    if !files.is_empty() {
        params.insert("media".into(), Value::Array(files));
    }
    if !urls.is_empty() {
        params.insert("mediaUrls".into(), Value::Array(urls));
    }
    for (key, raw) in [("buttons", buttons), ("card", card)] {
        if let Some(raw) = raw {
            let v: Value =
                serde_json::from_str(raw).map_err(|e| format!("--{key} is not valid JSON: {e}"))?;
            params.insert(key.into(), v);
        }
    }
    if gif_playback {
        params.insert("gifPlayback".into(), json!(true));
    }
    Ok(())
}

/// One local file as `{filename, mimeType, size, data}`, refused before reading when too large.
fn read_file(path: &Path) -> Result<Value, String> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("--media {shown}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("--media {shown}: not a regular file"));
    }
    let filename = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    // The larger limit first (no need to read a 2 GiB file to refuse it), then the exact one.
    check_size(&filename, "application/octet-stream", meta.len())
        .map_err(|e| format!("--media {e}"))?;
    let data = std::fs::read(path).map_err(|e| format!("--media {shown}: {e}"))?;
    let mime = guess_mime(&filename, &data);
    check_size(&filename, &mime, data.len() as u64).map_err(|e| format!("--media {e}"))?;
    Ok(
        json!({"filename": filename, "mimeType": mime, "size": data.len(),
              "data": STANDARD.encode(&data)}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_inlined_urls_passed_on_and_json_checked() {
        let dir = tempfile::tempdir().unwrap();
        let png = dir.path().join("shot.png");
        std::fs::write(&png, b"\x89PNG\r\n\x1a\nxx").unwrap();
        let mut p = Map::new();
        let media = [png.display().to_string(), "https://e.com/a.pdf".into()];
        add_rich_params(
            &mut p,
            &media,
            Some(r#"[[{"text":"a","url":"https://x"}]]"#),
            None,
            true,
        )
        .unwrap();
        assert_eq!(p["media"][0]["mimeType"], "image/png");
        assert_eq!(p["media"][0]["filename"], "shot.png");
        assert_eq!(p["mediaUrls"], json!(["https://e.com/a.pdf"]));
        assert_eq!(p["gifPlayback"], true);
        let e = add_rich_params(&mut Map::new(), &[], None, Some("{x"), false).unwrap_err();
        assert!(e.starts_with("--card is not valid JSON"), "{e}");
        let e = add_rich_params(&mut Map::new(), &["/nope/x.png".into()], None, None, false);
        assert!(e.unwrap_err().contains("/nope/x.png"));
    }
}
